package io.tantalum.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.tantalum.it.FidelityReport.FileResult;
import io.tantalum.it.FidelityReport.Replica;
import io.tantalum.it.FidelityReport.Verdict;
import io.tantalum.it.ReplicaSet.CatchUp;
import io.tantalum.it.ReplicaSet.Ending;
import io.tantalum.testkit.MariaDbTestRunner;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The rule that judges each file of {@link FidelityIT}, case by case. */
class FidelityReportTest {
    private static final MariaDbTestRunner.Outcome RUN = new MariaDbTestRunner.Outcome("main/x.test", 0, false, 0,
            10, "", Duration.ofMillis(100));
    private static final FidelityReport.Compared COMPARED = new FidelityReport.Compared(Map.of("schema test", "x",
            "binlog rows `test`.`t1`", "INSERT SET @1=1\nDELETE WHERE @1=1", "binlog statements `test`",
            "30001 changes, sha-256 00"));

    private static Replica applied(String... differing) {
        return new Replica(new CatchUp(Ending.APPLIED, ""), Set.of(differing), List.of());
    }

    private static Replica ended(Ending ending) {
        return new Replica(new CatchUp(ending, "Duplicate entry"), Set.of(), List.of());
    }

    private static Verdict verdict(Replica tantalum, Replica nativeReplica) {
        return new FileResult("main/x.test", RUN, List.of(), COMPARED, tantalum, nativeReplica).verdict();
    }

    @Test
    void whereNativeReplicationIsExactTantalumMustBeExactAndCaughtUp() {
        assertThat(verdict(applied(), applied())).isEqualTo(Verdict.OK);
        assertThat(verdict(applied("rows `test`.`t1`"), applied())).isEqualTo(Verdict.FAIL);
        assertThat(verdict(ended(Ending.STOPPED), applied())).isEqualTo(Verdict.FAIL);
        assertThat(verdict(ended(Ending.BEHIND), applied())).isEqualTo(Verdict.FAIL);
    }

    @Test
    void whereNativeReplicationDiffersTantalumMayDifferOnlyOnTheSameObjects() {
        assertThat(verdict(applied(), applied("table `test`.`t1`"))).isEqualTo(Verdict.NATIVE_DIFFERS_TOO);
        assertThat(verdict(applied("table `test`.`t1`"), applied("table `test`.`t1`")))
                .isEqualTo(Verdict.NATIVE_DIFFERS_TOO);
        assertThat(verdict(applied("table `test`.`t1`", "rows `test`.`t2`"), applied("table `test`.`t1`")))
                .isEqualTo(Verdict.FAIL);
        assertThat(verdict(ended(Ending.STOPPED), applied("table `test`.`t1`"))).isEqualTo(Verdict.FAIL);
    }

    @Test
    void whereNativeReplicationStopsOrLagsTheFileIsReportedNotJudged() {
        assertThat(verdict(ended(Ending.STOPPED), ended(Ending.STOPPED))).isEqualTo(Verdict.NATIVE_FAILS_TOO);
        assertThat(verdict(applied("rows `test`.`t1`"), ended(Ending.BEHIND))).isEqualTo(Verdict.NATIVE_FAILS_TOO);
    }

    @Test
    void theObjectsAndChangesComparedAreCountedFromTheMastersEntries() {
        assertThat(COMPARED).isEqualTo(new FidelityReport.Compared(1, 30003));
    }

    @Test
    void theReportListsEachFileAndDetailsTheOnesThatAreNotIdentical() {
        FidelityReport report = new FidelityReport();
        report.add(new FileResult("main/a.test", RUN, List.of(), COMPARED, applied(), applied()));
        report.add(new FileResult("main/b.test", RUN, List.of("time_zone: +00:00"), COMPARED,
                new Replica(new CatchUp(Ending.STOPPED, "Cannot apply seqno 12"), Set.of(), List.of()), applied()));
        String text = report.render("title");
        assertThat(text).contains("main/a.test", "identical", "ok", "main/b.test", "slave error", "FAIL",
                "Cannot apply seqno 12", "global variables it changed (set back): time_zone: +00:00",
                "2 files: the Tantalum slave is identical on 1, the native replica on 2");
        assertThat(report.failures()).extracting(FileResult::file).containsExactly("main/b.test");
    }
}
