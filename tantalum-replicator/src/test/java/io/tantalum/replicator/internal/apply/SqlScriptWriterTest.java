package io.tantalum.replicator.internal.apply;

import static org.assertj.core.api.Assertions.assertThat;

import io.tantalum.thl.ThlEvent;
import java.util.List;
import org.junit.jupiter.api.Test;

class SqlScriptWriterTest {
    private static final int LONG = 3;
    private static final int VARCHAR = 15;

    @Test
    void eachTransactionWithItsCommentRowsAsTheApplierWritesThemAndCatalogChangesLeftOut() {
        List<ThlEvent.ColumnSpec> cols = List.of(new ThlEvent.ColumnSpec("id", LONG, false, true),
                new ThlEvent.ColumnSpec("v", VARCHAR, false, false));
        SqlScriptWriter w = new SqlScriptWriter("two lines\nof header", "tantalum_");
        w.transaction("GTID 0-1-4", List.of(
                new ThlEvent.RowChange("app", "t", ThlEvent.Action.INSERT, cols, List.<Object[][]>of(
                        new Object[][] {null, {30L, "a".getBytes()}}, new Object[][] {null, {31L, null}})),
                new ThlEvent.RowChange("tantalum_alpha", "heartbeat", ThlEvent.Action.UPDATE, cols,
                        List.<Object[][]>of(new Object[][] {{1L, null}, {1L, null}})),
                new ThlEvent.RowChange("app", "t", ThlEvent.Action.DELETE, cols, List.<Object[][]>of(
                        new Object[][] {{5L, "x".getBytes()}, null}))));
        w.transaction("GTID 0-1-5", List.of(new ThlEvent.StatementChange("app", "CREATE TABLE u (id INT)",
                1700000000)));
        assertThat(w.script()).isEqualTo("""
                -- two lines
                -- of header
                %s;

                -- GTID 0-1-4
                START TRANSACTION;
                INSERT INTO `app`.`t` (`id`,`v`) VALUES (30,X'61'),(31,NULL);
                DELETE FROM `app`.`t` WHERE `id`=5;
                COMMIT;

                -- GTID 0-1-5
                START TRANSACTION;
                USE `app`;
                SET TIMESTAMP=1700000000;
                CREATE TABLE u (id INT);
                SET TIMESTAMP=DEFAULT;
                COMMIT;
                """.formatted(RowSql.sessionSql(java.util.Map.of())));
    }
}
