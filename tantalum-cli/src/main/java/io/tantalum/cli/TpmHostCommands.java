package io.tantalum.cli;

import io.tantalum.cli.config.IniLocator;
import io.tantalum.cli.config.TantalumConfig;
import io.tantalum.cli.install.Installer;
import io.tantalum.cli.validate.Facts;
import io.tantalum.cli.validate.Finding;
import io.tantalum.cli.validate.HostFacts;
import io.tantalum.cli.validate.Validator;
import io.tantalum.common.ErrorCode;
import io.tantalum.common.TantalumException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.function.BiConsumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tpm validate|install|start|stop|status|update}: the INI configuration applied to its hosts. */
final class TpmHostCommands {
    private TpmHostCommands() {}

    /** {@code --ini} and {@code --host}, shared by every command that works on hosts. */
    abstract static class HostCommand {
        @Option(names = "--ini", description = "INI file (default: $TANTALUM_INI, the sandbox's, /etc/tantalum/tantalum.ini).")
        Path ini;

        @Option(names = "--host", description = "The host to work on (default: every member whose address is on"
                + " this machine).")
        String host;

        TantalumConfig config() {
            return TantalumConfig.load(IniLocator.find(ini));
        }

        List<String> hosts(TantalumConfig c) {
            if (host != null) {
                if (!c.allMembers().contains(host)) {
                    throw new TantalumException(ErrorCode.INVALID_ARGUMENT, "Host '" + host + "' is not a member of any"
                            + " service in " + c.file() + " (members: " + String.join(", ", c.allMembers()) + ")");
                }
                return List.of(host);
            }
            List<String> local = c.allMembers().stream().filter(m -> Facts.isLocal(c.address(m))).toList();
            if (local.isEmpty()) {
                throw new TantalumException(ErrorCode.INVALID_ARGUMENT, "No member of " + c.file() + " has its address"
                        + " on this machine: name the host with --host");
            }
            return local;
        }

        /** Runs {@code action} for each host this command works on. */
        void eachHost(BiConsumer<Installer, String> action) {
            TantalumConfig c = config();
            // a sandbox's INI: its hosts' processes start in their cgroups, as the sandbox starts them
            Installer installer = io.tantalum.cli.sandbox.SandboxLayout.load(c.file().toAbsolutePath().getParent())
                    .map(l -> new Installer(c).withLauncher(io.tantalum.cli.sandbox.SandboxNetwork.of(l)::launcher))
                    .orElseGet(() -> new Installer(c));
            for (String h : hosts(c)) {
                action.accept(installer, h);
            }
        }
    }

    /** Gathers facts on the hosts and runs the validation catalogue over them. */
    static Validator.Report validate(Installer installer, List<String> hosts, Set<String> skip) {
        List<HostFacts> facts = new ArrayList<>();
        for (String h : hosts) {
            facts.add(Facts.gather(installer, h));
        }
        return Validator.run(facts, skip);
    }

    static void print(Validator.Report r, boolean verbose) {
        for (Finding f : r.findings()) {
            if (verbose || f.level() != Finding.Level.INFO) {
                System.out.println(f.line());
            }
        }
        System.out.println(r.summary());
    }

    @Command(name = "validate", description = "Check every member of the INI configuration (or --host); print"
            + " ERROR/WARN lines and a summary. Exit code 0: passed, 1: warnings only, 2: errors.")
    static final class Validate extends HostCommand implements Callable<Integer> {
        @Option(names = "--json", description = "Print JSON.")
        boolean json;

        @Option(names = "--verbose", description = "Also print the checks that passed.")
        boolean verbose;

        @Option(names = "--skip-validation-check", split = ",", description = "Skip these checks (names in"
                + " parentheses at the end of each line).")
        Set<String> skip = new HashSet<>();

        @Override
        public Integer call() throws Exception {
            TantalumConfig c = config();
            Validator.Report r = validate(new Installer(c), host != null ? hosts(c) : c.allMembers(), skip);
            if (json) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("findings", r.findings());
                m.put("errors", r.count(Finding.Level.ERROR));
                m.put("warnings", r.count(Finding.Level.WARN));
                m.put("summary", r.summary());
                JsonOption.print(m);
            } else {
                print(r, verbose);
            }
            return r.exitCode();
        }
    }

    @Command(name = "install", description = "Validate, write the effective configuration, create the catalog and"
            + " start the replicators of this machine's hosts.")
    static final class Install extends HostCommand implements Callable<Integer> {
        @Option(names = "--skip-validation-check", split = ",", description = "Skip these validation checks.")
        Set<String> skip = new HashSet<>();

        @Override
        public Integer call() {
            eachHost((installer, h) -> {
                Validator.Report r = validate(installer, List.of(h), skip);
                if (r.exitCode() == 2) {
                    print(r, false);
                    throw new TantalumException(ErrorCode.FAILED_PRECONDITION, h + ": validation failed; nothing was"
                            + " installed. Fix the ERROR lines above and run tpm install again.");
                }
                r.findings().stream().filter(f -> f.level() == Finding.Level.WARN)
                        .forEach(f -> System.out.println(f.line()));
                installer.install(h, System.out);
            });
            return 0;
        }
    }

    @Command(name = "start", description = "Start the installed replicators of this machine's hosts.")
    static final class Start extends HostCommand implements Callable<Integer> {
        @Override
        public Integer call() {
            eachHost((installer, h) -> installer.start(h, System.out));
            return 0;
        }
    }

    @Command(name = "stop", description = "Stop the replicators of this machine's hosts.")
    static final class Stop extends HostCommand implements Callable<Integer> {
        @Override
        public Integer call() {
            eachHost((installer, h) -> installer.stop(h, System.out));
            return 0;
        }
    }

    @Command(name = "uninstall", description = "Stop the replicators of this machine's hosts and remove their"
            + " systemd units (or pid files) and configuration. The THL is kept unless --delete-thl; logs and the"
            + " database (catalog schema included) are never touched.")
    static final class Uninstall extends HostCommand implements Callable<Integer> {
        @Option(names = "--delete-thl", description = "Also delete each service's THL directory and saved role.")
        boolean deleteThl;

        @Override
        public Integer call() {
            eachHost((installer, h) -> installer.uninstall(h, deleteThl, System.out));
            return 0;
        }
    }

    @Command(name = "status", description = "Show the replicators (and managers, ZooKeeper members) of this machine's"
            + " hosts.")
    static final class Status extends HostCommand implements Callable<Integer> {
        @Option(names = "--json", description = "Print JSON.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            List<Map<String, Object>> all = new ArrayList<>();
            eachHost((installer, h) -> all.addAll(installer.status(h)));
            if (json) {
                JsonOption.print(all);
                return 0;
            }
            System.out.printf("%-8s %-10s %-8s %-26s %-7s %s%n", "HOST", "SERVICE", "PID", "STATE", "ROLE", "SEQNO");
            for (Map<String, Object> m : all) {
                System.out.printf("%-8s %-10s %-8s %-26s %-7s %s%n", m.get("host"), m.get("service"),
                        m.get("pid") == null ? "-" : m.get("pid"), m.get("state"),
                        m.getOrDefault("role", "-"), m.getOrDefault("appliedLastSeqno", "-"));
                System.out.printf("         run by: %s%n", m.get("supervisor"));
                if (m.containsKey("managerPid")) {
                    System.out.printf("         manager: %s%s%n", m.get("managerPid") == null ? "stopped"
                            : "pid " + m.get("managerPid"), m.containsKey("zookeeperPid") ? ", ZooKeeper member: "
                                    + (m.get("zookeeperPid") == null ? "stopped" : "pid " + m.get("zookeeperPid")) : "");
                }
            }
            return 0;
        }
    }

    @Command(name = "viewer-token", description = "Print each service's read-only viewer token: it reads states,"
            + " figures and /metrics and opens the web view, but cannot act (docs/security.md).")
    static final class ViewerToken implements Callable<Integer> {
        @Option(names = "--ini", description = "INI file (default: $TANTALUM_INI, the sandbox's, /etc/tantalum/tantalum.ini).")
        Path ini;

        @Option(names = "--service", description = "Only this service.")
        String service;

        @Override
        public Integer call() {
            TantalumConfig c = TantalumConfig.load(IniLocator.find(ini));
            for (String name : service != null ? List.of(c.service(service).name()) : List.copyOf(c.services().keySet())) {
                io.tantalum.cli.config.ServiceSecrets s = io.tantalum.cli.config.ServiceSecrets.load(c, name);
                if (s.adminToken() == null) {
                    throw new TantalumException(ErrorCode.FAILED_PRECONDITION, name + " has no admin token yet (looked in "
                            + s.source() + "): `tpm install` generates it, and the viewer token comes from it");
                }
                System.out.println(name + " " + io.tantalum.api.Secrets.viewerToken(s.adminToken()));
            }
            return 0;
        }
    }

    @Command(name = "update", description = "Apply a changed INI file: rewrite the configuration and restart only"
            + " the replicators whose configuration changed.")
    static final class Update extends HostCommand implements Callable<Integer> {
        @Override
        public Integer call() {
            List<String> restarted = new ArrayList<>();
            eachHost((installer, h) -> restarted.addAll(installer.update(h, System.out)));
            Map<String, Long> byKind = new java.util.TreeMap<>(java.util.Comparator.reverseOrder());
            byKind.put("replicator", 0L);
            restarted.forEach(k -> byKind.merge(k, 1L, Long::sum));
            System.out.println(String.join(", ", byKind.entrySet().stream().map(e -> e.getValue() + " " + e.getKey()
                    + "(s)").toList()) + " restarted");
            return 0;
        }
    }
}
