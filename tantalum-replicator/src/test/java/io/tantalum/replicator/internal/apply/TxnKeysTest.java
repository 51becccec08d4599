package io.tantalum.replicator.internal.apply;

import static org.assertj.core.api.Assertions.assertThat;

import io.tantalum.thl.ThlEvent;
import io.tantalum.thl.ThlEvent.Action;
import io.tantalum.thl.ThlEvent.ColumnSpec;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class TxnKeysTest {
    private static final List<ColumnSpec> ID = List.of(new ColumnSpec("id", 3, false, true),
            new ColumnSpec("v", 15, false, false));
    private static final List<ColumnSpec> TWO = List.of(new ColumnSpec("a", 3, false, true),
            new ColumnSpec("b", 12, false, true), new ColumnSpec("v", 15, false, false));
    private static final List<ColumnSpec> NO_KEY = List.of(new ColumnSpec("v", 15, false, false));
    private static final Predicate<String> NO_FK = t -> false;

    private static ThlEvent.RowChange insert(String table, List<ColumnSpec> cols, Object... keyAndValue) {
        return new ThlEvent.RowChange("app", table, Action.INSERT, cols, List.<Object[][]>of(new Object[][] {null,
            keyAndValue}));
    }

    private static ThlEvent.RowChange update(List<ColumnSpec> cols, Object[] before, Object[] after) {
        return new ThlEvent.RowChange("app", "t", Action.UPDATE, cols, List.<Object[][]>of(new Object[][] {before,
            after}));
    }

    private static ThlEvent txn(ThlEvent.Change... changes) {
        List<ThlEvent.Change> all = new ArrayList<>(List.of(changes));
        return new ThlEvent(1, 0, true, 0, "e", "host1", 0, 0, "", Map.of(), all);
    }

    private static final String T = "app.t";

    static Stream<Arguments> cases() {
        return Stream.of(
            // what, the transaction, tables linked by a foreign key, its keys (null: applied alone)
            Arguments.of("an integer key: one key per row", txn(insert("t", ID, 5L, "x".getBytes())), NO_FK,
                    Set.of("R\u0000app.t\u00005")),
            Arguments.of("an update that moves a row: both images", txn(update(ID, new Object[] {5L, null},
                    new Object[] {6L, null})), NO_FK, Set.of("R\u0000app.t\u00005", "R\u0000app.t\u00006")),
            Arguments.of("a composite key of an integer and a temporal literal", txn(insert("t", TWO, 1L,
                    "2026-12-03 05:00:00", null)), NO_FK, Set.of("R\u0000app.t\u00001\u00002026-12-03 05:00:00")),
            Arguments.of("decimals equal in value are one key", txn(insert("t", ID, new BigDecimal("1.50"), null),
                    insert("t", ID, new BigDecimal("1.5"), null)), NO_FK, Set.of("R\u0000app.t\u00001.5")),
            Arguments.of("an unsigned BIGINT beyond a long", txn(insert("t", ID, new BigInteger("18446744073709551615"),
                    null)), NO_FK, Set.of("R\u0000app.t\u000018446744073709551615")),
            Arguments.of("a string key: the whole table (collations)", txn(insert("t", ID, "a".getBytes(), null)),
                    NO_FK, Set.of(TxnKeys.tableKey(T))),
            Arguments.of("a float key: the whole table", txn(insert("t", ID, 1.5d, null)), NO_FK,
                    Set.of(TxnKeys.tableKey(T))),
            Arguments.of("no primary key: the whole table", txn(insert("t", NO_KEY, 1L)), NO_FK,
                    Set.of(TxnKeys.tableKey(T))),
            Arguments.of("table names are compared in lower case", txn(insert("T", ID, 5L, null)), NO_FK,
                    Set.of("R\u0000app.t\u00005")),
            Arguments.of("two tables", txn(insert("t", ID, 5L, null), insert("u", NO_KEY, 1L)), NO_FK,
                    Set.of("R\u0000app.t\u00005", TxnKeys.tableKey("app.u"))),
            Arguments.of("a statement: alone", txn(insert("t", ID, 5L, null), new ThlEvent.StatementChange("app",
                    "CREATE TABLE x (id INT)", 0)), NO_FK, null),
            Arguments.of("a table linked by a foreign key: alone", txn(insert("t", ID, 5L, null)),
                    (Predicate<String>) T::equals, null),
            Arguments.of("session settings and format changes add nothing", txn(new ThlEvent.SessionChange(Map.of(
                    ThlEvent.SessionChange.FOREIGN_KEY_CHECKS, "0")), new ThlEvent.BinlogFormatChange(new byte[1])),
                    NO_FK, Set.of()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void keys(String what, ThlEvent e, Predicate<String> fk, Set<String> expected) {
        assertThat(TxnKeys.of(e, fk)).isEqualTo(expected);
    }
}
