package io.tantalum.replicator.internal.apply;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tantalum.thl.ThlEvent;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RowSqlSessionTest {
    @Test
    void theSourceSettingsAndTheDefaultsForTheRest() {
        assertThat(RowSql.sessionSql(Map.of(ThlEvent.SessionChange.FOREIGN_KEY_CHECKS, "0",
                ThlEvent.SessionChange.SQL_MODE, "4", ThlEvent.SessionChange.TIME_ZONE, "+05:00",
                ThlEvent.SessionChange.CHARACTER_SET_CLIENT, "8", ThlEvent.SessionChange.COLLATION_CONNECTION, "8",
                ThlEvent.SessionChange.COLLATION_SERVER, "30")))
                .isEqualTo("SET SESSION foreign_key_checks=0, unique_checks=1, check_constraint_checks=1, sql_mode=4,"
                        + " time_zone='+05:00', character_set_client=8, collation_connection=8, collation_server=30");
        assertThat(RowSql.sessionSql(Map.of())).isEqualTo("SET SESSION foreign_key_checks=1, unique_checks=1,"
                + " check_constraint_checks=1, sql_mode='NO_AUTO_VALUE_ON_ZERO,NO_ENGINE_SUBSTITUTION',"
                + " time_zone='+00:00', character_set_client=utf8mb4, collation_connection=utf8mb4_general_ci,"
                + " collation_server=DEFAULT");
    }

    @Test
    void aValueThatIsNotWhatItsSettingTakesIsRefused() {
        assertThatThrownBy(() -> RowSql.sessionSql(Map.of(ThlEvent.SessionChange.SQL_MODE, "0; DROP TABLE t")))
                .hasMessage("session setting sql_mode=0; DROP TABLE t is not a number");
        assertThatThrownBy(() -> RowSql.sessionSql(Map.of(ThlEvent.SessionChange.TIME_ZONE, "x' OR '1")))
                .hasMessageContaining("is not a time zone");
        assertThatThrownBy(() -> RowSql.sessionSql(Map.of(ThlEvent.SessionChange.UNIQUE_CHECKS, "2")))
                .hasMessage("session setting unique_checks=2 is not 0 or 1");
        assertThatThrownBy(() -> RowSql.sessionSql(Map.of(ThlEvent.SessionChange.COLLATION_SERVER, "8, sql_log_bin=0")))
                .hasMessage("session setting collation_server=8, sql_log_bin=0 is not a collation id");
    }
}
