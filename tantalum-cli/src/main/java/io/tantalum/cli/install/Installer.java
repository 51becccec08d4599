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
    private final java.util.function.Function<String, List<String>> launcher;

    public Installer(TantalumConfig config) {
        this(config, host -> List.of());
    }

    private Installer(TantalumConfig config, java.util.function.Function<String, List<String>> launcher) {
        this.config = config;
        this.launcher = launcher;
    }

    /** An installer whose background daemons of a host start through {@code launcher.apply(host)}. */
    public Installer withLauncher(java.util.function.Function<String, List<String>> launcher) {
        return new Installer(config, launcher);
    }

    /** What runs the replicator of {@code service} on {@code host}, from {@code service-manager}. */
    public Supervisor supervisor(String service, String host) {
        return supervisor(process(service, host), service, host);
    }

    /** What runs daemon {@code p} of {@code service} on {@code host}, from {@code service-manager}. */
    public Supervisor supervisor(DaemonProcess p, String service, String host) {
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

    public DaemonProcess process(String service, String host) {
        Path home = config.service(service).path(IniKey.INSTALL_DIRECTORY, host);
        String javaHome = config.service(service).string(IniKey.JAVA_HOME);
        return new DaemonProcess(host + "/" + service, JavaRuntime.of(javaHome),
                home.resolve("conf").resolve(service + ".properties"),
                home.resolve("run").resolve(service + ".pid"), home.resolve("log").resolve(service + ".log"))
                .withLauncher(launcher.apply(host));
    }

    /** The manager of {@code service} on {@code host}. */
    public DaemonProcess managerProcess(String service, String host) {
        return serviceDaemon(DaemonProcess.Daemon.MANAGER, service, host);
    }

    /** The connector of {@code service} on {@code host}. */
    public DaemonProcess connectorProcess(String service, String host) {
        return serviceDaemon(DaemonProcess.Daemon.CONNECTOR, service, host);
    }

    /** A daemon of a service whose files are named {@code <service><unit suffix>.properties|.pid|.log}. */
    private DaemonProcess serviceDaemon(DaemonProcess.Daemon kind, String service, String host) {
        Path home = config.service(service).path(IniKey.INSTALL_DIRECTORY, host);
        String name = service + kind.unitSuffix;
        return new DaemonProcess(kind, host + "/" + service + " " + kind.display,
                JavaRuntime.of(config.service(service).string(IniKey.JAVA_HOME)),
                home.resolve("conf").resolve(name + ".properties"), home.resolve("run").resolve(name + ".pid"),
                home.resolve("log").resolve(name + ".log")).withLauncher(launcher.apply(host));
    }

    /** A client of the connector of {@code service} on {@code host}, with the service's admin token. */
    public AdminClient connector(String service, String host) {
        return new AdminClient("the connector on " + host, config.address(host),
                config.service(service).intValue(IniKey.CONNECTOR_ADMIN_PORT), ServiceSecrets.credentials(config,
                        service, host));
    }

    /** The ZooKeeper member that tpm install runs on {@code host} for {@code service}, if it runs one. */
    public java.util.Optional<DaemonProcess> zookeeperProcess(String service, String host) {
        if (member(service, host) == null) {
            return java.util.Optional.empty();
        }
        Path home = config.service(service).path(IniKey.INSTALL_DIRECTORY, host);
        return java.util.Optional.of(new DaemonProcess(DaemonProcess.Daemon.ZOOKEEPER, host + " ZooKeeper",
                JavaRuntime.of(config.service(service).string(IniKey.JAVA_HOME)),
                home.resolve("conf").resolve("zookeeper.cfg"), home.resolve("run").resolve("zookeeper.pid"),
                home.resolve("log").resolve("zookeeper.log")).withLauncher(launcher.apply(host)));
    }

    private TantalumConfig.ZooKeeperMember member(String service, String host) {
        return config.clustered(service) ? config.zookeeperMember(service, host, zookeeperData(service, host)) : null;
    }

    /** Where the ZooKeeper member of {@code host} keeps its data. */
    public Path zookeeperData(String service, String host) {
        return config.service(service).path(IniKey.INSTALL_DIRECTORY, host).resolve("zookeeper");
    }

    /** The daemons of {@code service} on {@code host} in start order: ZooKeeper member, replicator, manager, connector. */
    public List<DaemonProcess> daemons(String service, String host) {
        List<DaemonProcess> out = new ArrayList<>();
        zookeeperProcess(service, host).ifPresent(out::add);
        out.add(process(service, host));
        if (config.clustered(service)) {
            out.add(managerProcess(service, host));
            if (config.service(service).connectors().contains(host)) {
                out.add(connectorProcess(service, host));
            }
        }
        return out;
    }

    /** A client of the manager of {@code service} on {@code host}, with the service's admin token. */
    public AdminClient manager(String service, String host) {
        return new AdminClient("the manager of " + host, config.address(host),
                config.service(service).intValue(IniKey.MANAGER_PORT), ServiceSecrets.credentials(config, service,
                        host));
    }

    /** A client of the replicator of {@code service} on {@code host}, with the service's admin token. */
    public AdminClient admin(String service, String host) {
        return new AdminClient("the replicator of " + host, config.address(host),
                config.service(service).intValue(IniKey.ADMIN_PORT), ServiceSecrets.credentials(config, service, host));
    }

    /**
     * Writes the effective configurations, creates the catalog and starts every daemon of the host:
     * its ZooKeeper member (when tpm runs one there), its replicators, and their managers (when the
     * service names an ensemble).
     */
    public void install(String host, PrintStream out) {
        for (String service : servicesOn(host)) {
            ServiceSecrets secrets = ServiceSecrets.ensure(config, service, out);
            for (DaemonProcess d : daemons(service, host)) {
                writeConfig(d, service, host, secrets);
                out.printf("%s: wrote %s%n", d.label(), d.config());
                if (d.daemon() == DaemonProcess.Daemon.REPLICATOR) {
                    Replicator.createCatalog(ReplicatorSettings.from(read(d.config()), d.config().toString()));
                    out.printf("%s: catalog tantalum_%s ready%n", d.label(), service);
                }
                Supervisor sup = supervisor(d, service, host);
                sup.install();
                out.printf("%s: %s started: %s%n", d.label(), d.daemon().display, sup.describe());
            }
        }
    }

    /** The configuration {@code d} should run with. */
    private Properties wanted(DaemonProcess d, String service, String host, ServiceSecrets secrets) {
        return switch (d.daemon()) {
            case REPLICATOR -> config.replicatorProperties(service, host, secrets);
            case MANAGER -> config.managerProperties(service, host, secrets);
            case CONNECTOR -> config.connectorProperties(service, host, secrets);
            case ZOOKEEPER -> {
                Properties p = new Properties();
                try {
                    p.load(new java.io.StringReader(member(service, host).config()));
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
                yield p;
            }
        };
    }

    private void writeConfig(DaemonProcess d, String service, String host, ServiceSecrets secrets) {
        Properties p = wanted(d, service, host, secrets);
        write(d.config(), p);
        if (d.daemon() == DaemonProcess.Daemon.MANAGER) {
            // the administrator's maintenance scripts, the only ones a rolling maintenance may run on this host
            Path scripts = Path.of(p.getProperty("manager.maintenance.directory"));
            try {
                Files.createDirectories(scripts);
            } catch (IOException e) {
                throw new TantalumException(ErrorCode.UNAVAILABLE, "Cannot create the maintenance directory " + scripts
                        + ": " + e.getMessage(), e);
            }
        }
        if (d.daemon() == DaemonProcess.Daemon.ZOOKEEPER) {
            Path data = zookeeperData(service, host);
            try {
                Files.createDirectories(data);
                Files.writeString(data.resolve("myid"), member(service, host).id() + "\n");
            } catch (IOException e) {
                throw new TantalumException(ErrorCode.UNAVAILABLE, "Cannot prepare the ZooKeeper data directory " + data
                        + ": " + e.getMessage(), e);
            }
        }
    }

    public void start(String host, PrintStream out) {
        for (String service : servicesOn(host)) {
            for (DaemonProcess d : daemons(service, host)) {
                if (!Files.exists(d.config())) {
                    throw new TantalumException(ErrorCode.FAILED_PRECONDITION, d.label() + " is not installed ("
                            + d.config() + " is missing): run `tpm install --host " + host + "` first");
                }
                Supervisor sup = supervisor(d, service, host);
                sup.start();
                out.printf("%s: %s started: %s%n", d.label(), d.daemon().display, sup.describe());
            }
        }
    }

    /** Stops the host's daemons: managers first, then replicators, then the ZooKeeper member. */
    public void stop(String host, PrintStream out) {
        for (String service : servicesOn(host)) {
            List<DaemonProcess> ds = new ArrayList<>(daemons(service, host));
            java.util.Collections.reverse(ds);
            for (DaemonProcess d : ds) {
                Supervisor sup = supervisor(d, service, host);
                sup.stop();
                out.printf("%s: %s stopped: %s%n", d.label(), d.daemon().display, sup.describe());
            }
        }
    }

    /**
     * Stops each replicator of the host and removes what install set up: its unit or pid file and
     * its configuration. The THL is kept unless {@code deleteThl}; logs, and the catalog schema in
     * the database, are always kept (the database is never touched).
     */
    public void uninstall(String host, boolean deleteThl, PrintStream out) {
        for (String service : servicesOn(host)) {
            DaemonProcess p = process(service, host);
            for (DaemonProcess d : daemons(service, host)) {
                if (d.daemon() != DaemonProcess.Daemon.REPLICATOR) {
                    out.printf("%s: %s%n", d.label(), supervisor(d, service, host).uninstall());
                    try {
                        Files.deleteIfExists(d.config());
                    } catch (IOException e) {
                        throw new TantalumException(ErrorCode.UNAVAILABLE, "Cannot remove " + d.config() + ": " + e, e);
                    }
                }
            }
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
            DaemonProcess p = process(service, host);
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
            if (config.clustered(service)) {
                m.put("managerPid", managerProcess(service, host).handle().map(ProcessHandle::pid).orElse(null));
                zookeeperProcess(service, host).ifPresent(z -> m.put("zookeeperPid", z.handle().map(ProcessHandle::pid)
                        .orElse(null)));
            }
            out.add(m);
        }
        return out;
    }

    /**
     * Applies a changed INI file: rewrites each daemon's configuration and restarts only the
     * daemons whose configuration changed. Returns what each restarted daemon is ("replicator",
     * "manager", "ZooKeeper member").
     */
    public List<String> update(String host, PrintStream out) {
        List<String> restarted = new ArrayList<>();
        for (String service : servicesOn(host)) {
            ServiceSecrets secrets = ServiceSecrets.ensure(config, service, out);
            for (DaemonProcess p : daemons(service, host)) {
                Supervisor sup = supervisor(p, service, host);
                if (Files.exists(p.config()) && read(p.config()).equals(wanted(p, service, host, secrets))
                        && sup.upToDate()) {
                    out.printf("%s: unchanged%n", p.label());
                    continue;
                }
                boolean wasRunning = sup.isRunning() || p.daemon() != DaemonProcess.Daemon.REPLICATOR
                        && !Files.exists(p.config());
                sup.stop();
                writeConfig(p, service, host, secrets);
                if (wasRunning) {
                    sup.start();
                }
                if (wasRunning) {
                    restarted.add(p.daemon().display);
                }
                out.printf("%s: configuration changed, %s %s%n", p.label(), p.daemon().display, wasRunning
                        ? "restarted" : "not running");
            }
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
