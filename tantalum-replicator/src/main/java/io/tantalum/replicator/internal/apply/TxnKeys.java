package io.tantalum.replicator.internal.apply;

import io.tantalum.thl.ThlEvent;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The rows a transaction touches, as keys that two transactions share exactly when they may
 * touch the same row: what parallel apply waits on. Pure: no I/O.
 *
 * <p>A key is never finer than the database's own idea of "the same row": a primary key made of
 * integers, decimals or temporal literals (compared exactly by any collation) gives one key per
 * row and image; any other primary key (a string, whose collation may call different bytes equal;
 * a float), and a table without one, gives one key for the whole table, so that all its
 * transactions keep their order. A transaction that must be applied alone (a statement, a table
 * linked by a foreign key, whose cascades touch rows the THL does not name) has no keys at all:
 * {@link #of} returns null.
 */
final class TxnKeys {
    private TxnKeys() {}

    /**
     * The keys of a whole transaction (one THL event), or null when it must be applied alone.
     *
     * @param foreignKeyTable true for a table ({@code schema.table}, lower case) that has or is
     *     referenced by a foreign key
     */
    static Set<String> of(ThlEvent e, Predicate<String> foreignKeyTable) {
        Set<String> keys = new HashSet<>();
        for (ThlEvent.Change ch : e.changes()) {
            if (ch instanceof ThlEvent.StatementChange) {
                return null;
            }
            if (ch instanceof ThlEvent.RowChange rc && !add(keys, rc, foreignKeyTable)) {
                return null;
            }
        }
        return keys;
    }

    private static boolean add(Set<String> keys, ThlEvent.RowChange rc, Predicate<String> foreignKeyTable) {
        // lower case: coarser than the server's own rule (lower_case_table_names), which only merges more keys
        String table = (rc.schema() + "." + rc.table()).toLowerCase(Locale.ROOT);
        if (foreignKeyTable.test(table)) {
            return false;
        }
        List<ThlEvent.ColumnSpec> columns = rc.columns();
        int[] key = columns.stream().filter(ThlEvent.ColumnSpec::key).mapToInt(columns::indexOf).toArray();
        if (key.length == 0) {
            keys.add(tableKey(table));
            return true;
        }
        Set<String> rows = new HashSet<>();
        for (Object[][] pair : rc.rows()) {
            for (Object[] image : pair) {
                if (image == null) {
                    continue;
                }
                String k = rowKey(table, image, key);
                if (k == null) {
                    keys.add(tableKey(table));
                    return true;
                }
                rows.add(k);
            }
        }
        keys.addAll(rows);
        return true;
    }

    static String tableKey(String table) {
        return "T\u0000" + table;
    }

    /** The key of one row image, or null when a key value is not one compared exactly. */
    private static String rowKey(String table, Object[] image, int[] key) {
        StringBuilder b = new StringBuilder("R\u0000").append(table);
        for (int i : key) {
            if (i >= image.length) {
                return null;
            }
            String v = exact(image[i]);
            if (v == null) {
                return null;
            }
            b.append('\u0000').append(v);
        }
        return b.toString();
    }

    /** The value's text when equal texts mean equal values under every collation, else null. */
    private static String exact(Object v) {
        if (v instanceof Long || v instanceof Integer || v instanceof BigInteger) {
            return v.toString();
        }
        if (v instanceof BigDecimal d) {
            return d.signum() == 0 ? "0" : d.stripTrailingZeros().toPlainString();
        }
        if (v instanceof String temporal) {
            return temporal;
        }
        return null; // bytes (a collation decides what is equal), floats, NULL
    }
}
