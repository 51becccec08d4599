package io.tantalum.cli;

import io.tantalum.api.AdminClient;
import io.tantalum.cli.config.IniLocator;
import io.tantalum.cli.config.ServiceSecrets;
import io.tantalum.cli.config.TantalumConfig;
import io.tantalum.cli.sandbox.SandboxLayout;
import io.tantalum.common.ErrorCode;
import io.tantalum.common.TantalumException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;

/**
 * Resolves {@code -host NAME} for the CLIs: first through the sandbox's host map (names such as
 * {@code host2}), then DNS. Without {@code -host}, the sandbox's first host, else this machine.
 */
public final class HostResolver {
    /** Where a host's replicator listens. */
    public record Target(String name, String address, int adminPort) {}

    /**
     * What to present to the replicator of {@code host}: the admin token of its service, from the
     * local installation's INI configuration (the sandbox's, {@code $TANTALUM_INI} or
     * {@code /etc/tantalum/tantalum.ini}) and the secrets file beside it. {@code service}: the one
     * named, else the one {@code host} is a member of, else the first.
     */
    public static AdminClient.Credentials credentials(String host, String service) {
        TantalumConfig config;
        try {
            config = TantalumConfig.load(IniLocator.find(null));
        } catch (TantalumException e) {
            return new AdminClient.Credentials(null, "no INI configuration on this host (" + e.getMessage() + ")",
                    null);
        }
        String name = service;
        if (name == null || !config.services().containsKey(name)) {
            // an unknown service: the host's own credentials, so that the replicator can say which services it runs
            name = config.services().values().stream().filter(s -> host == null || s.members().contains(host)
                    || s.members().stream().anyMatch(m -> config.address(m).equals(host)))
                    .map(TantalumConfig.Service::name).findFirst()
                    .orElse(config.services().keySet().iterator().next());
        }
        String member = host == null ? null : config.services().get(name).members().stream()
                .filter(m -> m.equals(host) || config.address(m).equals(host)).findFirst().orElse(null);
        return ServiceSecrets.credentials(config, name, member != null ? member : host == null ? "localhost" : host);
    }

    private HostResolver() {}

    public static Optional<SandboxLayout> sandbox() {
        return SandboxLayout.load(SandboxLayout.defaultDirectory());
    }

    public static Target resolve(String host, Integer port) {
        Optional<SandboxLayout> sb = sandbox();
        if (sb.isPresent()) {
            SandboxLayout l = sb.get();
            Optional<SandboxLayout.Host> h = host == null ? Optional.of(l.hosts().get(0)) : l.host(host);
            if (h.isPresent()) {
                return new Target(h.get().name(), h.get().address(), port != null ? port : h.get().adminPort());
            }
        }
        String name = host == null ? "localhost" : host;
        try {
            InetAddress a = InetAddress.getByName(name);
            return new Target(name, a.getHostAddress(), port != null ? port : 10000);
        } catch (UnknownHostException e) {
            String known = sb.map(l -> " The sandbox in " + l.directory() + " has hosts "
                    + String.join(", ", l.hosts().stream().map(SandboxLayout.Host::name).toList()) + ".").orElse(
                    " No sandbox was found in " + SandboxLayout.defaultDirectory() + ".");
            throw new TantalumException(ErrorCode.INVALID_ARGUMENT, "Unknown host '" + name
                    + "': it is not a sandbox host and DNS does not know it." + known);
        }
    }
}
