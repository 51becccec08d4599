package io.tantalum.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.tantalum.api.ReplicatorStatus;
import io.tantalum.cli.sandbox.SandboxTls;
import io.tantalum.testkit.Await;
import io.tantalum.testkit.Sql;
import java.io.Reader;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.time.Duration;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/**
 * A sandbox deployed with {@code --tls}: THL over TLS between every master and slave, the admin
 * API over https for the CLIs, certificates checked by {@code tpm validate}, a slave that trusts
 * another CA refusing its master, and no secret anywhere an operator or another user can look.
 */
@Sandboxed(hosts = 3, tls = true)
class TlsIT {
    static SandboxFixture sb;

    @Test
    void theWholeSandboxReplicatesOverTls() throws Exception {
        ReplicatorStatus master = sb.status(1);
        assertThat(master.masterListenUri()).startsWith("thls://" + sb.host(1).address());
        assertThat(master.useSSLConnection()).isTrue();
        for (int k = 2; k <= 3; k++) {
            assertThat(sb.status(k).masterConnectUri()).startsWith("thls://" + sb.host(1).address());
        }
        try (Connection c = sb.app(1)) {
            Sql.exec(c, "CREATE DATABASE tls_app", "CREATE TABLE tls_app.t (id INT PRIMARY KEY, v VARCHAR(20))",
                    "INSERT INTO tls_app.t VALUES (1, 'over'), (2, 'tls')");
        }
        sb.awaitCaughtUp(Duration.ofSeconds(60));
        sb.assertSameData("tls_app");
        SandboxFixture.CliResult r = sb.trepctl("-host", "host2", "status").ok();
        assertThat(r.stdout()).contains("useSSLConnection", "thls://");
    }

    /**
     * Every secret of the dataservice (admin token, service secret, database and keystore
     * passwords) is absent from the daemons' logs, the process table, and the output of every
     * CLI command, errors included.
     */
    @Test
    void noSecretAppearsInLogsProcessArgumentsOrCliOutput() {
        assertThat(sb.secrets().keySet()).containsExactlyInAnyOrder("the admin token", "the service secret",
                "the replicators' database password", "the application's database password", "the keystore password",
                "the truststore password");
        sb.secrets().forEach((what, value) -> assertThat(value).as(what).hasSizeGreaterThanOrEqualTo(16));
        String[][] commands = {{"trepctl", "-host", "host2", "status"}, {"trepctl", "status", "-json"},
            {"trepctl", "-host", "host3", "services"}, {"trepctl", "-host", "host2", "qs"},
            {"trepctl", "-host", "host2", "status", "-name", "stores"}, {"trepctl", "-service", "beta", "status"},
            {"trepctl", "-host", "host2", "online", "-skip-seqno", "x"}, {"tpm", "status"},
            {"tpm", "validate", "--verbose"}, {"tpm", "sandbox", "status", "--json"}, {"tpm", "update"},
            {"tpm", "docs", "configuration"}, {"thl", "-host", "host1", "info"}};
        StringBuilder printed = new StringBuilder();
        for (String[] c : commands) {
            String main = switch (c[0]) {
                case "trepctl" -> "io.tantalum.cli.TrepctlMain";
                case "tpm" -> "io.tantalum.cli.TpmMain";
                default -> "io.tantalum.cli.ThlMain";
            };
            printed.append(sb.cli(main, java.util.Arrays.copyOfRange(c, 1, c.length)).all());
        }
        assertThat(printed).as("what the commands printed").contains("appliedLastSeqno", "ONLINE",
                "Service 'beta' is not running");
        sb.assertNoSecretLeaked();
    }

    @Test
    void tpmValidateChecksEachHostsCertificate() throws Exception {
        SandboxFixture.CliResult ok = sb.tpm("validate", "--verbose");
        assertThat(ok.exitCode()).as(ok.all()).isZero();
        assertThat(ok.stdout()).contains("TLS certificate valid until", "[" + sb.host(2).address() + ", host2]");
        Path bad = sb.dir().resolve("bad-password.ini");
        Files.writeString(bad, Files.readString(sb.sandbox().iniFile()).replaceAll("(?m)^tls-keystore-password=.*$",
                "tls-keystore-password=not-the-password"));
        SandboxFixture.CliResult r = sb.tpm("validate", "--ini", bad.toString());
        assertThat(r.exitCode()).as(r.all()).isEqualTo(2);
        assertThat(r.stdout()).contains("host2 >> Cannot open the TLS keystore " + sb.host(2).home()
                + "/tls/keystore.p12", "(TlsCertificateCheck)").doesNotContain("not-the-password");
    }

    @Test
    void aSlaveThatTrustsAnotherCaRefusesItsMaster() throws Exception {
        Path conf = sb.sandbox().replicatorConfig(sb.host(3));
        Path saved = conf.resolveSibling("alpha.properties.saved");
        Files.copy(conf, saved, StandardCopyOption.REPLACE_EXISTING);
        try {
            sb.sandbox().stopReplicator(sb.host(3));
            Properties p = new Properties();
            try (Reader in = Files.newBufferedReader(conf)) {
                p.load(in);
            }
            Path foreign = new SandboxTls().foreignTruststore(sb.dir().resolve("foreign-truststore.p12"),
                    "foreign-password");
            p.setProperty("replicator.tls.truststore", foreign.toString());
            p.setProperty("replicator.tls.truststore.password", "foreign-password");
            try (Writer out = Files.newBufferedWriter(conf)) {
                p.store(out, "host3 trusts another CA");
            }
            sb.sandbox().startReplicator(sb.host(3));
            sb.awaitState(3, "OFFLINE:ERROR");
            String error = sb.status(3).pendingError();
            assertThat(error).contains("TLS handshake with the master thls://" + sb.host(1).address(),
                    "does not trust the master's certificate", "replicator.tls.truststore");
            Path masterLog = sb.sandbox().replicatorLog(sb.host(1));
            Await.until("the master to log the refused address", Duration.ofSeconds(30), () -> {
                try {
                    return Files.readString(masterLog).contains("refused THL connection from /" + sb.host(3).address());
                } catch (java.io.IOException e) {
                    return false;
                }
            });
        } finally {
            sb.sandbox().stopReplicator(sb.host(3));
            Files.move(saved, conf, StandardCopyOption.REPLACE_EXISTING);
            sb.sandbox().startReplicator(sb.host(3));
            sb.awaitState(3, "ONLINE");
        }
    }
}
