package io.tantalum.connector.internal;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Pattern;

/**
 * What a session had set on its server, captured before it moves to another: read with
 * {@link #QUERY} and {@link #VARIABLES_QUERY} on the old backend, replayed with
 * {@link #restoreStatements()} on the new one (the default database goes by {@code COM_INIT_DB}).
 *
 * @param userVariables each user variable as {@code SET} assignment text ({@code @`a` = ...})
 */
public record SessionState(String database, String characterSetClient, String collationConnection,
        String characterSetResults, boolean autocommit, String sqlMode, String timeZone, String isolation,
        boolean readOnly, List<String> userVariables) {

    /** The session's settings, one row. */
    public static final String QUERY = "SELECT DATABASE(), @@character_set_client, @@collation_connection,"
            + " @@character_set_results, @@autocommit, @@sql_mode, @@time_zone, @@tx_isolation, @@tx_read_only";
    /** The session's user variables, one row each. */
    public static final String VARIABLES_QUERY = "SELECT VARIABLE_NAME, VARIABLE_VALUE, VARIABLE_TYPE,"
            + " CHARACTER_SET_NAME FROM information_schema.USER_VARIABLES";

    private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9_,:+\\-/. ]*");

    /** From the rows of {@link #QUERY} and {@link #VARIABLES_QUERY}. */
    public static SessionState from(List<byte[]> settings, List<List<byte[]>> variables) {
        List<String> vars = new ArrayList<>();
        for (List<byte[]> v : variables) {
            vars.add(assignment(text(v.get(0)), v.get(1), text(v.get(2)), text(v.get(3))));
        }
        return new SessionState(text(settings.get(0)), text(settings.get(1)), text(settings.get(2)),
                text(settings.get(3)), "1".equals(text(settings.get(4))), text(settings.get(5)), text(settings.get(6)),
                text(settings.get(7)), "1".equals(text(settings.get(8))), vars);
    }

    /** Only what the protocol told the connector: for a session that could not be asked. */
    public static SessionState known(String database, boolean autocommit) {
        return new SessionState(database, null, null, null, autocommit, null, null, null, false, List.of());
    }

    private static String text(byte[] b) {
        return b == null ? null : new String(b, StandardCharsets.UTF_8);
    }

    static String assignment(String name, byte[] value, String type, String charset) {
        String v;
        if (value == null) {
            v = "NULL";
        } else {
            String s = new String(value, StandardCharsets.UTF_8);
            v = switch (type == null ? "" : type.toUpperCase(java.util.Locale.ROOT)) {
                case "INT" -> Long.toString(Long.parseLong(s));
                case "DECIMAL" -> new java.math.BigDecimal(s).toPlainString();
                case "REAL", "DOUBLE" -> "CAST('" + Double.parseDouble(s) + "' AS DOUBLE)";
                default -> (charset == null || charset.equalsIgnoreCase("binary") ? "" : "_" + charset + " ")
                        + "X'" + HexFormat.of().formatHex(value) + "'";
            };
        }
        return "@`" + name.replace("`", "``") + "` = " + v;
    }

    /** The statements that give a new session these settings (values that could not be quoted safely are left out). */
    public List<String> restoreStatements() {
        List<String> out = new ArrayList<>();
        List<String> sets = new ArrayList<>();
        if (characterSetClient != null && safe(characterSetClient) && safe(collationConnection)) {
            sets.add("character_set_client = '" + characterSetClient + "'");
            sets.add("collation_connection = '" + collationConnection + "'");
            sets.add("character_set_results = " + (characterSetResults == null ? "NULL" : safe(characterSetResults)
                    ? "'" + characterSetResults + "'" : "DEFAULT"));
        }
        sets.add("autocommit = " + (autocommit ? 1 : 0));
        if (sqlMode != null && safe(sqlMode)) {
            sets.add("sql_mode = '" + sqlMode + "'");
        }
        if (timeZone != null && safe(timeZone)) {
            sets.add("time_zone = '" + timeZone + "'");
        }
        if (isolation != null && safe(isolation)) {
            sets.add("tx_isolation = '" + isolation + "'");
        }
        if (isolation != null) {
            sets.add("tx_read_only = " + (readOnly ? 1 : 0));
        }
        out.add("SET SESSION " + String.join(", ", sets));
        if (!userVariables.isEmpty()) {
            out.add("SET " + String.join(", ", userVariables));
        }
        return out;
    }

    private static boolean safe(String s) {
        return s != null && SAFE.matcher(s).matches();
    }
}
