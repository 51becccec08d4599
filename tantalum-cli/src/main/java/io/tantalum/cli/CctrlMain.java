package io.tantalum.cli;

import io.tantalum.api.AdminClient;
import io.tantalum.api.ManagerApi;
import io.tantalum.cli.sandbox.SandboxLayout;
import io.tantalum.common.ErrorCode;
import io.tantalum.common.TantalumException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code cctrl}: the dataservice's console. Interactive (prompt {@code [LOGICAL] /alpha >},
 * history, {@code help}) or one-shot ({@code cctrl -e "switch to host2"}: exit code 0 on success,
 * the error's code otherwise). Talks to a manager's admin API: {@code -host}, else the sandbox's
 * hosts (or this machine) in turn until one answers; any manager forwards actions to the coordinator.
 */
@Command(name = "cctrl", mixinStandardHelpOptions = true, version = "cctrl 0.1.0",
        description = "The Tantalum dataservice console: ls, switch, policies, datasources, history.")
public final class CctrlMain implements Callable<Integer> {
    @Option(names = "-host", description = "The manager to talk to (sandbox name such as host2, or DNS name).")
    String host;

    @Option(names = "-port", description = "Admin port of the managers (default 8090).")
    Integer port;

    @Option(names = "-service", description = "Service name (default: the sandbox's, or the only one).")
    String service;

    @Option(names = "-e", description = "Run these commands (separated by ';') and exit.")
    String commands;

    @Option(names = "-json", description = "Print JSON.")
    boolean json;

    public static void main(String[] args) {
        Cli.run(new CctrlMain(), List.of(), args, Cli.readingSandboxAnd(ManagerApi.ClusterView.class));
    }

    @Override
    public Integer call() throws IOException {
        if (commands != null) {
            for (String c : commands.split(";")) {
                if (!c.isBlank()) {
                    run(CctrlCommand.parse(c));
                }
            }
            return 0;
        }
        return interactive();
    }

    /** Runs one command; throws TantalumException on failure. Returns false on exit. */
    boolean run(CctrlCommand c) throws IOException {
        if (c instanceof CctrlCommand.Help) {
            System.out.println(CctrlCommand.HELP);
            return true;
        }
        if (c instanceof CctrlCommand.Exit) {
            return false;
        }
        AdminClient m = manager();
        if (c instanceof CctrlCommand.Ls ls && ls.refreshSeconds() > 0) {
            Refresh.run(ls.refreshSeconds(), ls.count(), () -> run(new CctrlCommand.Ls(ls.longFormat())));
            return true;
        }
        Object reply;
        String text;
        if (c instanceof CctrlCommand.Ls ls) {
            ManagerApi.ClusterView v = m.call(ManagerApi.CLUSTER);
            reply = v;
            text = CctrlFormat.ls(v, ls.longFormat());
        } else if (c instanceof CctrlCommand.History h) {
            ManagerApi.History r = m.call(ManagerApi.HISTORY, new ManagerApi.HistoryRequest(h.limit()));
            reply = r;
            text = CctrlFormat.history(r.records());
        } else if (c instanceof CctrlCommand.SetPolicy p) {
            ManagerApi.ClusterView v = m.call(ManagerApi.POLICY, new ManagerApi.PolicyRequest(p.policy()));
            reply = v;
            text = "policy is now " + v.policy() + "\n";
        } else if (c instanceof CctrlCommand.RollingMaintenance rm) {
            return rollingMaintenance(m, rm);
        } else {
            ManagerApi.ProcedureReply r = procedure(m, c);
            reply = r;
            text = CctrlFormat.procedure(r);
        }
        if (json) {
            JsonOption.print(reply);
        } else {
            System.out.print(text);
        }
        return true;
    }

    /**
     * A rolling maintenance: a dry run prints the plan; start, continue and resume follow the run,
     * printing each step as it ends and the progress of long ones, until it is done, waits for the
     * operator or stops (interrupting cctrl leaves it running); status prints where it is.
     */
    private boolean rollingMaintenance(AdminClient m, CctrlCommand.RollingMaintenance c) throws IOException {
        ManagerApi.MaintenanceView v = m.call(ManagerApi.MAINTENANCE, new ManagerApi.MaintenanceRequest(c.action(),
                c.order(), c.noSwitchBack(), c.script(), c.args(), c.scriptTimeoutSeconds()));
        if (json && !List.of("start", "continue", "resume").contains(c.action())) {
            JsonOption.print(v);
            return true;
        }
        if (v.table() != null) {
            System.out.print(v.table());
        }
        if (List.of("dry-run", "status", "abort").contains(c.action())) {
            System.out.print(CctrlFormat.maintenance(v));
            return true;
        }
        int printed = v.next() - 1;
        String detail = null;
        while (true) {
            boolean over = !"RUNNING".equals(v.state());
            for (ManagerApi.MaintenanceStep s : v.steps()) {
                // a failed step is printed once the run has stopped on it (resume runs it again)
                if (s.number() > printed && (List.of("ok", "skipped").contains(s.outcome())
                        || over && "failed".equals(s.outcome()))) {
                    System.out.print(CctrlFormat.maintenanceStep(s, v.total()));
                    printed = s.number();
                }
            }
            if (over) {
                break;
            }
            if (!v.detail().equals(detail)) {
                detail = v.detail();
                System.out.println("  ... " + detail);
            }
            sleep(1000);
            v = m.call(ManagerApi.MAINTENANCE, ManagerApi.MaintenanceRequest.of("status"));
        }
        if (json) {
            JsonOption.print(v);
        } else {
            System.out.print(CctrlFormat.maintenance(v));
        }
        if (List.of("FAILED", "INTERRUPTED", "ABORTED").contains(v.state())) {
            throw new TantalumException(ErrorCode.FAILED_PRECONDITION, "rolling maintenance " + v.id() + " is "
                    + v.state() + ": " + v.detail());
        }
        return true;
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TantalumException(ErrorCode.ABORTED, "interrupted; the rolling maintenance goes on (`cctrl -e"
                    + " \"rolling-maintenance status\"`)");
        }
    }

    private static ManagerApi.ProcedureReply procedure(AdminClient m, CctrlCommand c) {
        if (c instanceof CctrlCommand.Switch s) {
            return m.call(ManagerApi.SWITCH, new ManagerApi.SwitchRequest(s.to()));
        }
        if (c instanceof CctrlCommand.Failover f) {
            return m.call(ManagerApi.FAILOVER, new ManagerApi.SwitchRequest(f.to()));
        }
        if (c instanceof CctrlCommand.Datasource d) {
            return m.call(ManagerApi.DATASOURCE, new ManagerApi.DatasourceRequest(d.host(), d.action(), d.from()));
        }
        if (c instanceof CctrlCommand.Replicator r) {
            return m.call(ManagerApi.REPLICATOR, new ManagerApi.DatasourceRequest(r.host(), r.action()));
        }
        return m.call(ManagerApi.HEARTBEAT);
    }

    /** The first manager that answers: {@code -host}, else each sandbox host in turn, else this machine. */
    AdminClient manager() {
        List<String> candidates = new ArrayList<>();
        if (host != null) {
            candidates.add(host);
        } else {
            HostResolver.sandbox().ifPresentOrElse(l -> l.hosts().forEach(h -> candidates.add(h.name())),
                    () -> candidates.add("localhost"));
        }
        TantalumException last = null;
        for (String h : candidates) {
            HostResolver.Target t = HostResolver.resolve(h, port != null ? port : SandboxLayout.MANAGER_PORT);
            AdminClient c = new AdminClient("the manager of " + t.name(), t.address(), t.adminPort(),
                    HostResolver.credentials(t.name(), service));
            try {
                c.call(ManagerApi.HEALTH);
                return c;
            } catch (TantalumException e) {
                last = e;
            }
        }
        throw new TantalumException(ErrorCode.UNAVAILABLE, "No manager answers (tried " + String.join(", ", candidates)
                + "): " + (last == null ? "" : last.getMessage()) + " Start them with `tpm start` (or `tpm sandbox"
                + " start`).");
    }

    private int interactive() throws IOException {
        String svc = service != null ? service : HostResolver.sandbox().map(SandboxLayout::service).orElse("dataservice");
        String prompt = "[LOGICAL] /" + svc + " > ";
        if (System.console() == null) {
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            int rc = 0;
            for (String line; (line = in.readLine()) != null; ) {
                int one = one(line);
                if (one < 0) {
                    return rc;
                }
                rc = Math.max(rc, one);
            }
            return rc;
        }
        org.jline.reader.LineReader reader = org.jline.reader.LineReaderBuilder.builder()
                .variable(org.jline.reader.LineReader.HISTORY_FILE, Path.of(System.getProperty("user.home"),
                        ".cctrl_history"))
                .build();
        System.out.println("Tantalum cctrl: type help for the commands, exit to leave.");
        while (true) {
            String line;
            try {
                line = reader.readLine(prompt);
            } catch (org.jline.reader.UserInterruptException e) {
                continue;
            } catch (org.jline.reader.EndOfFileException e) {
                return 0;
            }
            if (one(line) < 0) {
                return 0;
            }
        }
    }

    /** Runs one interactive line: 0 ok, the error's exit code on failure, -1 on exit. */
    private int one(String line) throws IOException {
        if (line.isBlank()) {
            return 0;
        }
        try {
            return run(CctrlCommand.parse(line)) ? 0 : -1;
        } catch (TantalumException e) {
            System.out.println("ERROR: " + e.getMessage());
            return e.code().exitCode();
        }
    }
}
