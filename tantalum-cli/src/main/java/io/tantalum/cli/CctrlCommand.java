package io.tantalum.cli;

import io.tantalum.common.ErrorCode;
import io.tantalum.common.TantalumException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * One {@code cctrl} command line, parsed: Tungsten's grammar, without SQL or shell. Pure; table
 * tested in {@code CctrlCommandTest}. An unknown or incomplete command is INVALID_ARGUMENT with
 * the usage of what was meant.
 */
public sealed interface CctrlCommand {
    /** {@code ls [-l] [-r SECONDS [-c COUNT]]}: again every SECONDS, COUNT times in all (0: until interrupted). */
    record Ls(boolean longFormat, int refreshSeconds, int count) implements CctrlCommand {
        Ls(boolean longFormat) {
            this(longFormat, 0, 0);
        }
    }

    /** {@code switch} (the best slave) or {@code switch to <host>}. */
    record Switch(String to) implements CctrlCommand {}

    /** {@code failover} (the slave with the most stored THL) or {@code failover to <host>}: when the master is dead. */
    record Failover(String to) implements CctrlCommand {}

    /** {@code set policy automatic|manual|maintenance}. */
    record SetPolicy(String policy) implements CctrlCommand {}

    /** {@code datasource <host> shun|welcome|offline|online|recover|rebuild [from <source>]}. */
    record Datasource(String host, String action, String from) implements CctrlCommand {
        Datasource(String host, String action) {
            this(host, action, null);
        }
    }

    /** {@code replicator <host> online|offline}. */
    record Replicator(String host, String action) implements CctrlCommand {}

    /**
     * {@code rolling-maintenance [--dry-run] [--order h3,h2,h1] [--no-switch-back] [--script NAME [ARG...]]
     * [--script-timeout S]} (action {@code start} or {@code dry-run}), or {@code rolling-maintenance
     * status|continue|abort|resume}.
     */
    record RollingMaintenance(String action, List<String> order, boolean noSwitchBack, String script,
            List<String> args, int scriptTimeoutSeconds) implements CctrlCommand {
        RollingMaintenance(String action) {
            this(action, List.of(), false, null, List.of(), 0);
        }
    }

    /** {@code cluster heartbeat}. */
    record Heartbeat() implements CctrlCommand {}

    /** {@code cluster history [N]}. */
    record History(int limit) implements CctrlCommand {}

    /** {@code help}. */
    record Help() implements CctrlCommand {}

    /** {@code exit} or {@code quit}. */
    record Exit() implements CctrlCommand {}

    List<String> DATASOURCE_ACTIONS = List.of("shun", "welcome", "offline", "online", "recover", "rebuild");
    List<String> REPLICATOR_ACTIONS = List.of("online", "offline");
    List<String> POLICIES = List.of("automatic", "manual", "maintenance");

    String HELP = String.join("\n",
            "ls [-l] [-r SECONDS [-c COUNT]]            the dataservice: coordinator, policy, every datasource;"
                    + " -r: again every SECONDS",
            "switch                                     make the best slave the master (planned switch)",
            "switch to <host>                           make <host> the master",
            "failover [to <host>]                       replace a dead master (the slave with the most THL)",
            "set policy automatic|manual|maintenance    what the coordinator may do by itself",
            "datasource <host> shun|welcome|offline|online|recover",
            "datasource <host> rebuild [from <slave>]   replace its data with a copy of a slave's, then recover it",
            "replicator <host> online|offline",
            "rolling-maintenance [--dry-run] [--order h3,h2,h1] [--no-switch-back] [--script NAME [ARG...]]"
                    + " [--script-timeout S]",
            "                                           maintain every host in turn (the master after a switch)",
            "rolling-maintenance status|continue|abort|resume",
            "cluster heartbeat                          write a heartbeat through the master",
            "cluster history [N]                        the last N audit records (default 50), newest last",
            "help, exit");

    private static Ls ls(List<String> w) {
        boolean longFormat = false;
        int refresh = 0;
        int count = 0;
        for (int i = 1; i < w.size(); i++) {
            String o = w.get(i);
            if (o.equals("-l")) {
                longFormat = true;
            } else if ((o.equals("-r") || o.equals("-c")) && i + 1 < w.size() && w.get(i + 1).matches("[1-9]\\d{0,5}")) {
                int n = Integer.parseInt(w.get(++i));
                if (o.equals("-r")) {
                    refresh = n;
                } else {
                    count = n;
                }
            } else {
                throw usage("ls [-l] [-r SECONDS [-c COUNT]]");
            }
        }
        if (count > 0 && refresh == 0) {
            throw usage("ls [-l] [-r SECONDS [-c COUNT]] (-c needs -r)");
        }
        return new Ls(longFormat, refresh, count);
    }

    static CctrlCommand parse(String line) {
        List<String> w = Arrays.stream(line.trim().split("\\s+")).filter(s -> !s.isEmpty()).toList();
        if (w.isEmpty()) {
            throw usage("an empty command");
        }
        String verb = w.get(0).toLowerCase(Locale.ROOT);
        switch (verb) {
            case "ls":
                return ls(w);
            case "switch":
                if (w.size() == 1) {
                    return new Switch(null);
                }
                if (w.size() == 3 && w.get(1).equalsIgnoreCase("to")) {
                    return new Switch(w.get(2));
                }
                throw usage("switch, or switch to <host>");
            case "failover":
                if (w.size() == 1) {
                    return new Failover(null);
                }
                if (w.size() == 3 && w.get(1).equalsIgnoreCase("to")) {
                    return new Failover(w.get(2));
                }
                throw usage("failover, or failover to <host>");
            case "set":
                if (w.size() == 3 && w.get(1).equalsIgnoreCase("policy") && POLICIES.contains(lower(w.get(2)))) {
                    return new SetPolicy(lower(w.get(2)));
                }
                throw usage("set policy automatic|manual|maintenance");
            case "datasource":
                if (w.size() == 3 && DATASOURCE_ACTIONS.contains(lower(w.get(2)))) {
                    return new Datasource(w.get(1), lower(w.get(2)));
                }
                if (w.size() == 5 && lower(w.get(2)).equals("rebuild") && lower(w.get(3)).equals("from")) {
                    return new Datasource(w.get(1), "rebuild", w.get(4));
                }
                throw usage("datasource <host> " + String.join("|", DATASOURCE_ACTIONS) + ", or datasource <host>"
                        + " rebuild from <slave>");
            case "replicator":
                if (w.size() == 3 && REPLICATOR_ACTIONS.contains(lower(w.get(2)))) {
                    return new Replicator(w.get(1), lower(w.get(2)));
                }
                throw usage("replicator <host> online|offline");
            case "cluster":
                if (w.size() == 2 && w.get(1).equalsIgnoreCase("heartbeat")) {
                    return new Heartbeat();
                }
                if (w.size() >= 2 && w.size() <= 3 && w.get(1).equalsIgnoreCase("history")) {
                    try {
                        return new History(w.size() == 3 ? Integer.parseInt(w.get(2)) : 50);
                    } catch (NumberFormatException e) {
                        throw usage("cluster history [N]");
                    }
                }
                throw usage("cluster heartbeat, or cluster history [N]");
            case "rolling-maintenance":
                return rollingMaintenance(w.subList(1, w.size()));
            case "help":
            case "?":
                return new Help();
            case "exit":
            case "quit":
                return new Exit();
            default:
                throw new TantalumException(ErrorCode.INVALID_ARGUMENT, "Unknown command '" + w.get(0) + "'. Commands:\n"
                        + HELP);
        }
    }

    List<String> MAINTENANCE_ACTIONS = List.of("status", "continue", "abort", "resume");
    String MAINTENANCE_USAGE = "rolling-maintenance [--dry-run] [--order h3,h2,h1] [--no-switch-back] [--script NAME"
            + " [ARG...]] [--script-timeout S], or rolling-maintenance status|continue|abort|resume";

    private static CctrlCommand rollingMaintenance(List<String> w) {
        if (w.size() == 1 && MAINTENANCE_ACTIONS.contains(lower(w.get(0)))) {
            return new RollingMaintenance(lower(w.get(0)));
        }
        boolean dryRun = false;
        boolean noSwitchBack = false;
        List<String> order = List.of();
        String script = null;
        List<String> args = new java.util.ArrayList<>();
        int timeout = 0;
        for (int i = 0; i < w.size(); i++) {
            String o = w.get(i);
            switch (o) {
                case "--dry-run" -> dryRun = true;
                case "--no-switch-back" -> noSwitchBack = true;
                case "--order" -> {
                    if (++i == w.size()) {
                        throw usage(MAINTENANCE_USAGE);
                    }
                    order = Arrays.stream(w.get(i).split(",")).filter(h -> !h.isBlank()).toList();
                }
                case "--script-timeout" -> {
                    try {
                        timeout = Integer.parseInt(w.get(++i));
                    } catch (IndexOutOfBoundsException | NumberFormatException e) {
                        throw usage(MAINTENANCE_USAGE);
                    }
                }
                case "--script" -> {
                    if (++i == w.size()) {
                        throw usage(MAINTENANCE_USAGE);
                    }
                    script = w.get(i);
                    while (i + 1 < w.size() && !w.get(i + 1).startsWith("--")) {
                        args.add(w.get(++i));
                    }
                }
                default -> throw usage(MAINTENANCE_USAGE);
            }
        }
        return new RollingMaintenance(dryRun ? "dry-run" : "start", order, noSwitchBack, script, List.copyOf(args),
                timeout);
    }

    private static String lower(String s) {
        return s.toLowerCase(Locale.ROOT);
    }

    private static TantalumException usage(String what) {
        return new TantalumException(ErrorCode.INVALID_ARGUMENT, "Usage: " + what);
    }
}
