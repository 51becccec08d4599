package io.tantalum.cli;

import com.fasterxml.jackson.core.type.TypeReference;
import io.tantalum.api.AdminClient;
import io.tantalum.api.ReplicatorApi;
import io.tantalum.api.ReplicatorStatus;
import io.tantalum.common.ErrorCode;
import io.tantalum.common.TantalumException;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code trepctl}: controls a replicator through its admin API, with Tungsten's syntax. */
@Command(name = "trepctl", mixinStandardHelpOptions = true, version = "trepctl 0.1.0",
        description = "Control a Tantalum replicator.")
public final class TrepctlMain {
    /** Its subcommands, registered by {@link Cli#run} (only the one a command line names). */
    static final List<Class<?>> SUBCOMMANDS = List.of(Status.class, Online.class, Offline.class, Services.class,
            Version.class, TrepctlCommands.OfflineDeferred.class, TrepctlCommands.SetRole.class,
            TrepctlCommands.Flush.class, TrepctlCommands.Wait.class, TrepctlCommands.Heartbeat.class,
            TrepctlCommands.Reset.class, TrepctlCommands.Purge.class, TrepctlCommands.Qs.class,
            TrepctlCommands.BinlogOnly.class);

    @Option(names = "-host", description = "Host name (sandbox name such as host2, or DNS name).")
    String host;

    @Option(names = "-port", description = "Admin port of the replicator (default: 10000 or the sandbox's).")
    Integer port;

    @Option(names = "-service", description = "Replication service name (default: the replicator's only service).")
    String service;

    @Option(names = "-retry", defaultValue = "0", description = "Retry up to N times, a second apart, while the"
            + " replicator is unreachable.")
    int retry;

    public static void main(String[] args) {
        Cli.run(new TrepctlMain(), SUBCOMMANDS, args, Cli.readingSandboxAnd(ReplicatorStatus.class));
    }

    AdminClient client() {
        HostResolver.Target t = HostResolver.resolve(host, port);
        AdminClient c = new AdminClient(t.name(), t.address(), t.adminPort(),
                HostResolver.credentials(t.name(), service), retry);
        if (service != null) {
            List<ReplicatorApi.ServiceInfo> services = c.call(ReplicatorApi.SERVICES).services();
            if (services.stream().noneMatch(s -> service.equals(s.name()))) {
                throw new TantalumException(ErrorCode.INVALID_ARGUMENT, "Service '" + service + "' is not running on "
                        + t.name() + "; it runs: " + String.join(", ", services.stream()
                                .map(ReplicatorApi.ServiceInfo::name).toList()));
            }
        }
        return c;
    }

    String hostLabel() {
        return HostResolver.resolve(host, port).name();
    }

    @Command(name = "status", description = "Show the replicator's status.")
    static final class Status implements Callable<Integer> {
        @ParentCommand
        TrepctlMain parent;

        @Mixin
        JsonOption json;

        @Option(names = "-name", description = "Status section: tasks, stages or stores.")
        String name;

        @Option(names = "-r", paramLabel = "SECONDS", description = "Print the status again every SECONDS.")
        int refresh;

        @Option(names = "-c", paramLabel = "COUNT", description = "With -r: print it COUNT times in all (default:"
                + " until interrupted).")
        int count;

        @Override
        public Integer call() throws Exception {
            AdminClient c = parent.client();
            Refresh.run(refresh, count, () -> print(c));
            return 0;
        }

        private void print(AdminClient c) throws java.io.IOException {
            Map<String, Object> st = name == null
                    ? Cli.json().convertValue(c.call(ReplicatorApi.STATUS), new TypeReference<TreeMap<String, Object>>() {})
                    : c.call(ReplicatorApi.STATUS_SECTION, new ReplicatorApi.SectionRequest(name));
            if (json.enabled()) {
                JsonOption.print(st);
                return;
            }
            System.out.println("Processing status command" + (name == null ? "" : " (" + name + ")") + "...");
            System.out.print(Cli.aligned(st));
            System.out.println("Finished status command...");
        }
    }

    @Command(name = "online", description = "Put the replicator online.")
    static final class Online implements Callable<Integer> {
        @ParentCommand
        TrepctlMain parent;

        @Option(names = "-skip-seqno", split = ",", description = "Skip these seqnos once (comma-separated).")
        List<Long> skip;

        @Option(names = "-force", description = "Slave: skip the check that its history matches the master's.")
        boolean force;

        @Option(names = "-force-divergence", description = "Slave: go online although this host's binlog holds"
                + " transactions written here that its THL never extracted (binlog-only); they stay on this host"
                + " only.")
        boolean forceDivergence;

        @Mixin
        TrepctlCommands.UntilPoint until;

        @Override
        public Integer call() {
            ReplicatorApi.StateReply r = parent.client().call(ReplicatorApi.ONLINE,
                    new ReplicatorApi.OnlineRequest(skip, force, forceDivergence, until.point()));
            System.out.println(parent.hostLabel() + ": " + r.state());
            return 0;
        }
    }

    @Command(name = "offline", description = "Take the replicator offline at the next transaction boundary.")
    static final class Offline implements Callable<Integer> {
        @ParentCommand
        TrepctlMain parent;

        @Option(names = "-immediate", description = "Stop now, rolling back the transaction in progress.")
        boolean immediate;

        @Override
        public Integer call() {
            ReplicatorApi.StateReply r = parent.client().call(ReplicatorApi.OFFLINE,
                    new ReplicatorApi.OfflineRequest(immediate));
            System.out.println(parent.hostLabel() + ": " + r.state());
            return 0;
        }
    }

    @Command(name = "services", description = "List the replication services of the replicator.")
    static final class Services implements Callable<Integer> {
        @ParentCommand
        TrepctlMain parent;

        @Mixin
        JsonOption json;

        @Override
        public Integer call() throws Exception {
            AdminClient c = parent.client();
            List<ReplicatorApi.ServiceInfo> services = c.call(ReplicatorApi.SERVICES).services();
            ReplicatorStatus st = c.call(ReplicatorApi.STATUS);
            if (json.enabled()) {
                JsonOption.print(services);
                return 0;
            }
            System.out.println("Processing services command...");
            for (ReplicatorApi.ServiceInfo s : services) {
                Map<String, Object> m = new java.util.LinkedHashMap<>();
                m.put("appliedLastSeqno", st.appliedLastSeqno());
                m.put("appliedLatency", st.appliedLatency());
                m.put("role", s.role());
                m.put("serviceName", s.name());
                m.put("serviceType", "local");
                m.put("started", "true");
                m.put("state", s.state());
                System.out.print(Cli.aligned(m));
            }
            System.out.println("Finished services command...");
            return 0;
        }
    }

    @Command(name = "version", description = "Show the replicator's version.")
    static final class Version implements Callable<Integer> {
        @ParentCommand
        TrepctlMain parent;

        @Override
        public Integer call() {
            System.out.println(parent.client().call(ReplicatorApi.STATUS).version());
            return 0;
        }
    }
}
