package io.tantalum.testkit;

import java.io.File;
import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a server wrote to its binlog between two positions, by object, as canonical text: the
 * complement of a {@link SchemaSnapshot}, for everything a test created and dropped again before
 * the end. Read with {@code mariadb-binlog --read-from-remote-server --verbose}, so that row
 * events are decoded as {@code ### INSERT/UPDATE/DELETE} pseudo-SQL.
 *
 * <ul>
 *   <li>{@code binlog rows s.t}: every row change of the table (its before and after images, as
 *       {@code mariadb-binlog} prints them), sorted as a multiset: a replica that applied the
 *       same changes logs the same images, one that applied a different value, a row more (a
 *       trigger fired again) or a row less does not;</li>
 *   <li>{@code binlog statements s}: every statement logged as such (DDL, account and routine
 *       statements) with {@code s} as its default schema, read in its client character set,
 *       sorted; transaction control and the session context lines are left out.</li>
 * </ul>
 * Only user schemas count ({@link SchemaSnapshot#isUserSchema}); statements without a default
 * schema are listed under {@code binlog statements (none)}.
 */
public final class BinlogChanges {
    private static final Pattern ROW = Pattern.compile("^### (INSERT INTO|UPDATE|DELETE FROM) (`[^`]*`)\\.(`.*`)$");
    private static final Pattern USE = Pattern.compile("^use `(.*)`/\\*!\\*/;$");
    private static final Pattern CLIENT_CHARSET = Pattern.compile("^/\\*!\\\\C (\\w+) \\*//\\*!\\*/;$");
    /** Java's names of MariaDB's client character sets, where they differ. */
    private static final Map<String, String> JAVA_CHARSETS = Map.ofEntries(Map.entry("latin1", "windows-1252"),
            Map.entry("utf8", "UTF-8"), Map.entry("utf8mb3", "UTF-8"), Map.entry("utf8mb4", "UTF-8"),
            Map.entry("binary", "ISO-8859-1"), Map.entry("ascii", "US-ASCII"), Map.entry("latin2", "ISO-8859-2"),
            Map.entry("greek", "ISO-8859-7"), Map.entry("hebrew", "ISO-8859-8"), Map.entry("latin5", "ISO-8859-9"),
            Map.entry("latin7", "ISO-8859-13"), Map.entry("cp1250", "windows-1250"),
            Map.entry("cp1251", "windows-1251"), Map.entry("cp1256", "windows-1256"),
            Map.entry("cp1257", "windows-1257"), Map.entry("cp850", "IBM850"), Map.entry("cp852", "IBM852"),
            Map.entry("cp866", "IBM866"), Map.entry("koi8r", "KOI8-R"), Map.entry("koi8u", "KOI8-U"),
            Map.entry("sjis", "Shift_JIS"), Map.entry("cp932", "windows-31j"), Map.entry("ujis", "EUC-JP"),
            Map.entry("eucjpms", "x-eucJP-Open"), Map.entry("euckr", "EUC-KR"), Map.entry("gb2312", "GB2312"),
            Map.entry("gbk", "GBK"), Map.entry("big5", "Big5"), Map.entry("tis620", "TIS-620"),
            Map.entry("macroman", "x-MacRoman"), Map.entry("macce", "x-MacCentralEurope"));
    private static final Pattern CONTEXT = Pattern.compile("^(SET (TIMESTAMP|INSERT_ID|LAST_INSERT_ID|@@session\\."
            + "|@@RAND_SEED1)|/\\*!\\\\C |/\\*M?!\\d* ?SET |use `).*/\\*!\\*/;$");
    /** Transaction control: what it did shows in the rows that were or were not logged. */
    private static final Pattern CONTROL = Pattern.compile("^(BEGIN|COMMIT|ROLLBACK|START TRANSACTION|SAVEPOINT|"
            + "ROLLBACK TO|RELEASE SAVEPOINT|XA )", Pattern.CASE_INSENSITIVE);

    private BinlogChanges() {}

    /** A binlog position: file name and offset. */
    public record Position(String file, long offset) {}

    /** The server to read from, and the account to read as. */
    public record Source(String host, int port, String user, String password) {}

    /** The server's current binlog position ({@code SHOW MASTER STATUS}). */
    public static Position position(Connection c) {
        List<Object> row = Sql.query(c, "SHOW MASTER STATUS").get(0);
        return new Position(String.valueOf(row.get(0)), ((Number) row.get(1)).longValue());
    }

    /** The changes the server logged from {@code from} up to {@code to}, by object. */
    public static SortedMap<String, String> read(Connection c, Source source, Position from, Position to) {
        if (from.equals(to)) {
            return new TreeMap<>();
        }
        List<String> files = new ArrayList<>();
        for (List<Object> r : Sql.query(c, "SHOW BINARY LOGS")) {
            String f = String.valueOf(r.get(0));
            if (f.compareTo(from.file()) >= 0 && f.compareTo(to.file()) <= 0) {
                files.add(f);
            }
        }
        return parse(decode(source, from, to, files));
    }

    private static String decode(Source s, Position from, Position to, List<String> files) {
        List<String> cmd = new ArrayList<>(List.of("mariadb-binlog", "--no-defaults", "--read-from-remote-server",
                "--host=" + s.host(), "--port=" + s.port(), "--user=" + s.user(),
                "--base64-output=DECODE-ROWS", "--verbose", "--start-position=" + from.offset(),
                "--stop-position=" + to.offset()));
        cmd.addAll(files);
        Path out = null;
        try {
            out = Files.createTempFile("binlog", ".txt");
            ProcessBuilder pb = new ProcessBuilder(cmd);
            pb.environment().put("MYSQL_PWD", s.password()); // not on the command line, where ps shows it
            Process p = pb.redirectErrorStream(true).redirectOutput(out.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("mariadb-binlog did not finish within 120s reading " + s.host());
            }
            String text = Files.readString(out, StandardCharsets.ISO_8859_1);
            if (p.exitValue() != 0) {
                throw new IllegalStateException("mariadb-binlog exited with " + p.exitValue() + " reading " + files
                        + " from " + s.host() + ":" + s.port() + ":\n"
                        + text.substring(Math.max(0, text.length() - 2000)));
            }
            return text;
        } catch (IOException e) {
            throw new IllegalStateException("Cannot run mariadb-binlog (Debian package mariadb-client): " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reading the binlog of " + s.host(), e);
        } finally {
            if (out != null) {
                out.toFile().delete();
            }
        }
    }

    /** The changes in {@code mariadb-binlog --verbose} output, by object. */
    static SortedMap<String, String> parse(String decoded) {
        Map<String, List<String>> changes = new TreeMap<>();
        String[] lines = decoded.split("\n");
        String[] context = {null, "binary"};
        for (int i = 0; i < lines.length; i++) {
            Matcher row = ROW.matcher(lines[i]);
            if (row.matches()) {
                StringBuilder change = new StringBuilder(row.group(1).replaceFirst(" (INTO|FROM)$", ""));
                while (i + 1 < lines.length && lines[i + 1].startsWith("###") && !ROW.matcher(lines[i + 1]).matches()) {
                    change.append(' ').append(lines[++i].substring(3).strip());
                }
                if (SchemaSnapshot.isUserSchema(unquote(row.group(2)))) {
                    changes.computeIfAbsent("binlog rows " + row.group(2) + "." + row.group(3), k -> new ArrayList<>())
                            .add(change.toString());
                }
            } else if (lines[i].startsWith("#") && lines[i].contains("\tQuery\t")) {
                i = statement(lines, i + 1, context, changes);
            }
        }
        SortedMap<String, String> out = new TreeMap<>();
        changes.forEach((k, v) -> {
            v.sort(null);
            out.put(k, v.size() > SchemaSnapshot.MAX_LISTED_ROWS ? v.size() + " changes, sha-256 "
                    + SchemaSnapshot.digest(v) : String.join("\n", v));
        });
        return out;
    }

    /**
     * Reads the Query event whose text starts at line {@code i}; returns the index of its last line.
     * {@code context} holds the default schema and the client character set, which mariadb-binlog
     * prints only when they change; the statement is read in that character set, so that the same
     * text sent in another one (as UTF-8, say) reads the same.
     */
    private static int statement(String[] lines, int i, String[] context, Map<String, List<String>> changes) {
        while (i < lines.length && CONTEXT.matcher(lines[i]).matches()) {
            Matcher use = USE.matcher(lines[i]);
            Matcher charset = CLIENT_CHARSET.matcher(lines[i]);
            if (use.matches()) {
                context[0] = decode(use.group(1), "utf8").replace("``", "`");
            } else if (charset.matches()) {
                context[1] = charset.group(1);
            }
            i++;
        }
        StringBuilder text = new StringBuilder();
        for (; i < lines.length; i++) {
            boolean last = lines[i].endsWith("/*!*/;");
            text.append(text.length() > 0 ? "\n" : "").append(last ? lines[i].substring(0, lines[i].length() - 6)
                    : lines[i]);
            if (last) {
                break;
            }
        }
        String sql = idempotent(decode(text.toString().strip(), context[1]));
        String db = context[0];
        if (!sql.isEmpty() && !CONTROL.matcher(sql).find() && (db == null || SchemaSnapshot.isUserSchema(db))
                && !sql.contains("tantalum_")) {
            changes.computeIfAbsent("binlog statements " + (db == null ? "(none)" : SchemaSnapshot.ident(db)),
                    k -> new ArrayList<>()).add(sql);
        }
        return i;
    }

    /**
     * The statement as a native replica logs it in its default {@code slave_ddl_exec_mode=IDEMPOTENT},
     * which turns {@code DROP TABLE} into {@code DROP TABLE IF EXISTS} (repeating the server's
     * comment), {@code DROP SEQUENCE} into {@code DROP SEQUENCE IF EXISTS} and {@code CREATE TABLE}
     * into {@code CREATE OR REPLACE TABLE}: both forms read the same.
     */
    static String idempotent(String sql) {
        return sql.replace(" /* generated by server */", "").replace("/* generated by server */ ", "")
                .replaceFirst("^DROP (TEMPORARY )?(TABLE|SEQUENCE) IF EXISTS ", "DROP $1$2 ")
                .replaceFirst("^CREATE OR REPLACE (TEMPORARY )?(TABLE|SEQUENCE) ", "CREATE $1$2 ");
    }

    /** {@code raw} (bytes read as ISO-8859-1) read in the MariaDB character set {@code charset}. */
    private static String decode(String raw, String charset) {
        String java = JAVA_CHARSETS.getOrDefault(charset.toLowerCase(), "ISO-8859-1");
        Charset cs = Charset.isSupported(java) ? Charset.forName(java) : StandardCharsets.ISO_8859_1;
        return new String(raw.getBytes(StandardCharsets.ISO_8859_1), cs);
    }

    private static String unquote(String ident) {
        return ident.substring(1, ident.length() - 1).replace("``", "`");
    }
}
