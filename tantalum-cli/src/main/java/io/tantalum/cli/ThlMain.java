package io.tantalum.cli;

import io.tantalum.cli.sandbox.SandboxLayout;
import io.tantalum.common.ErrorCode;
import io.tantalum.common.TantalumException;
import io.tantalum.thl.ThlEvent;
import io.tantalum.thl.ThlInspector;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code thl}: reads a host's THL files directly (read-only). */
@Command(name = "thl", mixinStandardHelpOptions = true, version = "thl 0.1.0",
        description = "Inspect a Tantalum transaction history log.")
public final class ThlMain {
    /** Its subcommands, registered by {@link Cli#run} (only the one a command line names). */
    static final List<Class<?>> SUBCOMMANDS = List.of(ListCmd.class, Info.class, Index.class, ThlPurgeCommand.class);

    @Option(names = "-host", description = "Sandbox host whose THL to read (default: the first).")
    String host;

    @Option(names = "-service", description = "Replication service (default: the sandbox's).")
    String service;

    @Option(names = "-dir", description = "THL directory to read, instead of a host's.")
    Path dir;

    public static void main(String[] args) {
        Cli.run(new ThlMain(), SUBCOMMANDS, args, Cli.readingSandboxAnd());
    }

    Path directory() {
        if (dir != null) {
            return dir;
        }
        SandboxLayout l = HostResolver.sandbox().orElseThrow(() -> new TantalumException(ErrorCode.INVALID_ARGUMENT,
                "No sandbox found in " + SandboxLayout.defaultDirectory() + ": give the THL directory with -dir."));
        SandboxLayout.Host h = host == null ? l.hosts().get(0) : l.host(host).orElseThrow(() ->
                new TantalumException(ErrorCode.INVALID_ARGUMENT, "Unknown host '" + host + "': the sandbox has hosts "
                        + String.join(", ", l.hosts().stream().map(SandboxLayout.Host::name).toList())));
        return h.homePath().resolve("thl").resolve(service != null ? service : l.service());
    }

    @Command(name = "list", description = "List events.")
    static final class ListCmd implements Callable<Integer> {
        @ParentCommand
        ThlMain parent;

        @Option(names = "-low", description = "First seqno.")
        Long low;

        @Option(names = "-high", description = "Last seqno.")
        Long high;

        @Option(names = "-seqno", description = "Only this seqno.")
        Long seqno;

        @Option(names = "-headers", description = "Only event headers.")
        boolean headers;

        @Option(names = "-sql", description = "Print the transactions as a SQL script for the mariadb client (e.g."
                + " an old master's orphaned transactions, to replay on the new master before a rebuild).")
        boolean sql;

        @Mixin
        JsonOption json;

        @Override
        public Integer call() throws Exception {
            long lo = seqno != null ? seqno : low != null ? low : 0;
            long hi = seqno != null ? seqno : high != null ? high : Long.MAX_VALUE;
            List<Map<String, Object>> all = new ArrayList<>();
            io.tantalum.replicator.SqlScript script = sql ? new io.tantalum.replicator.SqlScript("THL transactions "
                    + lo + (hi == Long.MAX_VALUE ? " on" : " to " + hi) + " of " + parent.directory() + ", written by"
                    + " thl list -sql.\nRead it before running any of it: rows are found by primary key (or every"
                    + " column),\nand a transaction may conflict with what the master has since.") : null;
            ThlInspector.scan(parent.directory(), lo, hi, loc -> {
                ThlEvent e = loc.record().decode();
                if (script != null) {
                    script.add(e);
                } else if (json.enabled()) {
                    all.add(toJson(loc, e));
                } else {
                    System.out.print(format(loc, e));
                }
                return true;
            });
            if (script != null) {
                System.out.print(script.script());
            } else if (json.enabled()) {
                JsonOption.print(all);
            }
            return 0;
        }

        private Map<String, Object> header(ThlInspector.Located loc, ThlEvent e) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("seqno", e.seqno());
            m.put("fragno", e.fragno());
            m.put("lastFrag", e.lastFrag());
            m.put("epoch", e.epoch());
            m.put("eventId", e.eventId());
            m.put("sourceId", e.sourceId());
            m.put("sourceTstamp", Instant.ofEpochMilli(e.sourceTstamp()).toString());
            m.put("extractTstamp", Instant.ofEpochMilli(e.extractTstamp()).toString());
            m.put("shard", e.shard());
            m.put("file", loc.file().getFileName().toString());
            m.put("offset", loc.offset());
            return m;
        }

        private Map<String, Object> toJson(ThlInspector.Located loc, ThlEvent e) {
            Map<String, Object> m = header(loc, e);
            if (!headers) {
                List<Object> changes = new ArrayList<>();
                for (ThlEvent.Change c : e.changes()) {
                    Map<String, Object> cm = new LinkedHashMap<>();
                    if (c instanceof ThlEvent.BinlogFormatChange) {
                        continue; // how the row changes' binlog events are read, not a change
                    }
                    if (c instanceof ThlEvent.SessionChange ss) {
                        cm.put("type", "session");
                        cm.put("settings", ss.settings());
                    } else if (c instanceof ThlEvent.StatementChange sc) {
                        cm.put("type", "statement");
                        cm.put("schema", sc.schema());
                        cm.put("sql", sc.sql());
                        if (sc.errorCode() != 0) {
                            cm.put("errorCode", sc.errorCode());
                        }
                    } else if (c instanceof ThlEvent.RowChange rc) {
                        cm.put("type", "rows");
                        cm.put("action", rc.action().name());
                        cm.put("schema", rc.schema());
                        cm.put("table", rc.table());
                        cm.put("columns", rc.columns().stream().map(ThlEvent.ColumnSpec::name).toList());
                        List<Object> rows = new ArrayList<>();
                        for (Object[][] row : rc.rows()) {
                            Map<String, Object> r = new LinkedHashMap<>();
                            r.put("before", image(row[0]));
                            r.put("after", image(row[1]));
                            rows.add(r);
                        }
                        cm.put("rows", rows);
                        if (rc.binlog() != null) {
                            cm.put("binlogBytes", rc.binlog().length);
                        }
                    }
                    changes.add(cm);
                }
                m.put("changes", changes);
            }
            return m;
        }

        private static List<String> image(Object[] values) {
            if (values == null) {
                return null;
            }
            List<String> out = new ArrayList<>();
            for (Object v : values) {
                out.add(render(v));
            }
            return out;
        }

        private String format(ThlInspector.Located loc, ThlEvent e) {
            StringBuilder sb = new StringBuilder();
            sb.append(String.format("SEQ# = %d / FRAG# = %d%s%n", e.seqno(), e.fragno(), e.lastFrag() ? " (last frag)" : ""));
            sb.append(String.format("- FILE = %s (offset %d)%n", loc.file().getFileName(), loc.offset()));
            sb.append(String.format("- TIME = %s%n", Instant.ofEpochMilli(e.sourceTstamp())));
            sb.append(String.format("- EPOCH# = %d%n", e.epoch()));
            sb.append(String.format("- EVENTID = %s%n", e.eventId()));
            sb.append(String.format("- SOURCEID = %s%n", e.sourceId()));
            sb.append(String.format("- METADATA = %s%n", e.metadata()));
            sb.append(String.format("- SHARD = %s%n", e.shard()));
            if (headers) {
                return sb.toString();
            }
            int i = 0;
            for (ThlEvent.Change c : e.changes()) {
                if (c instanceof ThlEvent.BinlogFormatChange) {
                    continue; // how the row changes' binlog events are read, not a change
                }
                if (c instanceof ThlEvent.SessionChange ss) {
                    // like Tungsten's statement options: not a change of its own, so not numbered
                    sb.append(String.format("- OPTIONS = %s%n", ss.settings().isEmpty() ? "(defaults)"
                            : ss.settings()));
                    continue;
                } else if (c instanceof ThlEvent.StatementChange sc) {
                    sb.append(String.format("- SQL(%d) = %s%n  - SCHEMA = %s%n", i, sc.sql(), sc.schema()));
                    if (sc.errorCode() != 0) {
                        sb.append(String.format("  - ERROR = %d (the statement failed on the master)%n",
                                sc.errorCode()));
                    }
                } else if (c instanceof ThlEvent.RowChange rc) {
                    sb.append(String.format("- SQL(%d) =%n - ACTION = %s%n - SCHEMA = %s%n - TABLE = %s%n", i,
                            rc.action(), rc.schema(), rc.table()));
                    int r = 0;
                    for (Object[][] row : rc.rows()) {
                        sb.append(String.format(" - ROW# = %d%n", r++));
                        appendImage(sb, rc, row[1], "COL");
                        appendImage(sb, rc, row[0], "KEY");
                    }
                }
                i++;
            }
            return sb.toString();
        }

        private static void appendImage(StringBuilder sb, ThlEvent.RowChange rc, Object[] image, String label) {
            if (image == null) {
                return;
            }
            for (int c = 0; c < image.length; c++) {
                if (label.equals("KEY") && hasKey(rc) && !rc.columns().get(c).key()) {
                    continue;
                }
                sb.append(String.format("  - %s(%d: %s) = %s%n", label, c + 1, rc.columns().get(c).name(),
                        render(image[c])));
            }
        }

        private static boolean hasKey(ThlEvent.RowChange rc) {
            return rc.columns().stream().anyMatch(ThlEvent.ColumnSpec::key);
        }
    }

    /** Renders a THL value for people: text when the bytes are UTF-8, else hex. */
    static String render(Object v) {
        if (v == null) {
            return "NULL";
        }
        if (v instanceof byte[] b) {
            String s = new String(b, StandardCharsets.UTF_8);
            boolean printable = java.util.Arrays.equals(s.getBytes(StandardCharsets.UTF_8), b)
                    && s.codePoints().noneMatch(cp -> cp < 0x20 && cp != '\n' && cp != '\t');
            return printable ? s : "x'" + HexFormat.of().formatHex(b) + "'";
        }
        if (v instanceof BigDecimal || v instanceof BigInteger || v instanceof Long || v instanceof String) {
            return v.toString();
        }
        return String.valueOf(v);
    }

    @Command(name = "info", description = "Summary of the log: files, seqno range, size.")
    static final class Info implements Callable<Integer> {
        @ParentCommand
        ThlMain parent;

        @Mixin
        JsonOption json;

        @Override
        public Integer call() throws Exception {
            Path d = parent.directory();
            List<ThlInspector.SegmentInfo> idx = ThlInspector.index(d);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("logDirectory", d.toString());
            m.put("logFiles", idx.size());
            m.put("minSeqno", idx.stream().mapToLong(ThlInspector.SegmentInfo::firstSeqno).filter(s -> s >= 0).min().orElse(-1));
            m.put("maxSeqno", idx.stream().mapToLong(ThlInspector.SegmentInfo::lastSeqno).max().orElse(-1));
            m.put("records", idx.stream().mapToLong(ThlInspector.SegmentInfo::records).sum());
            m.put("bytes", idx.stream().mapToLong(ThlInspector.SegmentInfo::bytes).sum());
            m.put("oldestFile", idx.isEmpty() ? "" : idx.get(0).file().getFileName().toString());
            m.put("newestFile", idx.isEmpty() ? "" : idx.get(idx.size() - 1).file().getFileName().toString());
            System.out.print(json.enabled() ? Cli.json().writeValueAsString(m) + "\n" : Cli.aligned(m));
            return 0;
        }
    }

    @Command(name = "index", description = "List the log files and the seqnos each holds.")
    static final class Index implements Callable<Integer> {
        @ParentCommand
        ThlMain parent;

        @Mixin
        JsonOption json;

        @Override
        public Integer call() throws Exception {
            List<ThlInspector.SegmentInfo> idx = ThlInspector.index(parent.directory());
            if (json.enabled()) {
                List<Map<String, Object>> out = new ArrayList<>();
                for (ThlInspector.SegmentInfo s : idx) {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("file", s.file().getFileName().toString());
                    m.put("baseSeqno", s.baseSeqno());
                    m.put("firstSeqno", s.firstSeqno());
                    m.put("lastSeqno", s.lastSeqno());
                    m.put("records", s.records());
                    m.put("bytes", s.bytes());
                    out.add(m);
                }
                JsonOption.print(out);
            } else {
                for (ThlInspector.SegmentInfo s : idx) {
                    System.out.printf("LogIndexEntry %s(%d:%d) records=%d bytes=%d%n", s.file().getFileName(),
                            s.firstSeqno(), s.lastSeqno(), s.records(), s.bytes());
                }
            }
            return 0;
        }
    }
}
