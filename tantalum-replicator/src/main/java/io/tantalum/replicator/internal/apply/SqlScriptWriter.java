package io.tantalum.replicator.internal.apply;

import io.tantalum.thl.ThlEvent;
import java.util.List;

/**
 * Writes transactions as a SQL script an operator can read and run with the {@code mariadb}
 * client: row changes as the applier's INSERT, UPDATE and DELETE statements with exact literals
 * (UPDATE and DELETE find their row by primary key, or by every column without one), statements
 * as they were logged, after {@code USE} of their default schema and with their timestamp. The
 * script starts with the applier's session settings (time zone +00:00, in which the temporal
 * literals are written). Changes to schemas starting with {@code skippedSchemaPrefix} (the
 * replicator's catalogs) are left out. Not thread-safe: one script per instance.
 */
public final class SqlScriptWriter {
    private final String skippedSchemaPrefix;
    private final StringBuilder out = new StringBuilder();

    public SqlScriptWriter(String header, String skippedSchemaPrefix) {
        this.skippedSchemaPrefix = skippedSchemaPrefix;
        for (String line : header.split("\n", -1)) {
            out.append("-- ").append(line).append('\n');
        }
        out.append(RowSql.sessionSql(java.util.Map.of())).append(";\n");
    }

    /** Adds one transaction, introduced by a comment line. */
    public void transaction(String comment, List<ThlEvent.Change> changes) {
        out.append("\n-- ").append(comment.replace("\n", " ")).append('\n');
        out.append("START TRANSACTION;\n");
        for (ThlEvent.Change c : changes) {
            if (c instanceof ThlEvent.RowChange rc && !rc.schema().startsWith(skippedSchemaPrefix)) {
                for (String sql : RowSql.statements(rc)) {
                    out.append(sql).append(";\n");
                }
            } else if (c instanceof ThlEvent.StatementChange sc && !sc.schema().startsWith(skippedSchemaPrefix)) {
                if (!sc.schema().isEmpty()) {
                    out.append("USE ").append(RowSql.quote(sc.schema())).append(";\n");
                }
                out.append("SET TIMESTAMP=").append(sc.timestampSeconds()).append(";\n");
                out.append(sc.sql().trim()).append(";\n");
                out.append("SET TIMESTAMP=DEFAULT;\n");
            }
        }
        out.append("COMMIT;\n");
    }

    public String script() {
        return out.toString();
    }
}
