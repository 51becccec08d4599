package io.tantalum.replicator.internal.extract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class BinlogPositionTest {
    @Test
    void eventIdRoundTrips() {
        BinlogPosition p = new BinlogPosition("mariadb-bin.000003", 1234, "0-1-57");
        assertThat(p.toEventId()).isEqualTo("mariadb-bin.000003:0000000000001234;gtid=0-1-57");
        assertThat(BinlogPosition.parse(p.toEventId())).isEqualTo(p);
        assertThat(BinlogPosition.parse("mariadb-bin.000001:0000000000000004")).isEqualTo(
                new BinlogPosition("mariadb-bin.000001", 4, null));
    }

    @Test
    void garbageIsDataLoss() {
        assertThatThrownBy(() -> BinlogPosition.parse("nonsense")).hasMessageContaining("is not a binlog position");
    }
}
