package io.tantalum.cli;

import io.tantalum.cli.sandbox.Sandbox;
import io.tantalum.cli.sandbox.SandboxLayout;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tpm}: installs and runs dataservices; here, the local sandbox. */
@Command(name = "tpm", mixinStandardHelpOptions = true, version = "tpm 0.1.0",
        description = "Tantalum package manager.")
public final class TpmMain {
    /** Its subcommands, registered by {@link Cli#run} (only the one a command line names). */
    static final List<Class<?>> SUBCOMMANDS = List.of(SandboxCmd.class, TpmHostCommands.Validate.class, Docs.class,
            TpmHostCommands.Install.class, TpmHostCommands.Start.class, TpmHostCommands.Stop.class,
            TpmHostCommands.Status.class, TpmHostCommands.Update.class, TpmHostCommands.Uninstall.class,
            TpmHostCommands.ViewerToken.class);

    public static void main(String[] args) {
        Cli.run(new TpmMain(), SUBCOMMANDS, args, () -> {});
    }

    @Command(name = "docs", description = "Print generated documentation: configuration.")
    static final class Docs implements Callable<Integer> {
        @picocli.CommandLine.Parameters(index = "0", description = "configuration")
        String what;

        @Override
        public Integer call() {
            if (!what.equals("configuration")) {
                throw new io.tantalum.common.TantalumException(io.tantalum.common.ErrorCode.INVALID_ARGUMENT,
                        "Unknown document '" + what + "': try configuration");
            }
            System.out.print(io.tantalum.cli.config.ConfigDocs.markdown());
            return 0;
        }
    }

    @Command(name = "sandbox", description = "A whole dataservice on this machine, one loopback address per host.",
            subcommands = {Deploy.class, Status.class, Start.class, Stop.class, Isolate.class, Heal.class,
                Destroy.class})
    static final class SandboxCmd {}

    abstract static class DirOption {
        @Option(names = "--dir", description = "Sandbox directory (default: $TANTALUM_SANDBOX or <tantalum home>/sandbox).")
        Path dir;

        Path dir() {
            return (dir != null ? dir : SandboxLayout.defaultDirectory()).toAbsolutePath();
        }
    }

    @Command(name = "deploy", description = "Create and start a sandbox dataservice (host1 is the master).")
    static final class Deploy extends DirOption implements Callable<Integer> {
        @Option(names = "--hosts", defaultValue = "3", description = "Number of hosts (1-9, default 3).")
        int hosts;

        @Option(names = "--subnet", defaultValue = Sandbox.DEFAULT_SUBNET,
                description = "First three bytes of the loopback addresses (default 127.0.1: host k is 127.0.1.k).")
        String subnet;

        @Option(names = "--service", defaultValue = "alpha", description = "Service name (default alpha).")
        String service;

        @Option(names = "--tls", description = "Create a private CA and host certificates; THL (thls://) and admin"
                + " APIs (https) run over TLS.")
        boolean tls;

        @Option(names = "--replicator-only", description = "No ZooKeeper ensemble and no managers: replicators"
                + " driven with trepctl by hand.")
        boolean replicatorOnly;

        @Override
        public Integer call() {
            Sandbox s = Sandbox.deploy(new Sandbox.DeployOptions(dir(), hosts, subnet, service, tls, replicatorOnly),
                    System.out);
            SandboxLayout l = s.layout();
            System.out.println();
            System.out.println("Sandbox dataservice '" + l.service() + "' is ONLINE in " + l.directory());
            for (SandboxLayout.Host h : l.hosts()) {
                System.out.printf("  %-6s %-7s mariadb --defaults-extra-file=%s -h%s -P%d   (trepctl -host %s status)%n",
                        h.name(), h.role(), s.clientOptions(l.appUser()), h.address(), h.dbPort(), h.name());
            }
            System.out.println("Write on host1 (the master); host2.. are read-only slaves that apply its changes.");
            if (l.clustered()) {
                System.out.println("Managers run on every host, coordinated through a " + l.zookeeperHosts().size()
                        + "-member ZooKeeper ensemble (" + String.join(", ", l.zookeeperHosts().stream()
                                .map(h -> h.address() + ":" + SandboxLayout.ZOOKEEPER_PORT).toList()) + ").");
                System.out.println("Look at the dataservice with `cctrl ls`; move the master with `cctrl -e \"switch\"`.");
                s.connectorHost().ifPresent(c -> System.out.printf("Applications connect to the connector, which follows"
                        + " the master:%n  mariadb --defaults-extra-file=%s -h%s -P%d --skip-ssl   (read-only: -P%d)%n",
                        s.clientOptions(l.appUser()), c.address(), SandboxLayout.CONNECTOR_PORT,
                        SandboxLayout.CONNECTOR_READONLY_PORT));
            }
            return 0;
        }
    }

    @Command(name = "status", description = "Show every sandbox host.")
    static final class Status extends DirOption implements Callable<Integer> {
        @Option(names = "--json", description = "Print JSON.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            Sandbox s = Sandbox.open(dir());
            List<Map<String, Object>> hosts = s.status();
            if (json) {
                Map<String, Object> m = new java.util.LinkedHashMap<>();
                m.put("directory", s.layout().directory());
                m.put("service", s.layout().service());
                m.put("complete", s.layout().complete());
                m.put("hosts", hosts);
                m.put("isolated", s.network().partition().orElse(null));
                System.out.println(Cli.json().writeValueAsString(m));
                return 0;
            }
            boolean clustered = s.layout().clustered();
            String format = "%-6s %-11s %-6s %-26s %-8s %-28s" + (clustered ? " %-8s %s" : "") + "%n";
            System.out.printf(format, "HOST", "ADDRESS", "ROLE", "STATE", "SEQNO", "DATABASE", "MANAGER", "ZOOKEEPER");
            for (Map<String, Object> h : hosts) {
                System.out.printf(format, h.get("name"), h.get("address"), h.get("role"), h.get("state"),
                        h.get("appliedLastSeqno"), Boolean.TRUE.equals(h.get("dbRunning")) ? "running (" + h.get(
                                "address") + ":" + h.get("dbPort") + ")" : "stopped",
                        h.get("managerPid") != null ? "running" : "stopped", h.containsKey("zookeeper")
                                ? h.get("zookeeper") : "-");
            }
            s.network().partition().ifPresent(p -> System.out.println("PARTITION: " + String.join(", ", p)
                    + " cut off from the other hosts (`tpm sandbox heal` to undo)"));
            return 0;
        }
    }

    abstract static class HostOption extends DirOption {
        @Option(names = "--host", description = "Only this host (e.g. host2).")
        String host;

        @Option(names = "--component", defaultValue = "all",
                description = "With --host: db, replicator, manager, zookeeper, connector or all (default all).")
        String component;

        Sandbox.Component component() {
            try {
                return Sandbox.Component.valueOf(component.toUpperCase(java.util.Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new io.tantalum.common.TantalumException(io.tantalum.common.ErrorCode.INVALID_ARGUMENT,
                        "--component must be db, replicator, manager, zookeeper, connector or all, not '" + component + "'");
            }
        }
    }

    @Command(name = "start", description = "Start a stopped sandbox, or one host's processes with --host.")
    static final class Start extends HostOption implements Callable<Integer> {
        @Override
        public Integer call() {
            Sandbox s = Sandbox.open(dir());
            if (host != null) {
                s.startHost(s.host(host), component(), System.out);
                return 0;
            }
            s.start(System.out);
            System.out.println("sandbox started");
            return 0;
        }
    }

    @Command(name = "stop", description = "Stop the sandbox (data is kept), or one host's processes with --host.")
    static final class Stop extends HostOption implements Callable<Integer> {
        @Override
        public Integer call() {
            Sandbox s = Sandbox.open(dir());
            if (host != null) {
                s.stopHost(s.host(host), component(), System.out);
                return 0;
            }
            s.stop(System.out);
            System.out.println("sandbox stopped");
            return 0;
        }
    }

    @Command(name = "isolate", description = "Cut the named hosts off from the other hosts of the sandbox (a network"
            + " partition; replaces any earlier one). Clients outside the sandbox still reach every host.")
    static final class Isolate extends DirOption implements Callable<Integer> {
        @picocli.CommandLine.Parameters(arity = "1..*", paramLabel = "HOST", description = "Hosts on the cut-off side.")
        List<String> hosts;

        @Override
        public Integer call() {
            Sandbox s = Sandbox.open(dir());
            s.network().isolate(new java.util.TreeSet<>(hosts));
            List<String> others = s.layout().hosts().stream().map(SandboxLayout.Host::name)
                    .filter(h -> !hosts.contains(h)).toList();
            System.out.println("isolated " + String.join(", ", new java.util.TreeSet<>(hosts)) + " from "
                    + String.join(", ", others) + "; undo with `tpm sandbox heal`");
            return 0;
        }
    }

    @Command(name = "heal", description = "Remove the sandbox's network partition: every host reaches every other again.")
    static final class Heal extends DirOption implements Callable<Integer> {
        @Override
        public Integer call() {
            Sandbox s = Sandbox.open(dir());
            var before = s.network().partition();
            s.network().heal();
            System.out.println(before.map(p -> "healed: " + String.join(", ", p) + " reach the other hosts again")
                    .orElse("no partition in place"));
            return 0;
        }
    }

    @Command(name = "destroy", description = "Stop the sandbox and delete its directory.")
    static final class Destroy extends DirOption implements Callable<Integer> {
        @Override
        public Integer call() {
            Sandbox.open(dir()).destroy(System.out);
            return 0;
        }
    }
}
