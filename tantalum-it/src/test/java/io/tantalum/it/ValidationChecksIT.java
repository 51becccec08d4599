package io.tantalum.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.tantalum.cli.sandbox.SandboxLayout;
import io.tantalum.testkit.Faketime;
import io.tantalum.testkit.RealJava;
import io.tantalum.testkit.Sql;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Each tpm validate check made to fail on purpose against real hosts, then passing after the fix. */
@Sandboxed(hosts = 3)
class ValidationChecksIT {
    static SandboxFixture sb;

    private static void passes() {
        SandboxFixture.CliResult r = sb.tpm("validate");
        assertThat(r.exitCode()).as(r.all()).isZero();
        assertThat(r.stdout()).contains("Validation passed: 0 error(s), 0 warning(s)");
    }

    private static void fails(int exitCode, String... lines) {
        SandboxFixture.CliResult r = sb.tpm("validate");
        assertThat(r.exitCode()).as(r.all()).isEqualTo(exitCode);
        assertThat(r.stdout()).contains(lines);
    }

    private static void sql(int host, String... statements) throws Exception {
        try (Connection c = sb.admin(host)) {
            Sql.exec(c, statements);
        }
    }

    @Test
    void readOnlyServerIdAndDurabilityChecks() throws Exception {
        passes();
        sql(2, "SET GLOBAL read_only=OFF");
        fails(2, "ERROR >> host2 >> read_only is OFF on this slave: applications could write here and diverge from the"
                + " master. Run SET GLOBAL read_only=ON (the replicator also sets it when it goes online as a slave)"
                + " (ReadOnlyCheck)");
        sql(2, "SET GLOBAL read_only=ON");
        sql(3, "SET GLOBAL server_id=2");
        fails(2, "ERROR >> host2 >> server_id 2 is also used by host3: give every member a different server_id"
                + " (ServerIdCheck)", "ERROR >> host3 >> server_id 2 is also used by host2");
        sql(3, "SET GLOBAL server_id=3");
        sql(1, "SET GLOBAL sync_binlog=0", "SET GLOBAL max_allowed_packet=1048576", "SET GLOBAL binlog_cache_size=32768");
        fails(1, "WARN >> host1 >> sync_binlog=0: a crash of this server can lose binlog events of committed"
                + " transactions. Set sync_binlog=1 (DurabilitySettingsCheck)",
                "WARN >> host1 >> max_allowed_packet is 1048576 bytes",
                "WARN >> host1 >> binlog_cache_size is 32768 bytes", "Validation passed: 0 error(s), 3 warning(s)");
        sql(1, "SET GLOBAL sync_binlog=1", "SET GLOBAL max_allowed_packet=16777216", "SET GLOBAL binlog_cache_size=1048576");
        passes();
    }

    @Test
    void triggerAndEventSchedulerChecks() throws Exception {
        sb.mariadb(1, "CREATE DATABASE IF NOT EXISTS shop; CREATE TABLE shop.orders (id INT PRIMARY KEY);"
                + " CREATE TABLE shop.audit (id INT AUTO_INCREMENT PRIMARY KEY, order_id INT);"
                + " CREATE TRIGGER shop.orders_ai AFTER INSERT ON shop.orders FOR EACH ROW"
                + " INSERT INTO shop.audit (order_id) VALUES (NEW.id);");
        sb.awaitCaughtUp(Duration.ofSeconds(60));
        // slaves replay the master's row events (apply-binlog, the default): their triggers do not fire, as on a
        // native slave, so an unguarded trigger is fine (TriggerCheck warns only with apply-binlog=false)
        passes();

        // a scheduled event replicates ENABLED; a slave whose scheduler runs would run it too
        sql(1, "CREATE EVENT shop.nightly ON SCHEDULE EVERY 1 DAY STARTS CURRENT_TIMESTAMP + INTERVAL 1 DAY"
                + " DO DELETE FROM shop.audit WHERE id < 0");
        sb.awaitCaughtUp(Duration.ofSeconds(60));
        sql(3, "SET GLOBAL event_scheduler=ON");
        try {
            fails(1, "WARN >> host3 >> the event scheduler runs on this slave, so these events would run here as well"
                    + " as on the master: shop.nightly. Run SET GLOBAL event_scheduler=OFF on slaves (and ON on the new"
                    + " master after a switch) (EventSchedulerCheck)");
        } finally {
            sql(3, "SET GLOBAL event_scheduler=OFF");
        }
        passes();
        sql(1, "DROP DATABASE shop");
        sb.awaitCaughtUp(Duration.ofSeconds(60));
    }

    @Test
    void myisamAndNativeReplicationChecks() throws Exception {
        sql(1, "CREATE DATABASE IF NOT EXISTS legacy", "CREATE TABLE legacy.t (id INT) ENGINE=MyISAM");
        sb.awaitCaughtUp(Duration.ofSeconds(60));
        fails(1, "WARN >> host1 >> non-transactional tables cannot be applied crash-safely: legacy.t MyISAM.");
        sql(1, "DROP DATABASE legacy");
        sb.awaitCaughtUp(Duration.ofSeconds(60));
        SandboxLayout.Host m = sb.host(1);
        sql(3, "CHANGE MASTER TO MASTER_HOST='" + m.address() + "', MASTER_PORT=3306, MASTER_USER='"
                + sb.layout().replicatorUser() + "', MASTER_PASSWORD='" + sb.layout().replicatorPassword() + "',"
                + " MASTER_USE_GTID=slave_pos", "START SLAVE IO_THREAD");
        try {
            fails(2, "ERROR >> host3 >> MariaDB's own replication is running on this database: it would apply"
                    + " changes twice. Run STOP ALL SLAVES and RESET SLAVE ALL first (NativeReplicationCheck)");
        } finally {
            sql(3, "STOP ALL SLAVES", "RESET SLAVE ALL");
        }
        passes();
    }

    @Test
    void connectivityAndPortChecks() throws Exception {
        SandboxLayout.Host h3 = sb.host(3);
        sb.sandbox().db(h3).stop();
        fails(2, "ERROR >> host3 >> cannot connect to the database at " + h3.address() + ":3306");
        sb.sandbox().db(h3).start(List.of());
        sb.sandbox().awaitOnline(60_000);

        sb.sandbox().stopReplicator(h3);
        try (ServerSocket squatter = new ServerSocket()) {
            squatter.bind(new InetSocketAddress(InetAddress.getByName(h3.address()), h3.adminPort()));
            fails(2, "ERROR >> host3 >> port " + h3.address() + ":10000 is held by a process that is not this host's"
                    + " mariadbd or replicator: stop it or move it elsewhere (PortCheck)");
        }
        sb.sandbox().startReplicator(h3);
        sb.sandbox().awaitOnline(60_000);
        passes();
    }

    @Test
    void privilegesAndThlDirectoryChecks() throws Exception {
        sb.mariadb(2, "REVOKE ALL PRIVILEGES, GRANT OPTION FROM 'tungsten'@'127.%'");
        try {
            fails(2, "ERROR >> host2 >> the replicator's user lacks ALL PRIVILEGES ON *.*");
        } finally {
            sb.mariadb(2, "GRANT ALL PRIVILEGES ON *.* TO 'tungsten'@'127.%' WITH GRANT OPTION");
        }
        passes();

        java.nio.file.Path ini = sb.dir().resolve("thl-under-a-file.ini");
        java.nio.file.Files.writeString(ini, java.nio.file.Files.readString(sb.sandbox().iniFile())
                .replaceAll("thl-directory=.*", "thl-directory=/etc/hostname/{host}/thl"));
        SandboxFixture.CliResult r = sb.tpm("validate", "--ini", ini.toString());
        assertThat(r.exitCode()).as(r.all()).isEqualTo(2);
        assertThat(r.stdout()).contains("ERROR >> host1 >> THL directory: /etc/hostname/host1/thl cannot be created:"
                + " /etc/hostname is not a directory: create it and give it to the user that runs the replicator"
                + " (ThlDirectoryCheck)");

        // a real file system with little room: a 64 MiB tmpfs
        java.nio.file.Path small = java.nio.file.Files.createDirectories(sb.dir().resolve("small"));
        io.tantalum.testkit.Commands.check(java.util.Map.of(), List.of("mount", "-t", "tmpfs", "-o", "size=64m",
                "tmpfs", small.toString()));
        try {
            java.nio.file.Path smallIni = sb.dir().resolve("thl-small.ini");
            java.nio.file.Files.writeString(smallIni, java.nio.file.Files.readString(sb.sandbox().iniFile())
                    .replaceAll("thl-directory=.*", "thl-directory=" + small + "/{host}/thl"));
            r = sb.tpm("validate", "--ini", smallIni.toString());
            assertThat(r.exitCode()).as(r.all()).isEqualTo(1);
            assertThat(r.stdout()).contains("WARN >> host2 >> only 64 MiB free for the THL: free space or lower"
                    + " thl-retention-ms (ThlDirectoryCheck)");
        } finally {
            io.tantalum.testkit.Commands.check(java.util.Map.of(), List.of("umount", small.toString()));
        }
        passes();
    }

    /** The sandbox's INI with one more line in [defaults], in a file of its own. */
    private static java.nio.file.Path iniWith(String name, String line) throws Exception {
        java.nio.file.Path ini = sb.dir().resolve(name);
        java.nio.file.Files.writeString(ini, java.nio.file.Files.readString(sb.sandbox().iniFile())
                .replace("[defaults]\n", "[defaults]\n" + line + "\n"));
        return ini;
    }

    @Test
    void javaVersionCheckRunsTheConfiguredJava() throws Exception {
        java.nio.file.Path java11 = RealJava.java11();
        java.nio.file.Path old = iniWith("java11.ini", "java-home=" + java11);
        SandboxFixture.CliResult r = sb.tpm("validate", "--ini", old.toString());
        assertThat(r.exitCode()).as(r.all()).isEqualTo(2);
        assertThat(r.stdout()).containsPattern("ERROR >> host1 >> " + java.util.regex.Pattern.quote(java11 + "/bin/java")
                + " is Java 11\\.[0-9.]+, too old for the replicator \\(it needs Java 17 or later\\)\\. Install Java 17"
                + " or later and set java-home to it in the INI file \\(empty: the Java that runs tpm\\), then run tpm"
                + " update \\(JavaVersionCheck\\)");
        SandboxLayout.Host h2 = sb.host(2);
        long pid = sb.sandbox().replicatorProcess(h2).orElseThrow().pid();
        SandboxFixture.CliResult install = sb.tpm("install", "--ini", old.toString(), "--host", "host2");
        assertThat(install.exitCode()).as(install.all()).isEqualTo(3);
        assertThat(install.stderr()).contains("host2: validation failed; nothing was installed");
        assertThat(sb.sandbox().replicatorProcess(h2).orElseThrow().pid()).isEqualTo(pid);

        java.nio.file.Path none = iniWith("no-java.ini", "java-home=/opt/no-such-jdk");
        r = sb.tpm("validate", "--ini", none.toString());
        assertThat(r.exitCode()).as(r.all()).isEqualTo(2);
        assertThat(r.stdout()).contains("ERROR >> host3 >> the replicator cannot run on the configured Java: there is no"
                + " Java at /opt/no-such-jdk/bin/java. Install Java 17 or later");

        // the fix: name the Java that runs the replicators now; they already run on it, so nothing restarts
        java.nio.file.Path fixed = iniWith("java-fixed.ini", "java-home=" + System.getProperty("java.home"));
        r = sb.tpm("validate", "--ini", fixed.toString());
        assertThat(r.exitCode()).as(r.all()).isZero();
        SandboxFixture.CliResult update = sb.tpm("update", "--ini", fixed.toString(), "--host", "host2");
        assertThat(update.stdout()).as(update.all()).contains("host2/alpha: unchanged");
        assertThat(sb.sandbox().replicatorProcess(h2).orElseThrow().pid()).isEqualTo(pid);
    }

    @Test
    void clockSkewCheckAgainstADatabaseWhoseClockIsOff() throws Exception {
        SandboxLayout.Host h3 = sb.host(3);
        try {
            restartWithClock(h3, "+10s");
            fails(2, "ERROR >> host3 >> the database clock is 10.0 s ahead of this machine's (more than 5 s): event"
                    + " timestamps, replication latency and time-based THL retention would be wrong. Run NTP (chrony) on"
                    + " every member (ClockSkewCheck)");
            restartWithClock(h3, "-2s");
            fails(1, "WARN >> host3 >> the database clock is 2.0 s behind this machine's: latency figures will be off"
                    + " by as much. Run NTP (chrony) on every member (ClockSkewCheck)");
        } finally {
            sb.sandbox().db(h3).stop();
            sb.sandbox().db(h3).start(List.of());
        }
        sb.sandbox().awaitOnline(60_000);
        passes();
    }

    private static void restartWithClock(SandboxLayout.Host h, String offset) {
        sb.sandbox().db(h).stop();
        sb.sandbox().db(h).start(List.of(), Faketime.env(offset));
    }
}
