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
import java.util.List;
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
     * named, else the one {@code host} is a member of. The token goes only to a member of the
     * service, or to this machine itself: never to a host the configuration does not name.
     */
    public static AdminClient.Credentials credentials(String host, String service) {
        TantalumConfig config;
        try {
            config = TantalumConfig.load(IniLocator.find(null));
        } catch (TantalumException e) {
            return new AdminClient.Credentials(null, "no INI configuration on this host (" + e.getMessage() + ")",
                    null);
        }
        List<TantalumConfig.Service> candidates = service != null && config.services().containsKey(service)
                ? List.of(config.service(service)) : List.copyOf(config.services().values());
        for (TantalumConfig.Service s : candidates) {
            for (String m : s.members()) {
                if (m.equals(host) || config.address(m).equals(host)) {
                    return ServiceSecrets.credentials(config, s.name(), m);
                }
            }
        }
        if (host == null || host.equals("localhost") || io.tantalum.cli.validate.Facts.isLocal(host)) {
            return ServiceSecrets.credentials(config, candidates.get(0).name(), host == null ? "localhost" : host);
        }
        return new AdminClient.Credentials(null, config.file() + ", where no service has " + host + " as a member"
                + " (the token is sent only to members)", null);
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
