package io.tantalum.cli.install;

import io.tantalum.api.AdminClient;
import io.tantalum.api.ReplicatorApi;
import io.tantalum.api.ReplicatorStatus;
import io.tantalum.cli.config.IniKey;
import io.tantalum.cli.config.ServiceSecrets;
import io.tantalum.cli.config.TantalumConfig;
import io.tantalum.common.ErrorCode;
import io.tantalum.common.TantalumException;
import io.tantalum.replicator.Replicator;
import io.tantalum.replicator.RoleStore;
import io.tantalum.replicator.ReplicatorSettings;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * {@code tpm install|start|stop|status|update} for one host: writes each of its services'
 * effective replicator configuration under the install directory, creates the catalog, and has
 * each replicator run by its {@link Supervisor}: a systemd unit or a background process with a
 * pid file, as the INI's {@code service-manager} says.
 */
public final class Installer {
    private final TantalumConfig config;

    public Installer(TantalumConfig config) {
        this.config = config;
    }

    /** What runs the replicator of {@code service} on {@code host}, from {@code service-manager}. */
    public Supervisor supervisor(String service, String host) {
        ReplicatorProcess p = process(service, host);
        String manager = config.service(service).string(IniKey.SERVICE_MANAGER);
        boolean root = "root".equals(System.getProperty("user.name"));
        switch (manager) {
            case "systemd-user":
                return new SystemdUnit(p, service, host, SystemdUnit.Scope.USER);
            case "systemd":
                if (!SystemdUnit.booted()) {
                    throw new TantalumException(ErrorCode.FAILED_PRECONDITION, "service-manager=systemd in "
                            + config.file() + ", but this machine was not booted with systemd (/run/systemd/system is"
                            + " missing): set service-manager=background (or auto)");
                }
                if (!root) {
                    throw new TantalumException(ErrorCode.FAILED_PRECONDITION, "service-manager=systemd installs units"
                            + " in /etc/systemd/system and needs root: run tpm as root, or set"
                            + " service-manager=systemd-user in " + config.file());
                }
                return new SystemdUnit(p, service, host, SystemdUnit.Scope.SYSTEM);
            case "background":
                return p;
            default:
                return SystemdUnit.booted() && root ? new SystemdUnit(p, service, host, SystemdUnit.Scope.SYSTEM) : p;
        }
    }

    public TantalumConfig config() {
        return config;
    }

    /** The services the host is a member of. */
    public List<String> servicesOn(String host) {
        List<String> out = new ArrayList<>();
        config.services().forEach((name, s) -> {
            if (s.members().contains(host)) {
                out.add(name);
            }
        });
        if (out.isEmpty()) {
            throw new TantalumException(ErrorCode.INVALID_ARGUMENT, "Host '" + host + "' is a member of no service in "
                    + config.file() + " (members: " + String.join(", ", config.allMembers()) + ")");
        }
        return out;
    }

    public ReplicatorProcess process(String service, String host) {
        Path home = config.service(service).path(IniKey.INSTALL_DIRECTORY, host);
        String javaHome = config.service(service).string(IniKey.JAVA_HOME);
        return new ReplicatorProcess(host + "/" + service, JavaRuntime.of(javaHome),
                home.resolve("conf").resolve(service + ".properties"),
                home.resolve("run").resolve(service + ".pid"), home.resolve("log").resolve(service + ".log"));
    }

    /** A client of the replicator of {@code service} on {@code host}, with the service's admin token. */
    public AdminClient admin(String service, String host) {
        return new AdminClient("the replicator of " + host, config.address(host),
                config.service(service).intValue(IniKey.ADMIN_PORT), ServiceSecrets.credentials(config, service, host));
    }

    /** Writes the effective configuration, creates the catalog and starts every replicator of the host. */
    public void install(String host, PrintStream out) {
        for (String service : servicesOn(host)) {
            ReplicatorProcess p = process(service, host);
            Properties props = config.replicatorProperties(service, host, ServiceSecrets.ensure(config, service, out));
            write(p.config(), props);
            out.printf("%s: wrote %s%n", p.label(), p.config());
            Replicator.createCatalog(ReplicatorSettings.from(props, p.config().toString()));
            out.printf("%s: catalog tantalum_%s ready%n", p.label(), service);
            Supervisor sup = supervisor(service, host);
            sup.install();
            out.printf("%s: replicator started: %s%n", p.label(), sup.describe());
        }
    }

    public void start(String host, PrintStream out) {
        for (String service : servicesOn(host)) {
            ReplicatorProcess p = process(service, host);
            if (!Files.exists(p.config())) {
                throw new TantalumException(ErrorCode.FAILED_PRECONDITION, p.label() + " is not installed (" + p.config()
                        + " is missing): run `tpm install --host " + host + "` first");
            }
            Supervisor sup = supervisor(service, host);
            sup.start();
            out.printf("%s: replicator started: %s%n", p.label(), sup.describe());
        }
    }

    public void stop(String host, PrintStream out) {
        for (String service : servicesOn(host)) {
            Supervisor sup = supervisor(service, host);
            sup.stop();
            out.printf("%s: replicator stopped: %s%n", process(service, host).label(), sup.describe());
        }
    }

    /**
     * Stops each replicator of the host and removes what install set up: its unit or pid file and
     * its configuration. The THL is kept unless {@code deleteThl}; logs, and the catalog schema in
     * the database, are always kept (the database is never touched).
     */
    public void uninstall(String host, boolean deleteThl, PrintStream out) {
        for (String service : servicesOn(host)) {
            ReplicatorProcess p = process(service, host);
            out.printf("%s: %s%n", p.label(), supervisor(service, host).uninstall());
            try {
                Files.deleteIfExists(p.config());
            } catch (IOException e) {
                throw new TantalumException(ErrorCode.UNAVAILABLE, "Cannot remove " + p.config() + ": " + e, e);
            }
            out.printf("%s: removed %s%n", p.label(), p.config());
            Path thl = config.service(service).path(IniKey.THL_DIRECTORY, host).resolve(service);
            if (deleteThl) {
                deleteTree(thl);
                deleteTree(RoleStore.fileFor(thl));
                out.printf("%s: deleted the THL in %s%n", p.label(), thl);
            } else if (Files.exists(thl)) {
                out.printf("%s: kept the THL in %s (--delete-thl removes it), the log %s and the catalog schema"
                        + " tantalum_%s%n", p.label(), thl, p.logFile(), service);
            }
        }
    }

    /** Deletes a file, or a directory and everything in it; nothing when it does not exist. */
    public static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (java.util.stream.Stream<Path> all = Files.walk(root)) {
            for (Path f : all.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(f);
            }
        } catch (IOException e) {
            throw new TantalumException(ErrorCode.UNAVAILABLE, "Cannot delete " + root + ": " + e, e);
        }
    }

    /** One entry per service of the host: pid, state and role as its replicator reports them. */
    public List<Map<String, Object>> status(String host) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (String service : servicesOn(host)) {
            ReplicatorProcess p = process(service, host);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("host", host);
            m.put("service", service);
            m.put("pid", p.handle().map(ProcessHandle::pid).orElse(null));
            m.put("supervisor", supervisor(service, host).describe());
            try {
                ReplicatorStatus st = admin(service, host).call(ReplicatorApi.STATUS);
                m.put("state", st.state());
                m.put("role", st.role());
                m.put("appliedLastSeqno", st.appliedLastSeqno());
            } catch (TantalumException e) {
                m.put("state", p.isRunning() ? "UNREACHABLE" : "STOPPED");
            }
            out.add(m);
        }
        return out;
    }

    /**
     * Applies a changed INI file: rewrites each service's configuration and restarts only the
     * replicators whose configuration changed. Returns the services restarted.
     */
    public List<String> update(String host, PrintStream out) {
        List<String> restarted = new ArrayList<>();
        for (String service : servicesOn(host)) {
            ReplicatorProcess p = process(service, host);
            Properties wanted = config.replicatorProperties(service, host, ServiceSecrets.ensure(config, service, out));
            Supervisor sup = supervisor(service, host);
            if (Files.exists(p.config()) && read(p.config()).equals(wanted) && sup.upToDate()) {
                out.printf("%s: unchanged%n", p.label());
                continue;
            }
            boolean wasRunning = sup.isRunning();
            sup.stop();
            write(p.config(), wanted);
            if (wasRunning) {
                sup.start();
            }
            restarted.add(service);
            out.printf("%s: configuration changed, replicator %s%n", p.label(), wasRunning ? "restarted" : "not running");
        }
        return restarted;
    }

    /** The properties in {@code file}; none when it cannot be read (then it differs from what is wanted). */
    private static Properties read(Path file) {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file)) {
            p.load(r);
        } catch (IOException e) {
            p.clear();
        }
        return p;
    }

    /** The replicator's configuration holds its secrets: mode 0600. */
    private static void write(Path file, Properties props) {
        io.tantalum.common.PrivateFiles.write(file, props, "written by tpm from the INI configuration; change the INI"
                + " file and run `tpm update`");
    }
}
