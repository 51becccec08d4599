package io.tantalum.cli;

import io.tantalum.cli.config.IniLocator;
import io.tantalum.cli.config.TantalumConfig;
import io.tantalum.cli.install.Installer;
import io.tantalum.cli.validate.Facts;
import io.tantalum.cli.validate.Validator;
import io.tantalum.common.ErrorCode;
import io.tantalum.common.TantalumException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tpm install|start|stop|status|update}: the INI configuration applied on this machine's hosts. */
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
            List<String> local = new ArrayList<>();
            for (String m : c.allMembers()) {
                if (isLocal(c.address(m))) {
                    local.add(m);
                }
            }
            if (local.isEmpty()) {
                throw new TantalumException(ErrorCode.INVALID_ARGUMENT, "No member of " + c.file() + " has its address"
                        + " on this machine: name the host with --host");
            }
            return local;
        }

        static boolean isLocal(String address) {
            try (ServerSocket s = new ServerSocket()) {
                s.bind(new InetSocketAddress(InetAddress.getByName(address), 0));
                return true;
            } catch (IOException e) {
                return false;
            }
        }
    }

    @Command(name = "install", description = "Validate, write the effective configuration, create the catalog and"
            + " start the replicators of this machine's hosts.")
    static final class Install extends HostCommand implements Callable<Integer> {
        @Option(names = "--skip-validation-check", split = ",", description = "Skip these validation checks.")
        Set<String> skip = new java.util.HashSet<>();

        @Override
        public Integer call() {
            TantalumConfig c = config();
            Installer installer = new Installer(c);
            for (String h : hosts(c)) {
                Validator.Report r = Validator.run(List.of(Facts.gather(installer, h)), skip);
                r.findings().stream().filter(f -> f.level() != io.tantalum.cli.validate.Finding.Level.INFO)
                        .forEach(f -> System.out.println(f.line()));
                if (r.exitCode() == 2) {
                    System.out.println(r.summary());
                    throw new TantalumException(ErrorCode.FAILED_PRECONDITION, h + ": validation failed; nothing was"
                            + " installed. Fix the ERROR lines above and run tpm install again.");
                }
                installer.install(h, System.out);
            }
            return 0;
        }
    }

    @Command(name = "start", description = "Start the installed replicators of this machine's hosts.")
    static final class Start extends HostCommand implements Callable<Integer> {
        @Override
        public Integer call() {
            TantalumConfig c = config();
            for (String h : hosts(c)) {
                new Installer(c).start(h, System.out);
            }
            return 0;
        }
    }

    @Command(name = "stop", description = "Stop the replicators of this machine's hosts.")
    static final class Stop extends HostCommand implements Callable<Integer> {
        @Override
        public Integer call() {
            TantalumConfig c = config();
            for (String h : hosts(c)) {
                new Installer(c).stop(h, System.out);
            }
            return 0;
        }
    }

    @Command(name = "status", description = "Show the replicators of this machine's hosts.")
    static final class Status extends HostCommand implements Callable<Integer> {
        @Option(names = "--json", description = "Print JSON.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            TantalumConfig c = config();
            List<Map<String, Object>> all = new ArrayList<>();
            for (String h : hosts(c)) {
                all.addAll(new Installer(c).status(h));
            }
            if (json) {
                JsonOption.print(all);
                return 0;
            }
            System.out.printf("%-8s %-10s %-8s %-26s %-7s %s%n", "HOST", "SERVICE", "PID", "STATE", "ROLE", "SEQNO");
            for (Map<String, Object> m : all) {
                System.out.printf("%-8s %-10s %-8s %-26s %-7s %s%n", m.get("host"), m.get("service"),
                        m.get("pid") == null ? "-" : m.get("pid"), m.get("state"),
                        m.getOrDefault("role", "-"), m.getOrDefault("appliedLastSeqno", "-"));
            }
            return 0;
        }
    }

    @Command(name = "update", description = "Apply a changed INI file: rewrite the configuration and restart only"
            + " the replicators whose configuration changed.")
    static final class Update extends HostCommand implements Callable<Integer> {
        @Override
        public Integer call() {
            TantalumConfig c = config();
            int restarted = 0;
            for (String h : hosts(c)) {
                restarted += new Installer(c).update(h, System.out).size();
            }
            System.out.println(restarted + " replicator(s) restarted");
            return 0;
        }
    }
}
