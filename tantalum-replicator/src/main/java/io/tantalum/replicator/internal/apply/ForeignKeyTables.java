package io.tantalum.replicator.internal.apply;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The slave's tables that have, or are referenced by, a foreign key ({@code schema.table}, lower
 * case): their transactions are applied alone, since a cascade changes rows the THL does not name.
 * Read once, and again after each statement (which may have added or dropped one), on the
 * applier's connection even while its block is open: information_schema takes no row locks and is
 * outside the transaction's snapshot, so the read neither blocks nor changes what the block does.
 */
final class ForeignKeyTables {
    private Set<String> tables;

    Predicate<String> load(Connection c) throws SQLException {
        if (tables == null) {
            Set<String> t = new HashSet<>();
            try (Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("SELECT CONSTRAINT_SCHEMA, TABLE_NAME, UNIQUE_CONSTRAINT_SCHEMA,"
                            + " REFERENCED_TABLE_NAME FROM information_schema.REFERENTIAL_CONSTRAINTS")) {
                while (rs.next()) {
                    t.add((rs.getString(1) + "." + rs.getString(2)).toLowerCase(Locale.ROOT));
                    t.add((rs.getString(3) + "." + rs.getString(4)).toLowerCase(Locale.ROOT));
                }
            }
            tables = t;
        }
        Set<String> now = tables;
        return now::contains;
    }

    void stale() {
        tables = null;
    }
}
