package io.tantalum.replicator.internal.apply;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Timestamp;
import org.junit.jupiter.api.Test;

class CatalogTest {
    @Test
    void thePositionStatementCarriesItsValuesAsLiteralsWithQuotesAndBackslashesEscaped() {
        AppliedPosition p = new AppliedPosition(42, 7, "mariadb-bin.000001:0000000000001093;gtid=0-1-4", "db'1\\x",
                1_700_000_000_000L, 1_700_000_002_400L);
        String sql = new Catalog("alpha").writeSql(p);
        assertThat(sql).startsWith("INSERT INTO `tantalum_alpha`.trep_commit_seqno (task_id, seqno, fragno, last_frag,"
                + " source_id, epoch_number, eventid, applied_latency, update_timestamp, extract_timestamp) VALUES (0,42,"
                + "0,1,'db''1\\\\x',7,'mariadb-bin.000001:0000000000001093;gtid=0-1-4',2,'"
                + new Timestamp(1_700_000_002_400L) + "','" + new Timestamp(1_700_000_000_000L) + "') ON DUPLICATE KEY"
                + " UPDATE seqno=VALUES(seqno),");
    }
}
