package io.tantalum.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.tantalum.testkit.Sql;
import java.nio.file.Files;
import java.sql.Connection;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** tpm sandbox stop/start keeps the data and replication resumes; destroy removes everything. */
class SandboxLifecycleIT {
    @Test
    void stopStartKeepsReplicatingAndDestroyRemovesEverything() throws Exception {
        try (SandboxFixture sb = new SandboxFixture(2)) {
            try (Connection c = sb.app(1)) {
                Sql.exec(c, "CREATE DATABASE life", "CREATE TABLE life.t (id INT PRIMARY KEY)",
                        "INSERT INTO life.t VALUES (1)");
            }
            sb.awaitCaughtUp(Duration.ofSeconds(60));

            SandboxFixture.CliResult stop = sb.tpm("sandbox", "stop");
            assertThat(stop.exitCode()).as(stop.all()).isZero();
            assertThat(stop.stdout()).contains("host2: stopping replicator", "host1: stopping mariadbd");
            SandboxFixture.CliResult status = sb.tpm("sandbox", "status");
            assertThat(status.stdout()).contains("STOPPED", "stopped");

            SandboxFixture.CliResult start = sb.tpm("sandbox", "start");
            assertThat(start.exitCode()).as(start.all()).isZero();
            try (Connection c = sb.app(1)) {
                Sql.exec(c, "INSERT INTO life.t VALUES (2)");
            }
            sb.awaitCaughtUp(Duration.ofSeconds(60));
            sb.assertSameData("life");

            SandboxFixture.CliResult destroy = sb.tpm("sandbox", "destroy");
            assertThat(destroy.exitCode()).as(destroy.all()).isZero();
            assertThat(Files.exists(sb.dir())).isFalse();
            assertThat(sb.sandbox().db(sb.host(1)).isRunning()).isFalse();
        }
    }
}
