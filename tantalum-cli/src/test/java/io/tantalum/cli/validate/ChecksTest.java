package io.tantalum.cli.validate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The validation checks as pure functions over host facts, table by table. */
class ChecksTest {
    private static final HostFacts.Extra HEALTHY = new HostFacts.Extra(false, List.of(), 12L, null, 10L << 30,
            new HostFacts.Java("/usr/lib/jvm/java-17/bin/java", "17.0.15", 17, null));
    private static final String GRANTS = "GRANT ALL PRIVILEGES ON *.* TO `tungsten`@`127.%` WITH GRANT OPTION";

    private static HostFacts host(String name, String role, Map<String, String> overrides) {
        Map<String, String> v = new HashMap<>(Map.of("log_bin", "ON", "binlog_format", "ROW", "binlog_row_image", "FULL",
                "binlog_row_metadata", "FULL", "server_id", name.substring(4), "read_only",
                role.equals("master") ? "OFF" : "ON", "sync_binlog", "1", "innodb_flush_log_at_trx_commit", "1",
                "max_allowed_packet", "16777216", "binlog_cache_size", "1048576"));
        v.putAll(overrides);
        return new HostFacts(name, "127.0.1." + name.substring(4) + ":3306", role, v, null, GRANTS,
                Map.of(3306, HostFacts.PortUse.OURS, 2112, HostFacts.PortUse.FREE), HEALTHY);
    }

    private static List<String> problems(HostFacts... hosts) {
        return Validator.run(List.of(hosts), Set.of()).findings().stream()
                .filter(f -> f.level() != Finding.Level.INFO).map(Finding::line).toList();
    }

    @Test
    void aHealthyDataservicePasses() {
        Validator.Report r = Validator.run(List.of(host("host1", "master", Map.of()), host("host2", "slave", Map.of())),
                Set.of());
        assertThat(r.exitCode()).isZero();
        assertThat(r.summary()).isEqualTo("Validation passed: 0 error(s), 0 warning(s) (18 checks on 2 hosts)");
    }

    @Test
    void eachBinlogSettingIsNamed() {
        assertThat(problems(host("host1", "master", Map.of()), host("host2", "slave",
                Map.of("binlog_format", "STATEMENT", "binlog_row_metadata", "MINIMAL", "log_bin", "OFF"))))
                .containsExactly(
                        "ERROR >> host2 >> log_bin is OFF, it must be ON: add log_bin to the server's configuration and"
                                + " restart it (BinlogSettingsCheck)",
                        "ERROR >> host2 >> binlog_format is STATEMENT, it must be ROW: run SET GLOBAL binlog_format=ROW"
                                + " and add binlog_format=ROW to the server's configuration (BinlogSettingsCheck)",
                        "ERROR >> host2 >> binlog_row_metadata is MINIMAL, it must be FULL: run SET GLOBAL"
                                + " binlog_row_metadata=FULL and add binlog_row_metadata=FULL to the server's"
                                + " configuration (BinlogSettingsCheck)");
    }

    @Test
    void serverIdsMustBeSetAndUnique() {
        assertThat(problems(host("host1", "master", Map.of("server_id", "7")), host("host2", "slave",
                Map.of("server_id", "7")), host("host3", "slave", Map.of("server_id", "0"))))
                .contains("ERROR >> host3 >> server_id is not set: give every member a different server_id in its"
                        + " configuration (ServerIdCheck)")
                .anyMatch(l -> l.startsWith("ERROR >> host1 >> server_id 7 is also used by host2"))
                .anyMatch(l -> l.startsWith("ERROR >> host2 >> server_id 7 is also used by host1"));
    }

    @Test
    void slavesMustBeReadOnlyAndAReadOnlyMasterIsAWarning() {
        Validator.Report r = Validator.run(List.of(host("host1", "master", Map.of("read_only", "ON")),
                host("host2", "slave", Map.of("read_only", "OFF"))), Set.of());
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.findings()).extracting(Finding::line)
                .anyMatch(l -> l.startsWith("ERROR >> host2 >> read_only is OFF on this slave"))
                .anyMatch(l -> l.startsWith("WARN >> host1 >> read_only is ON on the master"));
    }

    @Test
    void unreachableDatabasesAndForeignPortsAreErrors() {
        HostFacts down = new HostFacts("host2", "127.0.1.2:3306", "slave", null, "Connection refused", null,
                Map.of(10000, HostFacts.PortUse.FOREIGN), HostFacts.Extra.none());
        assertThat(problems(host("host1", "master", Map.of()), down)).containsExactly(
                "ERROR >> host2 >> cannot connect to the database at 127.0.1.2:3306: Connection refused. Start it"
                        + " (`tpm sandbox start --host host2 --component db`) or fix the replicator's user and password"
                        + " (DatabaseConnectivityCheck)",
                "ERROR >> host2 >> port 127.0.1.2:10000 is held by a process that is not this host's mariadbd or"
                        + " replicator: stop it or move it elsewhere (PortCheck)");
    }

    @Test
    void hostProblemsBeyondTheDatabaseSettings() {
        HostFacts h = new HostFacts("host1", "127.0.1.1:3306", "master", Map.of("server_id", "1", "read_only", "OFF",
                "log_bin", "ON", "binlog_format", "ROW", "binlog_row_image", "FULL", "binlog_row_metadata", "FULL",
                "sync_binlog", "0", "innodb_flush_log_at_trx_commit", "0", "max_allowed_packet", "1048576",
                "binlog_cache_size", "32768"), null, GRANTS,
                Map.of(), new HostFacts.Extra(true, List.of("shop.legacy MyISAM"), 7000L, "/thl is not writable by app",
                        null, new HostFacts.Java("/opt/jdk11/bin/java", "11.0.24", 11, null)));
        List<String> lines = problems(h);
        assertThat(lines).anyMatch(l -> l.startsWith("ERROR >> host1 >> MariaDB's own replication is running"))
                .anyMatch(l -> l.startsWith("ERROR >> host1 >> THL directory: /thl is not writable by app"))
                .anyMatch(l -> l.startsWith("ERROR >> host1 >> /opt/jdk11/bin/java is Java 11.0.24, too old for the"
                        + " replicator (it needs Java 17 or later). Install Java 17 or later and set java-home"))
                .anyMatch(l -> l.startsWith("ERROR >> host1 >> the database clock is 7.0 s ahead of this machine's"
                        + " (more than 5 s)"))
                .anyMatch(l -> l.contains("shop.legacy MyISAM") && l.startsWith("WARN"))
                .anyMatch(l -> l.startsWith("WARN >> host1 >> sync_binlog=0"))
                .anyMatch(l -> l.startsWith("WARN >> host1 >> innodb_flush_log_at_trx_commit=0"))
                .anyMatch(l -> l.startsWith("WARN >> host1 >> max_allowed_packet is 1048576 bytes"))
                .anyMatch(l -> l.startsWith("WARN >> host1 >> binlog_cache_size is 32768 bytes: as a slave")
                        && l.endsWith("Set binlog_cache_size=1M (memory per session while it writes) (BinlogCacheCheck)"));
    }

    private static HostFacts withExtra(String name, HostFacts.Extra extra) {
        return withExtra(name, "slave", Map.of(), extra);
    }

    private static HostFacts withExtra(String name, String role, Map<String, String> overrides, HostFacts.Extra extra) {
        HostFacts h = host(name, role, overrides);
        return new HostFacts(h.host(), h.address(), h.role(), h.variables(), null, GRANTS, h.ports(), extra);
    }

    @Test
    void aJavaThatCannotRunAndClocksBehindOrSlightlyOff() {
        HostFacts noJava = withExtra("host2", new HostFacts.Extra(false, List.of(), -6200L, null, 10L << 30,
                new HostFacts.Java("/opt/none/bin/java", null, 0, "there is no Java at /opt/none/bin/java")));
        HostFacts slightlyOff = withExtra("host3", new HostFacts.Extra(false, List.of(), 1500L, null, 10L << 30,
                HEALTHY.java()));
        HostFacts fine = withExtra("host4", new HostFacts.Extra(false, List.of(), -999L, null, 10L << 30,
                HEALTHY.java()));
        assertThat(problems(noJava, slightlyOff, fine)).containsExactlyInAnyOrder(
                "ERROR >> host2 >> the replicator cannot run on the configured Java: there is no Java at"
                        + " /opt/none/bin/java. Install Java 17 or later and set java-home to it in the INI file (empty:"
                        + " the Java that runs tpm), then run tpm update (JavaVersionCheck)",
                "ERROR >> host2 >> the database clock is 6.2 s behind this machine's (more than 5 s): event"
                        + " timestamps, replication latency and time-based THL retention would be wrong. Run NTP"
                        + " (chrony) on every member (ClockSkewCheck)",
                "WARN >> host3 >> the database clock is 1.5 s ahead of this machine's: latency figures will be off by"
                        + " as much. Run NTP (chrony) on every member (ClockSkewCheck)");
    }

    @Test
    void unguardedTriggersAreAWarning() {
        HostFacts h = withExtra("host2", new HostFacts.Extra(false, List.of(), 0L, null, 10L << 30, HEALTHY.java(),
                List.of("shop.orders_ai ON orders"), List.of()));
        assertThat(problems(h)).containsExactly("WARN >> host2 >> triggers run again on slaves for every applied row,"
                + " and the rows they wrote on the master arrive too, so their effect would be doubled (or stop the"
                + " slave on a duplicate key): shop.orders_ai ON orders. Wrap each trigger's body in IF"
                + " @tantalum_applier IS NULL THEN ... END IF (docs/operations/triggers.md) (TriggerCheck)");
    }

    @Test
    void certificatesMustBeReadableSignedCurrentAndNameTheHost() {
        java.time.Instant year = java.time.Instant.now().plus(java.time.Duration.ofDays(365));
        List<String> h2Names = List.of("10.0.0.2", "host2");
        HostFacts unreadable = withCertificate("host2", new HostFacts.Certificate("/k2.p12", "Cannot open the TLS"
                + " keystore /k2.p12: keystore password was incorrect", null, List.of()));
        HostFacts expired = withCertificate("host3", new HostFacts.Certificate("/k3.p12", null,
                java.time.Instant.parse("2020-01-01T00:00:00Z"), List.of("10.0.0.3")));
        HostFacts wrongName = withCertificate("host4", new HostFacts.Certificate("/k4.p12", null, year, h2Names));
        HostFacts soon = withCertificate("host5", new HostFacts.Certificate("/k5.p12", null,
                java.time.Instant.now().plus(java.time.Duration.ofDays(3)), List.of("10.0.0.5")));
        HostFacts fine = withCertificate("host6", new HostFacts.Certificate("/k6.p12", null, year, List.of("10.0.0.6")));
        assertThat(problems(unreadable, expired, wrongName, soon, fine)).filteredOn(p -> p.contains("TlsCertificate"))
                .hasSize(4).anySatisfy(p -> assertThat(p).startsWith("ERROR >> host2 >> Cannot open the TLS keystore"))
                .anySatisfy(p -> assertThat(p).startsWith("ERROR >> host3 >> the certificate in /k3.p12 expired on"
                        + " 2020-01-01T00:00:00Z"))
                .anySatisfy(p -> assertThat(p).startsWith("ERROR >> host4 >> the certificate in /k4.p12 names"
                        + " [10.0.0.2, host2] but not the host's address 10.0.0.4"))
                .anySatisfy(p -> assertThat(p).startsWith("WARN >> host5 >> the certificate in /k5.p12 expires on"));
    }

    private static HostFacts withZooKeeper(String host, HostFacts.ZooKeeper z) {
        HostFacts.Extra e = new HostFacts.Extra(false, List.of(), 0L, null, 10L << 30, HEALTHY.java(), List.of(),
                List.of(), null, z);
        return withExtra(host, e);
    }

    private static List<String> zookeeperProblems(HostFacts... hosts) {
        return problems(hosts).stream().filter(p -> p.contains("ZooKeeperEnsembleCheck")).toList();
    }

    @Test
    void theEnsembleIsOddReachableFromEachMemberWithAQuorumAndTheSameEverywhere() {
        List<String> three = List.of("10.0.0.1:2181", "10.0.0.2:2181", "10.0.0.3:2181");
        Map<String, String> serving = Map.of("10.0.0.1:2181", "follower", "10.0.0.2:2181", "leader", "10.0.0.3:2181",
                "follower");
        String connect = String.join(",", three);
        assertThat(zookeeperProblems(withZooKeeper("host1", new HostFacts.ZooKeeper(three, false, serving, connect)),
                withZooKeeper("host2", new HostFacts.ZooKeeper(three, false, serving, null)))).isEmpty();

        List<String> four = List.of("10.0.0.1:2181", "10.0.0.2:2181", "10.0.0.3:2181", "10.0.0.4:2181");
        Map<String, String> fourServing = new HashMap<>(serving);
        fourServing.put("10.0.0.4:2181", "follower");
        assertThat(zookeeperProblems(withZooKeeper("host1", new HostFacts.ZooKeeper(four, false, fourServing, null))))
                .containsExactly("ERROR >> host1 >> zookeeper-servers lists 4 members: use an odd number (3 or 5); an"
                        + " ensemble of 4 survives no more failures than one of 3 (ZooKeeperEnsembleCheck)");

        Map<String, String> twoDown = Map.of("10.0.0.1:2181", "NOT-SERVING", "10.0.0.2:2181", "STOPPED",
                "10.0.0.3:2181", "STOPPED");
        assertThat(zookeeperProblems(withZooKeeper("host1", new HostFacts.ZooKeeper(three, false, twoDown, null))))
                .hasSize(3).anySatisfy(p -> assertThat(p).startsWith("ERROR >> host1 >> the ZooKeeper ensemble has no"
                        + " quorum: 0 of 3 members serve"))
                .anySatisfy(p -> assertThat(p).isEqualTo("ERROR >> host1 >> cannot reach ZooKeeper member 10.0.0.2:2181"
                        + " from this host: start it, or open the port between them (ZooKeeperEnsembleCheck)"));
        assertThat(zookeeperProblems(withZooKeeper("host1", new HostFacts.ZooKeeper(three, true, twoDown, null))))
                .allSatisfy(p -> assertThat(p).startsWith("WARN >> host1 >> ").contains("expected before install"));

        assertThat(zookeeperProblems(withZooKeeper("host2", new HostFacts.ZooKeeper(three, false, serving,
                "10.0.0.9:2181")))).containsExactly("ERROR >> host2 >> the installed manager uses the ensemble"
                        + " 10.0.0.9:2181 but the INI names " + connect + ": members must share one ensemble; run `tpm"
                        + " update` on this host (ZooKeeperEnsembleCheck)");
    }

    private static HostFacts withCertificate(String host, HostFacts.Certificate c) {
        HostFacts.Extra e = new HostFacts.Extra(false, List.of(), 0L, null, 10L << 30, HEALTHY.java(), List.of(),
                List.of(), c);
        HostFacts base = withExtra(host, e);
        return new HostFacts(base.host(), "10.0.0." + host.substring(4) + ":3306", base.role(), base.variables(),
                base.dbError(), base.grants(), base.ports(), e);
    }

    @Test
    void enabledEventsAreAWarningOnASlaveWhoseSchedulerRuns() {
        HostFacts.Extra events = new HostFacts.Extra(false, List.of(), 0L, null, 10L << 30, HEALTHY.java(), List.of(),
                List.of("shop.nightly"));
        assertThat(problems(withExtra("host2", "slave", Map.of("event_scheduler", "ON"), events),
                withExtra("host1", "master", Map.of("event_scheduler", "ON"), events),
                withExtra("host3", "slave", Map.of("event_scheduler", "OFF"), events)))
                .containsExactly("WARN >> host2 >> the event scheduler runs on this slave, so these events would run"
                        + " here as well as on the master: shop.nightly. Run SET GLOBAL event_scheduler=OFF on slaves"
                        + " (and ON on the new master after a switch) (EventSchedulerCheck)");
    }

    @Test
    void onlyWarningsExitWithOneAndSkippedChecksDoNotRun() {
        Validator.Report warn = Validator.run(List.of(host("host1", "master", Map.of("read_only", "ON"))), Set.of());
        assertThat(warn.exitCode()).isEqualTo(1);
        Validator.Report skipped = Validator.run(List.of(host("host1", "master", Map.of("read_only", "ON"))),
                Set.of("ReadOnlyCheck"));
        assertThat(skipped.exitCode()).isZero();
        assertThat(skipped.checks()).isEqualTo(17);
        assertThatThrownBy(() -> Validator.run(List.of(), Set.of("NoSuchCheck")))
                .hasMessageContaining("--skip-validation-check=NoSuchCheck names no check");
    }
}
