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
                ThlEvent.SessionChange.CHARACTER_SET_CLIENT, "cp932", ThlEvent.SessionChange.COLLATION_CONNECTION,
                "utf32_general_ci", ThlEvent.SessionChange.COLLATION_SERVER, "latin5_turkish_ci")))
                .isEqualTo("SET SESSION foreign_key_checks=0, unique_checks=1, check_constraint_checks=1, sql_mode=4,"
                        + " time_zone=_utf8mb4'+05:00', character_set_client=cp932, collation_connection=utf32_general_ci,"
                        + " collation_server=latin5_turkish_ci");
        assertThat(RowSql.sessionSql(Map.of())).isEqualTo("SET SESSION foreign_key_checks=1, unique_checks=1,"
                + " check_constraint_checks=1, sql_mode=_utf8mb4'NO_AUTO_VALUE_ON_ZERO,NO_ENGINE_SUBSTITUTION',"
                + " time_zone=_utf8mb4'+00:00', character_set_client=utf8mb4, collation_connection=utf8mb4_general_ci,"
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
        assertThatThrownBy(() -> RowSql.sessionSql(Map.of(ThlEvent.SessionChange.COLLATION_SERVER, "x, sql_log_bin=0")))
                .hasMessage("session setting collation_server=x, sql_log_bin=0 is not a character set or collation name");
    }
}
