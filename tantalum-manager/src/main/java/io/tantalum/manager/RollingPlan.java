package io.tantalum.manager;

import io.tantalum.common.ErrorCode;
import io.tantalum.common.TantalumException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The plan of {@code cctrl rolling-maintenance}: every host maintained in turn, the master after a
 * switch to a host already maintained, and a switch back to the original master at the end. A pure
 * function of the topology and the options, table-tested in {@code RollingPlanTest}; the dry run
 * prints it ({@link #table}) and the run executes it step by step.
 *
 * <p>Each host goes through SHUN, OFFLINE, MAINTAIN, VALIDATE, ONLINE, CATCH_UP, WELCOME: shunned
 * first, so that only that host leaves automatic management (connectors send it no reads, the
 * coordinator does not recover it) while failover keeps protecting the rest.
 */
public final class RollingPlan {
    /** What a step does. */
    public enum Action { SHUN, OFFLINE, MAINTAIN, VALIDATE, ONLINE, CATCH_UP, WELCOME, SWITCH }

    /** The steps every host goes through, in order. */
    static final List<Action> PER_HOST = List.of(Action.SHUN, Action.OFFLINE, Action.MAINTAIN, Action.VALIDATE,
            Action.ONLINE, Action.CATCH_UP, Action.WELCOME);

    /**
     * One step.
     *
     * @param number from 1
     * @param host the host it acts on (for SWITCH, the new master)
     * @param command what an operator would type for it by hand
     * @param after every member's role and state once it is done, in the members' order
     */
    public record Step(int number, Action action, String host, String command, Map<String, String> after) {}

    /**
     * The options of a run.
     *
     * @param order the hosts in the order they are maintained, each member once; empty: the slaves in
     *     the members' order, then the master
     * @param switchBack switch back to the original master at the end
     * @param script the maintenance script to run on each host (a name in its maintenance directory),
     *     or null: the run pauses at each host's maintenance until {@code rolling-maintenance continue}
     * @param args the script's arguments
     * @param scriptTimeoutSeconds the script's time limit on each host (0: the default, 600 s)
     */
    public record Options(List<String> order, boolean switchBack, String script, List<String> args,
            int scriptTimeoutSeconds) {
        public Options {
            order = order == null ? List.of() : List.copyOf(order);
            args = args == null ? List.of() : List.copyOf(args);
        }

        public Options(List<String> order, boolean switchBack, String script, List<String> args) {
            this(order, switchBack, script, args, 0);
        }
    }

    private RollingPlan() {}

    public static List<Step> plan(Topology t, Options o) {
        List<String> members = List.copyOf(t.datasources().keySet());
        List<String> order = o.order().isEmpty() ? defaultOrder(members, t.master()) : checkOrder(o.order(), members,
                t.service());
        Map<String, String> cells = new LinkedHashMap<>();
        members.forEach(h -> cells.put(h, h.equals(t.master()) ? "Master" : "Slave"));
        List<Step> steps = new ArrayList<>();
        String master = t.master();
        List<String> maintained = new ArrayList<>();
        for (String h : order) {
            if (h.equals(master)) {
                if (maintained.isEmpty()) {
                    throw new TantalumException(ErrorCode.INVALID_ARGUMENT, "Cannot plan the rolling maintenance: the"
                            + " master " + master + " comes first in --order, and a master is maintained after a"
                            + " switch to a host already maintained. Put at least one slave before it.");
                }
                String to = maintained.get(0);
                switchTo(steps, cells, master, to);
                master = to;
            }
            for (Action a : PER_HOST) {
                cells.put(h, switch (a) {
                    case SHUN, ONLINE, CATCH_UP -> "Slave (shunned)";
                    case OFFLINE, MAINTAIN, VALIDATE -> "Offline (shunned)";
                    default -> "Slave";
                });
                steps.add(new Step(steps.size() + 1, a, h, command(a, h, master, o), Map.copyOf(cells)));
            }
            maintained.add(h);
        }
        if (o.switchBack() && !master.equals(t.master())) {
            switchTo(steps, cells, master, t.master());
        }
        return List.copyOf(steps);
    }

    private static void switchTo(List<Step> steps, Map<String, String> cells, String from, String to) {
        cells.put(from, "Slave");
        cells.put(to, "Master");
        steps.add(new Step(steps.size() + 1, Action.SWITCH, to, "cctrl -e \"switch to " + to + "\"",
                Map.copyOf(cells)));
    }

    private static List<String> defaultOrder(List<String> members, String master) {
        List<String> order = new ArrayList<>(members.stream().filter(h -> !h.equals(master)).toList());
        order.add(master);
        return order;
    }

    private static List<String> checkOrder(List<String> order, List<String> members, String service) {
        Set<String> seen = new HashSet<>();
        List<String> problems = new ArrayList<>();
        for (String h : order) {
            if (!members.contains(h)) {
                problems.add(h + " is not a member of " + service);
            } else if (!seen.add(h)) {
                problems.add(h + " is listed twice");
            }
        }
        List<String> missing = members.stream().filter(h -> !order.contains(h)).toList();
        if (!missing.isEmpty()) {
            problems.add("it leaves out " + String.join(", ", missing));
        }
        if (!problems.isEmpty()) {
            throw new TantalumException(ErrorCode.INVALID_ARGUMENT, "Cannot plan the rolling maintenance: --order "
                    + String.join(",", order) + ": " + String.join("; ", problems) + ". List every member once ("
                    + String.join(", ", members) + ").");
        }
        return order;
    }

    private static String command(Action a, String h, String master, Options o) {
        return switch (a) {
            case SHUN -> "cctrl -e \"datasource " + h + " shun\"";
            case OFFLINE -> "trepctl -host " + h + " offline";
            case MAINTAIN -> o.script() == null ? "(pause: the operator works on " + h + ", then cctrl -e"
                    + " \"rolling-maintenance continue\")" : "maintenance/" + o.script() + (o.args().isEmpty() ? ""
                            : " " + String.join(" ", o.args())) + " on " + h;
            case VALIDATE -> "tpm validate --host " + h;
            case ONLINE -> "trepctl -host " + h + " online";
            case CATCH_UP -> "trepctl -host " + master + " flush; trepctl -host " + h + " wait -applied N";
            case WELCOME -> "cctrl -e \"datasource " + h + " welcome\"";
            case SWITCH -> "cctrl -e \"switch to " + h + "\"";
        };
    }

    /** The plan as the seed table of docs/operations/rolling-maintenance.md, with a first row for the state before. */
    public static String table(Topology t, List<Step> steps) {
        List<String> members = List.copyOf(t.datasources().keySet());
        List<List<String>> rows = new ArrayList<>();
        List<String> header = new ArrayList<>(List.of("step", "action", "host", "command"));
        header.addAll(members);
        rows.add(header);
        List<String> first = new ArrayList<>(List.of("0", "initial state", "", ""));
        members.forEach(h -> first.add(h.equals(t.master()) ? "Master" : "Slave"));
        rows.add(first);
        for (Step s : steps) {
            List<String> r = new ArrayList<>(List.of(Integer.toString(s.number()), s.action().name(), s.host(),
                    s.command()));
            members.forEach(h -> r.add(s.after().get(h)));
            rows.add(r);
        }
        int[] width = new int[header.size()];
        for (List<String> r : rows) {
            for (int i = 0; i < r.size(); i++) {
                width[i] = Math.max(width[i], r.get(i).length());
            }
        }
        StringBuilder sb = new StringBuilder();
        for (int n = 0; n < rows.size(); n++) {
            List<String> r = rows.get(n);
            sb.append('|');
            for (int i = 0; i < r.size(); i++) {
                sb.append(' ').append(r.get(i)).append(" ".repeat(width[i] - r.get(i).length())).append(" |");
            }
            sb.append('\n');
            if (n == 0) {
                sb.append('|');
                for (int w : width) {
                    sb.append('-').append("-".repeat(w)).append("-|");
                }
                sb.append('\n');
            }
        }
        return sb.toString();
    }
}
