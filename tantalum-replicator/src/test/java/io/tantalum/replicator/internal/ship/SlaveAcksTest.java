package io.tantalum.replicator.internal.ship;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class SlaveAcksTest {
    @Test
    void theHighestSeqnoAnySlaveStoredReleasesEveryWaitUpToIt() throws Exception {
        SlaveAcks acks = new SlaveAcks();
        assertThat(acks.await(0, 10)).as("nothing stored yet").isFalse();
        CompletableFuture<Boolean> waiting = CompletableFuture.supplyAsync(() -> {
            try {
                return acks.await(5, 60_000);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        acks.report("host2", 4);
        Thread.sleep(50);
        assertThat(waiting).as("seqno 4 stored, 5 awaited").isNotDone();
        acks.report("host3", 7);
        assertThat(waiting.get(10, TimeUnit.SECONDS)).isTrue();
        acks.report("host2", 6); // a slower slave never lowers what is stored
        assertThat(acks.stored()).isEqualTo(7);
        assertThat(acks.storedBy()).isEqualTo("host3");
        assertThat(acks.await(7, 0)).isTrue();
    }
}
