package io.tantalum.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tantalum.common.TantalumException;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** cctrl's grammar: each command line and what it parses to, then each malformed line and its usage. */
class CctrlCommandTest {
    static Stream<Arguments> commands() {
        return Stream.of(
                Arguments.of("ls", new CctrlCommand.Ls(false)),
                Arguments.of("  ls   -l ", new CctrlCommand.Ls(true)),
                Arguments.of("ls -r 2", new CctrlCommand.Ls(false, 2, 0)),
                Arguments.of("ls -l -r 5 -c 3", new CctrlCommand.Ls(true, 5, 3)),
                Arguments.of("switch", new CctrlCommand.Switch(null)),
                Arguments.of("switch to host2", new CctrlCommand.Switch("host2")),
                Arguments.of("SWITCH TO host2", new CctrlCommand.Switch("host2")),
                Arguments.of("failover", new CctrlCommand.Failover(null)),
                Arguments.of("failover to host3", new CctrlCommand.Failover("host3")),
                Arguments.of("set policy MAINTENANCE", new CctrlCommand.SetPolicy("maintenance")),
                Arguments.of("datasource host3 shun", new CctrlCommand.Datasource("host3", "shun")),
                Arguments.of("datasource host3 Recover", new CctrlCommand.Datasource("host3", "recover")),
                Arguments.of("datasource host3 rebuild", new CctrlCommand.Datasource("host3", "rebuild")),
                Arguments.of("rolling-maintenance --dry-run --order host3,host2,host1 --no-switch-back",
                        new CctrlCommand.RollingMaintenance("dry-run", List.of("host3", "host2", "host1"), true, null,
                                List.of(), 0)),
                Arguments.of("rolling-maintenance --script set-mariadb-option max_connections 500 --script-timeout 90",
                        new CctrlCommand.RollingMaintenance("start", List.of(), false, "set-mariadb-option",
                                List.of("max_connections", "500"), 90)),
                Arguments.of("rolling-maintenance Resume", new CctrlCommand.RollingMaintenance("resume")),
                Arguments.of("datasource host3 rebuild FROM host1", new CctrlCommand.Datasource("host3", "rebuild",
                        "host1")),
                Arguments.of("replicator host2 offline", new CctrlCommand.Replicator("host2", "offline")),
                Arguments.of("cluster heartbeat", new CctrlCommand.Heartbeat()),
                Arguments.of("cluster history", new CctrlCommand.History(50)),
                Arguments.of("cluster history 7", new CctrlCommand.History(7)),
                Arguments.of("help", new CctrlCommand.Help()),
                Arguments.of("quit", new CctrlCommand.Exit()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("commands")
    void parses(String line, CctrlCommand expected) {
        assertThat(CctrlCommand.parse(line)).isEqualTo(expected);
    }

    static Stream<Arguments> malformed() {
        return Stream.of(
                Arguments.of("", "Usage: an empty command"),
                Arguments.of("ls -x", "Usage: ls [-l] [-r SECONDS [-c COUNT]]"),
                Arguments.of("ls -c 3", "Usage: ls [-l] [-r SECONDS [-c COUNT]] (-c needs -r)"),
                Arguments.of("ls -r 0", "Usage: ls [-l]"),
                Arguments.of("switch host2", "Usage: switch, or switch to <host>"),
                Arguments.of("set policy sometimes", "Usage: set policy automatic|manual|maintenance"),
                Arguments.of("datasource host2 drop", "Usage: datasource <host> shun|welcome|offline|online|recover|rebuild,"
                        + " or datasource <host> rebuild from <slave>"),
                Arguments.of("datasource host2 rebuild host1", "Usage: datasource <host>"),
                Arguments.of("replicator host2", "Usage: replicator <host> online|offline"),
                Arguments.of("rolling-maintenance --order", "Usage: rolling-maintenance [--dry-run]"),
                Arguments.of("rolling-maintenance --script-timeout soon", "Usage: rolling-maintenance [--dry-run]"),
                Arguments.of("rolling-maintenance later", "Usage: rolling-maintenance [--dry-run]"),
                Arguments.of("cluster history many", "Usage: cluster history [N]"),
                Arguments.of("failover host3", "Usage: failover, or failover to <host>"),
                Arguments.of("failback", "Unknown command 'failback'. Commands:\nls [-l]"));
    }

    @ParameterizedTest(name = "[{index}] {1}")
    @MethodSource("malformed")
    void refusesWithTheUsage(String line, String message) {
        assertThatThrownBy(() -> CctrlCommand.parse(line)).isInstanceOf(TantalumException.class)
                .hasMessageStartingWith(message);
    }
}
