package io.tantalum.common;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ProcessesTest {
    @Test
    void aKilledButUnreapedProcessDoesNotCountAsRunning() {
        assertThat(Processes.exited("4242 (mariadbd) Z 1 4242 4242 0 -1 4194560")).isTrue();
        assertThat(Processes.exited("4242 (java) X 1")).isTrue();
        assertThat(Processes.exited("4242 (java) S 1 4242")).isFalse();
        assertThat(Processes.exited("4242 (a) b) Z) R 1")).as("the command name may hold ') Z'").isFalse();
    }

    @Test
    void thisProcessRuns() {
        assertThat(Processes.running(ProcessHandle.current().pid())).isPresent();
    }
}
