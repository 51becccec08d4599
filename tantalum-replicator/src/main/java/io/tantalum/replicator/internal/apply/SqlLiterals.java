package io.tantalum.replicator.internal.apply;

import io.tantalum.thl.ThlEvent;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.HexFormat;

/**
 * SQL literals for THL values, exactly as the JDBC driver would send bound parameters: numbers
 * in their shortest exact text (float and double as Java prints them, which round-trips),
 * bytes as {@code X'hex'} (reinterpreted in the column's charset, never converted), temporal
 * values quoted. Stateless.
 */
final class SqlLiterals {
    private static final int BIT = 16;
    private static final HexFormat HEX = HexFormat.of();

    private SqlLiterals() {}

    static String of(ThlEvent.ColumnSpec col, Object v) {
        if (v == null) {
            return "NULL";
        }
        if (v instanceof Long l) {
            return col.type() == BIT && l < 0 ? Long.toUnsignedString(l) : Long.toString(l);
        }
        if (v instanceof BigInteger || v instanceof Float || v instanceof Double) {
            return v.toString();
        }
        if (v instanceof BigDecimal bd) {
            return bd.toPlainString();
        }
        if (v instanceof byte[] b) {
            return "X'" + HEX.formatHex(b) + "'";
        }
        return string(v.toString());
    }

    /** A quoted string literal, backslashes and quotes escaped (the applier's sql_mode keeps backslash escapes). */
    static String string(String s) {
        return "'" + s.replace("\\", "\\\\").replace("'", "''") + "'";
    }
}
