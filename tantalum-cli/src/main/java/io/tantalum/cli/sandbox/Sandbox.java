package io.tantalum.cli.sandbox;

import io.tantalum.api.AdminClient;
import io.tantalum.api.ReplicatorApi;
import io.tantalum.api.ReplicatorStatus;
import io.tantalum.common.ErrorCode;
import io.tantalum.common.TantalumException;
import io.tantalum.common.Threads;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A whole dataservice on one machine: host {@code k} on loopback address {@code <subnet>.k}
 * with its own mariadbd (port 3306), replicator (THL 2112, admin 10000) and manager (admin 8090);
 * the first 3 hosts (1 with fewer than 3, 5 with 5 or more) also run a ZooKeeper member (2181).
 * host1 is the master. {@code --replicator-only} leaves out ZooKeeper and the managers. Every
 * process is started detached with a pid file and stopped by pid.
 */
public final class Sandbox {
    public static final String DEFAULT_SUBNET = "127.0.1";
    private final SandboxLayout layout;

    public Sandbox(SandboxLayout layout) {
        this.layout = layout;
    }

    public SandboxLayout layout() {
        return layout;
    }

    /**
     * Options of {@code tpm sandbox deploy}; {@code tls}: a private CA, host certificates, THL and
     * admin over TLS; {@code replicatorOnly}: no ZooKeeper and no managers.
     */
    public record DeployOptions(Path dir, int hosts, String subnet, String service, boolean tls,
            boolean replicatorOnly) {
        public DeployOptions(Path dir, int hosts, String subnet, String service, boolean tls) {
            this(dir, hosts, subnet, service, tls, false);
        }
    }

    /** How many ZooKeeper members a sandbox of {@code hosts} hosts runs: an odd number, at most 5. */
    static int zookeeperMembers(int hosts) {
        return hosts >= 5 ? 5 : hosts >= 3 ? 3 : 1;
    }

    /** Opens an existing, completely deployed sandbox. */
    public static Sandbox open(Path dir) {
        SandboxLayout l = SandboxLayout.load(dir).orElseThrow(() -> new TantalumException(ErrorCode.FAILED_PRECONDITION,
                "There is no sandbox in " + dir + ". Create one with `tpm sandbox deploy`."));
        return new Sandbox(l);
    }

    public static Sandbox deploy(DeployOptions o, PrintStream out) {
        checkDirectory(o.dir());
        if (o.hosts() < 1 || o.hosts() > 9) {
            throw new TantalumException(ErrorCode.INVALID_ARGUMENT, "--hosts must be between 1 and 9, not " + o.hosts());
        }
        MariaDbInstaller.ensureInstalled(out);
        List<SandboxLayout.Host> hosts = new ArrayList<>();
        for (int k = 1; k <= o.hosts(); k++) {
            hosts.add(new SandboxLayout.Host("host" + k, o.subnet() + "." + k, 3306, 2112, 10000,
                    k == 1 ? "master" : "slave", o.dir().resolve("host" + k).toString()));
        }
        for (SandboxLayout.Host h : hosts) {
            List<Integer> ports = new ArrayList<>(List.of(h.dbPort(), h.thlPort(), h.adminPort()));
            if (!o.replicatorOnly()) {
                ports.addAll(List.of(SandboxLayout.MANAGER_PORT, SandboxLayout.ZOOKEEPER_PORT));
            }
            if (!o.replicatorOnly() && h == hosts.get(0)) {
                ports.addAll(SandboxLayout.CONNECTOR_PORTS);
            }
            for (int port : ports) {
                requireFree(h, port);
            }
        }
        // fresh passwords for each sandbox: they are written only to files of mode 0600
        SandboxLayout layout = new SandboxLayout(o.service(), o.dir().toString(), false, "tungsten",
                io.tantalum.api.Secrets.generate().substring(0, 24), "app", io.tantalum.api.Secrets.generate()
                        .substring(0, 24), hosts, o.replicatorOnly() ? 0 : zookeeperMembers(o.hosts()));
        layout.save();
        Sandbox s = new Sandbox(layout);
        if (o.tls()) {
            out.println("creating a private certificate authority and host certificates in " + o.dir().resolve("tls"));
        }
        s.writeIni(o.tls() ? new SandboxTls().create(o.dir(), hosts) : null);
        for (SandboxLayout.Host h : hosts) { // one at a time: mariadb-install-db runs at once failed
            out.printf("%s: initializing MariaDB at %s:%d%n", h.name(), h.address(), h.dbPort());
            s.db(h).initialize();
        }
        eachHost(hosts, h -> s.db(h).start(List.of()));
        for (SandboxLayout.Host h : hosts) {
            s.install(h, out);
        }
        s.awaitOnline(60_000);
        if (layout.clustered()) {
            out.println("waiting for the managers to elect a coordinator");
            s.awaitCoordinator(60_000);
        }
        layout = layout.withComplete(true);
        layout.save();
        return new Sandbox(layout);
    }

    private void install(SandboxLayout.Host h, PrintStream out) {
        out.printf("%s: tpm install (%s; THL %s:%d, admin %d)%n", h.name(), h.role(), h.address(), h.thlPort(),
                h.adminPort());
        installer().install(h.name(), out);
        if (layout.clustered()) {
            writeMaintenanceScripts(h);
        }
    }

    /**
     * Runs {@code action} for every host at once (each host's processes are its own) and returns
     * when all are done, throwing the first failure.
     */
    static void eachHost(List<SandboxLayout.Host> hosts, java.util.function.Consumer<SandboxLayout.Host> action) {
        if (hosts.size() <= 1) {
            hosts.forEach(action);
            return;
        }
        List<java.util.concurrent.CompletableFuture<Void>> all = new ArrayList<>();
        for (SandboxLayout.Host h : hosts) {
            all.add(java.util.concurrent.CompletableFuture.runAsync(() -> action.accept(h), r -> Threads.start(
                    "sandbox-" + h.name(), r)));
        }
        RuntimeException first = null;
        for (var f : all) {
            try {
                f.join();
            } catch (java.util.concurrent.CompletionException e) {
                RuntimeException cause = e.getCause() instanceof RuntimeException re ? re
                        : new IllegalStateException(e.getCause());
                if (first == null) {
                    first = cause;
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }

    /** The ready-made scripts of a sandbox host's maintenance directory (rolling maintenance demos and tests). */
    static final List<String> MAINTENANCE_SCRIPTS = List.of("set-mariadb-option", "restart-mariadb");

    /**
     * Writes the sandbox's ready-made maintenance scripts into {@code h}'s maintenance directory:
     * {@code set-mariadb-option NAME VALUE} (kept in the host's {@code mariadbd.options}, which every
     * start of its mariadbd reads, then mariadbd restarted) and {@code restart-mariadb}.
     */
    void writeMaintenanceScripts(SandboxLayout.Host h) {
        Path dir = h.homePath().resolve("maintenance");
        String tpm = quote(Path.of(System.getProperty("java.home"), "bin", "java").toString()) + " -cp "
                + quote(System.getProperty("java.class.path")) + " io.tantalum.cli.TpmMain sandbox";
        String where = " --dir " + quote(layout.directory()) + " --host " + h.name() + " --component db";
        String restart = tpm + " stop" + where + "\n" + tpm + " start" + where + "\n";
        String options = quote(h.homePath().resolve(MariaDbServer.OPTIONS_FILE).toString());
        try {
            Files.createDirectories(dir);
            write(dir.resolve("restart-mariadb"), "#!/bin/sh\n# restart-mariadb: restarts the mariadbd of sandbox host "
                    + h.name() + " (tantalum sandbox maintenance script)\nset -eu\n" + restart
                    + "echo \"" + h.name() + ": mariadbd restarted\"\n");
            write(dir.resolve("set-mariadb-option"), "#!/bin/sh\n# set-mariadb-option NAME VALUE: sets a server option"
                    + " of the mariadbd of sandbox host " + h.name() + " (kept in " + MariaDbServer.OPTIONS_FILE
                    + ", read at every start), then restarts it (tantalum sandbox maintenance script)\nset -eu\n"
                    + "[ $# -eq 2 ] || { echo \"usage: set-mariadb-option NAME VALUE\" >&2; exit 2; }\n"
                    + "case \"$1\" in ''|*[!A-Za-z0-9_-]*) echo \"set-mariadb-option: '$1' is not an option name\" >&2;"
                    + " exit 2;; esac\n"
                    + "opts=" + options + "\ntouch \"$opts\"\n"
                    + "grep -v -- \"^--$1=\" \"$opts\" > \"$opts.new\" || true\n"
                    + "printf -- '--%s=%s\\n' \"$1\" \"$2\" >> \"$opts.new\"\nmv \"$opts.new\" \"$opts\"\n"
                    + "echo \"" + h.name() + ": --$1=$2 set in $opts; restarting mariadbd\"\n" + restart
                    + "echo \"" + h.name() + ": mariadbd restarted with --$1=$2\"\n");
        } catch (IOException e) {
            throw new TantalumException(ErrorCode.UNAVAILABLE, "Cannot write the maintenance scripts in " + dir + ": "
                    + e.getMessage(), e);
        }
    }

    private static void write(Path script, String text) throws IOException {
        Files.writeString(script, text);
        Files.setPosixFilePermissions(script, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-x---"));
    }

    private static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }

    private static void checkDirectory(Path dir) {
        Optional<SandboxLayout> existing = SandboxLayout.load(dir);
        if (existing.isPresent()) {
            throw new TantalumException(ErrorCode.FAILED_PRECONDITION, existing.get().complete()
                    ? "A sandbox is already deployed in " + dir + " (" + existing.get().hosts().size() + " hosts). Use"
                            + " `tpm sandbox status`, or `tpm sandbox destroy` before deploying a new one."
                    : "A previous `tpm sandbox deploy` in " + dir + " did not finish. Run `tpm sandbox destroy` to"
                            + " remove what it built, then deploy again.");
        }
        try (Stream<Path> s = Files.exists(dir) ? Files.list(dir) : Stream.empty()) {
            if (s.findAny().isPresent()) {
                throw new TantalumException(ErrorCode.FAILED_PRECONDITION, dir + " is not empty and holds no sandbox:"
                        + " choose another directory with --dir, or empty it.");
            }
        } catch (IOException e) {
            throw new TantalumException(ErrorCode.UNAVAILABLE, "Cannot read " + dir + ": " + e, e);
        }
    }

    private static void requireFree(SandboxLayout.Host h, int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(InetAddress.getByName(h.address()), port));
        } catch (IOException e) {
            throw new TantalumException(ErrorCode.FAILED_PRECONDITION, h.name() + ": port " + h.address() + ":" + port
                    + " is already in use (" + e.getMessage() + "). Another sandbox or server runs there: stop it,"
                    + " or deploy on other addresses.");
        }
    }

    /**
     * The host's current role: the one last set with {@code trepctl setrole} (saved next to its
     * THL directory), else the deployed one.
     */
    public String currentRole(SandboxLayout.Host h) {
        return io.tantalum.replicator.RoleStore.savedRole(thlDirectory(h)).orElse(h.role());
    }

    public MariaDbServer db(SandboxLayout.Host h) {
        return new MariaDbServer(new MariaDbServer.Spec(h.homePath(), h.address(), h.dbPort(),
                Integer.parseInt(h.name().replaceAll("\\D", "")), !currentRole(h).equals("master"), layout.replicatorUser(),
                layout.replicatorPassword(), layout.appUser(), layout.appPassword()), network().launcher(h.name()));
    }

    /** Partitions between the sandbox's hosts ({@code tpm sandbox isolate|heal}). */
    public SandboxNetwork network() {
        return SandboxNetwork.of(layout);
    }

    /** The sandbox's INI configuration, written at deploy; tpm commands find it by default. */
    public Path iniFile() {
        return Path.of(layout.directory()).resolve(io.tantalum.cli.config.IniLocator.SANDBOX_INI);
    }

    private void writeIni(SandboxTls.Stores tls) {
        StringBuilder sb = new StringBuilder("# written by tpm sandbox deploy\n[defaults]\n");
        sb.append("replication-user=").append(layout.replicatorUser()).append('\n');
        sb.append("replication-password=").append(layout.replicatorPassword()).append('\n');
        sb.append("install-directory=").append(layout.directory()).append("/{host}\n");
        sb.append("thl-directory=").append(layout.directory()).append("/{host}/thl\n");
        sb.append("# every host of the sandbox is on this machine: its replicators run as background processes\n");
        sb.append("service-manager=background\n");
        if (tls != null) {
            sb.append("# THL over TLS (thls://) and admin APIs over https, with the sandbox's private CA\n");
            sb.append("tls=true\ntls-keystore=").append(tls.keystorePattern()).append('\n');
            sb.append("tls-keystore-password=").append(tls.keystorePassword()).append('\n');
            sb.append("tls-truststore=").append(tls.truststore()).append('\n');
            sb.append("tls-truststore-password=").append(tls.truststorePassword()).append('\n');
        }
        if (layout.clustered()) {
            sb.append("# the managers coordinate through this ensemble; tpm install runs its members\n");
            sb.append("zookeeper-servers=").append(String.join(",", layout.zookeeperHosts().stream()
                    .map(h -> h.name() + ":" + SandboxLayout.ZOOKEEPER_PORT).toList())).append('\n');
            sb.append("zookeeper-install=true\n");
            sb.append("# a connector on the first host: applications connect to it and follow the master\n");
            sb.append("connectors=").append(layout.hosts().get(0).name()).append('\n');
        }
        sb.append("\n[hosts]\n");
        for (SandboxLayout.Host h : layout.hosts()) {
            sb.append(h.name()).append('=').append(h.address()).append('\n');
        }
        sb.append("\n[").append(layout.service()).append("]\nmaster=").append(layout.master().name())
                .append("\nmembers=").append(String.join(",", layout.hosts().stream().map(SandboxLayout.Host::name)
                        .toList())).append('\n');
        io.tantalum.common.PrivateFiles.write(iniFile(), sb.toString());
        for (String[] account : new String[][] {{layout.appUser(), layout.appPassword()},
            {layout.replicatorUser(), layout.replicatorPassword()}}) {
            io.tantalum.common.PrivateFiles.write(clientOptions(account[0]), "# mariadb --defaults-extra-file=THIS -hHOST\n"
                    + "[client]\nuser=" + account[0] + "\npassword=" + account[1] + "\n");
        }
    }

    /**
     * A client option file for one of the sandbox's accounts ({@code app}, {@code tungsten}), so
     * that no password needs to be typed on a command line: {@code mariadb --defaults-extra-file=FILE -hHOST}.
     */
    public Path clientOptions(String user) {
        return Path.of(layout.directory()).resolve(user + ".cnf");
    }

    /** The installer over the sandbox's INI file. */
    public io.tantalum.cli.install.Installer installer() {
        SandboxNetwork n = network();
        return new io.tantalum.cli.install.Installer(io.tantalum.cli.config.TantalumConfig.load(iniFile()))
                .withLauncher(n::launcher);
    }

    private io.tantalum.cli.install.DaemonProcess process(SandboxLayout.Host h) {
        return installer().process(layout.service(), h.name());
    }

    public Path replicatorConfig(SandboxLayout.Host h) {
        return process(h).config();
    }

    public Path replicatorLog(SandboxLayout.Host h) {
        return process(h).logFile();
    }

    public Path thlDirectory(SandboxLayout.Host h) {
        return h.homePath().resolve("thl").resolve(layout.service());
    }

    public Optional<ProcessHandle> replicatorProcess(SandboxLayout.Host h) {
        return process(h).handle();
    }

    /** Starts the host's replicator as a detached JVM with the classpath of this one. */
    public void startReplicator(SandboxLayout.Host h) {
        process(h).start();
    }

    /** Stops the host's replicator (SIGTERM, then SIGKILL after 30s). */
    public void stopReplicator(SandboxLayout.Host h) {
        process(h).stop();
    }

    /** Kills the host's replicator at once (SIGKILL), as a crash would. */
    public void killReplicator(SandboxLayout.Host h) {
        process(h).kill();
    }

    public AdminClient admin(SandboxLayout.Host h) {
        return installer().admin(layout.service(), h.name());
    }

    /**
     * Waits until every replicator is ONLINE, failing with the first error state seen that no
     * auto-recovery attempt is pending for.
     */
    public void awaitOnline(long timeoutMillis) {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        for (SandboxLayout.Host h : layout.hosts()) {
            while (true) {
                String state = "(no answer)";
                try {
                    ReplicatorStatus st = admin(h).call(ReplicatorApi.STATUS);
                    state = st.state();
                    if (state.equals("ONLINE")) {
                        break;
                    }
                    if (st.stuckInError()) {
                        throw new TantalumException(ErrorCode.FAILED_PRECONDITION, h.name() + ": the replicator is"
                                + " OFFLINE:ERROR: " + st.pendingError());
                    }
                } catch (TantalumException e) {
                    if (e.code() != ErrorCode.UNAVAILABLE) {
                        throw e;
                    }
                }
                if (System.currentTimeMillis() > deadline) {
                    throw new TantalumException(ErrorCode.DEADLINE_EXCEEDED, h.name() + ": the replicator is not"
                            + " ONLINE after " + timeoutMillis / 1000 + "s (state " + state + "); see "
                            + replicatorLog(h));
                }
                Threads.sleep(100);
            }
        }
    }

    public void start(PrintStream out) {
        eachHost(layout.hosts(), h -> startHost(h, Component.DB, out));
        eachHost(layout.zookeeperHosts(), h -> startHost(h, Component.ZOOKEEPER, out));
        eachHost(layout.hosts(), h -> startHost(h, Component.REPLICATOR, out));
        awaitOnline(60_000);
        eachHost(layout.hosts(), h -> startHost(h, Component.MANAGER, out));
        if (layout.clustered()) {
            awaitCoordinator(60_000);
        }
        connectorHost().ifPresent(h -> startHost(h, Component.CONNECTOR, out));
    }

    /** The host that runs the sandbox's connector (the first, when managers run). */
    public Optional<SandboxLayout.Host> connectorHost() {
        return layout.clustered() ? Optional.of(layout.hosts().get(0)) : Optional.empty();
    }

    /** A client of the connector's admin API. */
    public AdminClient connector() {
        SandboxLayout.Host h = connectorHost().orElseThrow(() -> new TantalumException(ErrorCode.FAILED_PRECONDITION,
                "This sandbox runs no connector (it was deployed with --replicator-only)."));
        return installer().connector(layout.service(), h.name());
    }

    /** Which processes of a host an operator starts or stops. */
    public enum Component {
        /** The host's mariadbd only. */
        DB,
        /** The host's replicator only. */
        REPLICATOR,
        /** The host's manager only. */
        MANAGER,
        /** The host's ZooKeeper member only (hosts that run one). */
        ZOOKEEPER,
        /** The host's connector only (the first host runs one). */
        CONNECTOR,
        /** All of them: started database, ZooKeeper, replicator, manager, connector; stopped in the reverse order. */
        ALL
    }

    private static final List<Component> START_ORDER = List.of(Component.DB, Component.ZOOKEEPER, Component.REPLICATOR,
            Component.MANAGER, Component.CONNECTOR);

    /** The daemon that runs component {@code c} on {@code h}, if the host has one (not for DB). */
    public Optional<io.tantalum.cli.install.DaemonProcess> daemon(SandboxLayout.Host h, Component c) {
        var i = installer();
        return switch (c) {
            case REPLICATOR -> Optional.of(process(h));
            case MANAGER -> layout.clustered() ? Optional.of(i.managerProcess(layout.service(), h.name()))
                    : Optional.empty();
            case ZOOKEEPER -> i.zookeeperProcess(layout.service(), h.name());
            case CONNECTOR -> connectorHost().filter(h::equals)
                    .map(ch -> i.connectorProcess(layout.service(), ch.name()));
            default -> Optional.empty();
        };
    }

    /** Starts one host's processes, e.g. after maintenance. */
    public void startHost(SandboxLayout.Host h, Component c, PrintStream out) {
        for (Component one : START_ORDER) {
            if (c != Component.ALL && c != one) {
                continue;
            }
            if (one == Component.DB) {
                out.printf("%s: starting mariadbd%n", h.name());
                db(h).start(List.of());
            } else {
                daemon(h, one).ifPresent(d -> {
                    out.printf("%s: starting %s%n", h.name(), d.daemon().display);
                    d.start();
                });
            }
        }
    }

    /** Stops one host's processes, e.g. for maintenance. */
    public void stopHost(SandboxLayout.Host h, Component c, PrintStream out) {
        List<Component> order = new ArrayList<>(START_ORDER);
        java.util.Collections.reverse(order);
        for (Component one : order) {
            if (c != Component.ALL && c != one) {
                continue;
            }
            if (one == Component.DB) {
                out.printf("%s: stopping mariadbd%n", h.name());
                db(h).stop();
            } else {
                daemon(h, one).ifPresent(d -> {
                    out.printf("%s: stopping %s%n", h.name(), d.daemon().display);
                    d.stop();
                });
            }
        }
    }

    /** Kills component {@code c} of {@code h} at once (SIGKILL), as a crash would. */
    public void kill(SandboxLayout.Host h, Component c) {
        if (c == Component.DB) {
            db(h).kill();
        } else {
            daemon(h, c).ifPresent(io.tantalum.cli.install.DaemonProcess::kill);
        }
    }

    /** A client of host {@code h}'s manager, with the sandbox's token. */
    public AdminClient manager(SandboxLayout.Host h) {
        return installer().manager(layout.service(), h.name());
    }

    /** Waits until the managers have a coordinator and a topology in ZooKeeper. */
    public void awaitCoordinator(long timeoutMillis) {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        String last = "(no answer)";
        while (System.currentTimeMillis() < deadline) {
            try {
                var v = manager(layout.hosts().get(0)).call(io.tantalum.api.ManagerApi.CLUSTER);
                if (v.coordinator() != null && v.master() != null) {
                    return;
                }
                last = "coordinator " + v.coordinator() + ", master " + v.master();
            } catch (TantalumException e) {
                last = e.getMessage();
            }
            Threads.sleep(200);
        }
        throw new TantalumException(ErrorCode.DEADLINE_EXCEEDED, "The managers elected no coordinator within "
                + timeoutMillis / 1000 + "s (" + last + "); see the managers' and ZooKeeper's logs under "
                + layout.directory() + "/host*/log");
    }

    public SandboxLayout.Host host(String name) {
        return layout.host(name).orElseThrow(() -> new TantalumException(ErrorCode.INVALID_ARGUMENT, "Unknown host '"
                + name + "': the sandbox has hosts " + String.join(", ", layout.hosts().stream()
                        .map(SandboxLayout.Host::name).toList())));
    }

    /** Stops managers, replicators (slaves first), ZooKeeper members, then databases. */
    public void stop(PrintStream out) {
        List<SandboxLayout.Host> reversed = new ArrayList<>(layout.hosts());
        java.util.Collections.reverse(reversed);
        for (Component c : List.of(Component.CONNECTOR, Component.MANAGER, Component.REPLICATOR, Component.ZOOKEEPER,
                Component.DB)) {
            for (SandboxLayout.Host h : reversed) {
                stopHost(h, c, out);
            }
        }
    }

    /** Stops everything and deletes the sandbox directory. */
    public void destroy(PrintStream out) {
        stop(out);
        network().remove();
        Path dir = Path.of(layout.directory());
        io.tantalum.cli.install.Installer.deleteTree(dir);
        out.println("removed " + dir);
    }

    /** One status entry per host, for {@code tpm sandbox status}. */
    public List<Map<String, Object>> status() {
        List<Map<String, Object>> list = new ArrayList<>();
        for (SandboxLayout.Host h : layout.hosts()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", h.name());
            m.put("address", h.address());
            m.put("dbPort", h.dbPort());
            m.put("thlPort", h.thlPort());
            m.put("adminPort", h.adminPort());
            m.put("configuredRole", h.role());
            m.put("dbRunning", db(h).isRunning());
            m.put("replicatorPid", replicatorProcess(h).map(ProcessHandle::pid).orElse(null));
            try {
                ReplicatorStatus st = admin(h).call(ReplicatorApi.STATUS);
                m.put("role", st.role());
                m.put("state", st.state());
                m.put("appliedLastSeqno", st.appliedLastSeqno());
                m.put("appliedLatency", st.appliedLatency());
            } catch (TantalumException e) {
                m.put("role", currentRole(h));
                m.put("state", "STOPPED");
                m.put("appliedLastSeqno", -1);
                m.put("appliedLatency", -1);
            }
            if (layout.clustered()) {
                m.put("managerPid", daemon(h, Component.MANAGER).flatMap(d -> d.handle()).map(ProcessHandle::pid)
                        .orElse(null));
                daemon(h, Component.CONNECTOR).ifPresent(c -> m.put("connectorPid", c.handle().map(ProcessHandle::pid)
                        .orElse(null)));
                daemon(h, Component.ZOOKEEPER).ifPresent(z -> {
                    m.put("zookeeperPid", z.handle().map(ProcessHandle::pid).orElse(null));
                    m.put("zookeeper", io.tantalum.manager.ZooKeeperProbe.mode(h.address(), SandboxLayout.ZOOKEEPER_PORT));
                });
            }
            m.put("user", layout.appUser());
            m.put("clientOptions", clientOptions(layout.appUser()).toString());
            m.put("jdbcUrl", "jdbc:mariadb://" + h.address() + ":" + h.dbPort() + "/");
            m.put("home", h.home());
            list.add(m);
        }
        return list;
    }
}
