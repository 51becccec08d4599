package io.tantalum.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tantalum.api.ConnectorApi;
import io.tantalum.cli.sandbox.SandboxLayout;
import io.tantalum.testkit.Await;
import io.tantalum.testkit.Sql;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The connector on the real clustered sandbox, with real clients: the {@code mariadb} command-line
 * client and MariaDB Connector/J (text and server-side prepared statements). Sessions go to the
 * master the topology names (and follow it after a switch), read-only sessions to a slave, and a
 * wrong password gets the server's own error.
 */
@Sandboxed(cluster = true)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConnectorIT {
    static SandboxFixture sb;

    static String address() {
        return sb.host(1).address();
    }

    static Connection viaConnector(int port, String options) {
        return Sql.connect("jdbc:mariadb://" + address() + ":" + port + "/?" + options, sb.layout().appUser(),
                sb.layout().appPassword());
    }

    /** The server id of host {@code k}, read directly (not through the connector). */
    static long directServerId(int k) throws SQLException {
        try (Connection direct = sb.app(k)) {
            return serverId(direct);
        }
    }

    /** The host (1-based) whose server has this server id. */
    static int hostWithServerId(long id) throws SQLException {
        for (int k = 1; k <= sb.hosts().size(); k++) {
            if (directServerId(k) == id) {
                return k;
            }
        }
        throw new AssertionError("no host has server id " + id);
    }

    static long serverId(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT @@server_id")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** The {@code mariadb} client through the connector: its stdout, or the failure with its output. */
    static String mariadbViaConnector(int port, String sql) throws Exception {
        Process p = new ProcessBuilder("mariadb", "--defaults-extra-file=" + sb.sandbox().clientOptions(
                sb.layout().appUser()), "-h" + address(), "-P" + port, "--skip-ssl", "-N", "-B", "-e", sql)
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as("mariadb exit code; output: " + out).isZero();
        return out;
    }

    @Test
    @Order(1)
    void theMariadbClientReachesTheMasterThroughTheReadWritePort() throws Exception {
        long masterId = directServerId(1);
        String out = mariadbViaConnector(SandboxLayout.CONNECTOR_PORT,
                "SELECT @@server_id, @@read_only; CREATE DATABASE IF NOT EXISTS conn; "
                        + "CREATE TABLE conn.t (id INT PRIMARY KEY, v VARCHAR(20)); INSERT INTO conn.t VALUES (1, 'one');"
                        + " SELECT v FROM conn.t WHERE id = 1; SHOW WARNINGS");
        assertThat(out.split("\n")).startsWith(masterId + "\t0", "one");
        ConnectorApi.ConnectorStatus st = sb.sandbox().connector().call(ConnectorApi.STATUS);
        assertThat(st.master()).isEqualTo("host1");
        assertThat(st.sessionsServed()).isPositive();
        try (Connection open = viaConnector(SandboxLayout.CONNECTOR_PORT, "")) {
            String ls = sb.cctrl("-e", "ls").ok().stdout();
            assertThat(ls).containsPattern("ROUTERS:\\n\\+-+\\+\\n\\|connector@host1\\[" + st.pid()
                    + "]\\(ONLINE, created=\\d+, active=1: read/write=1, read-only=0, master=host1\\) *\\|");
        }
    }

    @Test
    @Order(2)
    void connectorJTextAndServerSidePreparedStatementsGiveWhatTheServerGives() throws Exception {
        for (String options : List.of("", "useServerPrepStmts=true")) {
            try (Connection c = viaConnector(SandboxLayout.CONNECTOR_PORT, options); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE IF NOT EXISTS conn.types (id INT PRIMARY KEY, d DECIMAL(20,6), f DOUBLE,"
                        + " b VARBINARY(300), t TEXT, ts DATETIME(6), n INT NULL)");
                s.execute("DELETE FROM conn.types");
                c.setAutoCommit(false);
                try (PreparedStatement ins = c.prepareStatement("INSERT INTO conn.types VALUES (?, ?, ?, ?, ?, ?, ?)")) {
                    for (int i = 1; i <= 50; i++) {
                        ins.setInt(1, i);
                        ins.setBigDecimal(2, new BigDecimal("12345.678901").multiply(BigDecimal.valueOf(i)));
                        ins.setDouble(3, Math.PI * i);
                        byte[] bin = new byte[i * 6];
                        for (int j = 0; j < bin.length; j++) {
                            bin[j] = (byte) (j * 7 + i);
                        }
                        ins.setBytes(4, bin);
                        ins.setString(5, "zwölf €" + "x".repeat(i));
                        ins.setTimestamp(6, java.sql.Timestamp.valueOf("2026-12-02 10:11:12." + (100000 + i)));
                        ins.setNull(7, java.sql.Types.INTEGER);
                        ins.executeUpdate();
                    }
                }
                c.commit();
                c.setAutoCommit(true);
                assertThat(rows(c, "SELECT * FROM conn.types ORDER BY id")).isEqualTo(directRows(
                        "SELECT * FROM conn.types ORDER BY id"));
                try (PreparedStatement q = c.prepareStatement("SELECT id, t FROM conn.types WHERE id BETWEEN ? AND ?")) {
                    q.setInt(1, 3);
                    q.setInt(2, 5);
                    assertThat(rows(q.executeQuery())).hasSize(3);
                }
                assertThatThrownBy(() -> s.executeQuery("SELECT nope FROM conn.types"))
                        .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getErrorCode()).isEqualTo(1054));
                // the session is still usable after the error
                assertThat(scalar(c, "SELECT COUNT(*) FROM conn.types")).isEqualTo("50");
            }
        }
    }

    @Test
    @Order(3)
    void aWrongPasswordGetsTheServersOwnAccessDeniedError() {
        SQLException direct = denied("jdbc:mariadb://" + address() + ":3306/");
        SQLException proxied = denied("jdbc:mariadb://" + address() + ":" + SandboxLayout.CONNECTOR_PORT + "/");
        assertThat(proxied.getErrorCode()).isEqualTo(1045).isEqualTo(direct.getErrorCode());
        assertThat(proxied.getSQLState()).isEqualTo("28000").isEqualTo(direct.getSQLState());
        assertThat(withoutConnectionId(proxied.getMessage())).isEqualTo(withoutConnectionId(direct.getMessage()));
    }

    static SQLException denied(String url) {
        try (Connection c = java.sql.DriverManager.getConnection(url, sb.layout().appUser(), "wrong")) {
            throw new AssertionError("logged in with a wrong password at " + url);
        } catch (SQLException e) {
            return e;
        }
    }

    static String withoutConnectionId(String message) {
        return message.replaceAll("\\(conn=\\d+\\) ", "");
    }

    @Test
    @Order(4)
    void readOnlySessionsGoToAnOnlineSlaveThatKeepsUpElseTheMaster() throws Exception {
        long masterId = directServerId(1);
        try (Connection ro = viaConnector(SandboxLayout.CONNECTOR_READONLY_PORT, "")) {
            assertThat(serverId(ro)).isNotEqualTo(masterId);
            assertThat(scalar(ro, "SELECT @@read_only")).isEqualTo("1");
        }
        sb.cctrl("-e", "datasource host2 offline").ok();
        awaitReadsOn(3, "host2 is offline");
        // host3 falls behind: its applier waits on a row lock held there, while the master changes that row
        try (Connection lock = sb.admin(3); Statement l = lock.createStatement()) {
            lock.setAutoCommit(false);
            l.executeQuery("SELECT * FROM conn.t WHERE id = 1 FOR UPDATE").close();
            try (Connection m = sb.app(1)) {
                Sql.exec(m, "UPDATE conn.t SET v = 'uno' WHERE id = 1");
            }
            awaitReadsOn(1, "host3 lags more than connector-readonly-max-latency (5 s) and host2 is offline");
            lock.rollback();
        }
        awaitReadsOn(3, "host3 caught up");
        sb.cctrl("-e", "datasource host2 online").ok();
        Await.until("host2 to be ONLINE", Duration.ofSeconds(30), () -> sb.cluster().datasources().stream()
                .anyMatch(d -> d.host().equals("host2") && d.state().equals("ONLINE")), sb::describe);
        sb.awaitCaughtUp(Duration.ofSeconds(30));
    }

    /** Waits until a new session on the read-only port lands on host {@code k}. */
    static void awaitReadsOn(int k, String why) throws SQLException {
        long id = directServerId(k);
        Await.until("read-only sessions to go to host" + k + " (" + why + ")", Duration.ofSeconds(30), () -> {
            try (Connection ro = viaConnector(SandboxLayout.CONNECTOR_READONLY_PORT, "")) {
                return serverId(ro) == id;
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        }, sb::describe);
    }

    @Test
    @Order(5)
    void newSessionsFollowTheMasterAfterASwitch() throws Exception {
        sb.cctrl("-e", "switch to host2").ok();
        long newMasterId = directServerId(2);
        Await.until("the connector to follow the switch", Duration.ofSeconds(10),
                () -> "host2".equals(sb.sandbox().connector().call(ConnectorApi.STATUS).master()), sb::describe);
        try (Connection c = viaConnector(SandboxLayout.CONNECTOR_PORT, "useServerPrepStmts=true");
                Statement s = c.createStatement()) {
            assertThat(serverId(c)).isEqualTo(newMasterId);
            s.execute("INSERT INTO conn.t VALUES (2, 'two')");
        }
        sb.awaitCaughtUp(Duration.ofSeconds(30));
        sb.assertSameData("conn");
    }

    @Test
    @Order(6)
    void aSessionKeepsItsStateAndPreparedStatementsAcrossSwitchesAndWritersSeeNoError() throws Exception {
        try (Connection c = viaConnector(SandboxLayout.CONNECTOR_PORT, "useServerPrepStmts=true");
                Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS conn.ledger (n INT PRIMARY KEY, who VARCHAR(10))");
            s.execute("USE conn");
            s.execute("SET @who = 'zoë', sql_mode = 'ANSI_QUOTES', time_zone = '+05:00'");
            s.execute("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED");
            PreparedStatement ins = c.prepareStatement("INSERT INTO ledger VALUES (?, @who)");
            PreparedStatement count = c.prepareStatement("SELECT COUNT(*) FROM \"ledger\" WHERE n > ?");
            List<Long> errors = new ArrayList<>();
            java.util.concurrent.atomic.AtomicInteger acked = new java.util.concurrent.atomic.AtomicInteger();
            java.util.concurrent.atomic.AtomicBoolean running = new java.util.concurrent.atomic.AtomicBoolean(true);
            Thread writer = new Thread(() -> {
                try (Connection w = viaConnector(SandboxLayout.CONNECTOR_PORT, "useServerPrepStmts=true");
                        PreparedStatement wi = w.prepareStatement("INSERT INTO conn.ledger VALUES (?, 'load')")) {
                    for (int n = 1000; running.get(); n++) {
                        try {
                            wi.setInt(1, n);
                            wi.executeUpdate();
                            acked.incrementAndGet();
                        } catch (SQLException e) {
                            synchronized (errors) {
                                errors.add((long) n);
                            }
                            System.err.println("writer through the connector: " + e);
                        }
                    }
                } catch (SQLException e) {
                    errors.add(-1L);
                }
            }, "connector-writer");
            writer.start();
            for (int i = 0; i < 4; i++) {
                int before = HaChecks.topologyMaster(sb);
                sb.cctrl("-e", "switch").ok();
                int after = HaChecks.topologyMaster(sb);
                ins.setInt(1, i + 1);
                ins.executeUpdate();
                count.setInt(1, 0);
                try (ResultSet rs = count.executeQuery()) {
                    rs.next();
                    assertThat(rs.getInt(1)).isPositive();
                }
                assertThat(scalar(c, "SELECT CONCAT_WS('|', @who, DATABASE(), @@sql_mode, @@time_zone, @@tx_isolation)"))
                        .isEqualTo("zoë|conn|ANSI_QUOTES|+05:00|READ-COMMITTED");
                assertThat(serverId(c)).as("switch " + i + " from host" + before).isEqualTo(directServerId(after));
            }
            running.set(false);
            writer.join();
            assertThat(errors).as("errors the writer saw through the connector").isEmpty();
            assertThat(acked.get()).isPositive();
            assertThat(scalar(c, "SELECT GROUP_CONCAT(n ORDER BY n) FROM ledger WHERE n < 1000")).isEqualTo("1,2,3,4");
        }
        sb.awaitCaughtUp(Duration.ofSeconds(30));
        sb.assertSameData("conn");
    }

    @Test
    @Order(7)
    void aTransactionLeftOpenPastTheGracePeriodIsRolledBackWithTheDocumentedErrorAndTheSessionGoesOn()
            throws Exception {
        try (Connection c = viaConnector(SandboxLayout.CONNECTOR_PORT, ""); Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            s.execute("INSERT INTO conn.t VALUES (100, 'open')");
            sb.cctrl("-e", "switch").ok(); // waits out the 3 s grace period for this transaction
            assertThatThrownBy(() -> s.execute("INSERT INTO conn.t VALUES (101, 'late')"))
                    .isInstanceOfSatisfying(SQLException.class, e -> {
                        assertThat(e.getErrorCode()).isEqualTo(1213);
                        assertThat(e.getSQLState()).isEqualTo("40001");
                        assertThat(e.getMessage()).contains("grace period", "run the transaction again");
                    });
            c.rollback();
            s.execute("INSERT INTO conn.t VALUES (102, 'again')");
            c.commit();
            assertThat(scalar(c, "SELECT GROUP_CONCAT(id ORDER BY id) FROM conn.t WHERE id >= 100")).isEqualTo("102");
        }
        String history = sb.cctrl("-e", "cluster history 20").ok().stdout();
        assertThat(history).contains("1 transaction(s) rolled back at the end of the grace period");
    }

    @Test
    @Order(8)
    void badClientsAndDeadBackendsEndOnlyTheirOwnSession() throws Exception {
        try (Connection bystander = viaConnector(SandboxLayout.CONNECTOR_PORT, "")) {
            // a malformed handshake: a clear protocol error, the connection closed
            try (java.net.Socket raw = new java.net.Socket(address(), SandboxLayout.CONNECTOR_PORT)) {
                raw.setSoTimeout(5000);
                var in = raw.getInputStream();
                int greeting = in.read() | in.read() << 8 | in.read() << 16;
                in.readNBytes(1 + greeting);
                raw.getOutputStream().write(new byte[] {5, 0, 0, 1, 'h', 'e', 'l', 'l', 'o'});
                byte[] reply = in.readAllBytes();
                assertThat(reply.length).isGreaterThan(7);
                assertThat(reply[4] & 0xff).as("an ERR packet").isEqualTo(0xff);
                assertThat((reply[5] & 0xff) | (reply[6] & 0xff) << 8).isEqualTo(1043);
                assertThat(new String(reply, StandardCharsets.ISO_8859_1)).contains("Bad handshake");
            }
            // a client that goes away in the middle of a statement
            try (java.net.Socket raw = new java.net.Socket(address(), SandboxLayout.CONNECTOR_PORT)) {
                raw.getOutputStream().write(new byte[] {1, 0});
            }
            // the backend session killed in the middle of a statement: that session gets an error
            try (Connection victim = viaConnector(SandboxLayout.CONNECTOR_PORT, "");
                    Statement v = victim.createStatement()) {
                long backendId = Long.parseLong(scalar(victim, "SELECT CONNECTION_ID()"));
                java.util.concurrent.CompletableFuture<Throwable> sleeping = java.util.concurrent.CompletableFuture
                        .supplyAsync(() -> {
                            try {
                                v.executeQuery("SELECT SLEEP(30)");
                                return null;
                            } catch (SQLException e) {
                                return e;
                            }
                        });
                Thread.sleep(500);
                try (Connection admin = sb.admin(HaChecks.topologyMaster(sb)); Statement a = admin.createStatement()) {
                    a.execute("KILL CONNECTION " + backendId);
                }
                assertThat(sleeping.get(20, java.util.concurrent.TimeUnit.SECONDS)).isInstanceOf(SQLException.class);
            }
            assertThat(scalar(bystander, "SELECT 1")).isEqualTo("1");
            // a slave's server killed -9 while it streams a large result to a read-only session
            try (Connection reader = viaConnector(SandboxLayout.CONNECTOR_READONLY_PORT, "");
                    Statement r = reader.createStatement()) {
                int slave = hostWithServerId(serverId(reader));
                r.setFetchSize(100); // streamed: the server waits while the client does not read
                ResultSet rows = r.executeQuery("SELECT seq, REPEAT('x', 1000) FROM mysql.seq_1_to_1000000");
                for (int i = 0; i < 1000; i++) {
                    assertThat(rows.next()).isTrue();
                }
                sb.sandbox().kill(sb.host(slave), io.tantalum.cli.sandbox.Sandbox.Component.DB);
                assertThatThrownBy(() -> {
                    while (rows.next()) {
                        rows.getString(2);
                    }
                }).isInstanceOf(SQLException.class);
                assertThat(scalar(bystander, "SELECT 1")).isEqualTo("1");
                sb.sandbox().startHost(sb.host(slave), io.tantalum.cli.sandbox.Sandbox.Component.DB,
                        new java.io.PrintStream(java.io.OutputStream.nullOutputStream()));
                Await.until("host" + slave + " to be ONLINE again", Duration.ofSeconds(60), () -> sb.cluster()
                        .datasources().stream().anyMatch(d -> d.host().equals("host" + slave)
                                && d.state().equals("ONLINE") && "ONLINE".equals(d.replicator())), sb::describe);
            }
        }
        // the connector killed -9: its sessions end; started again, it serves new ones
        Connection lost = viaConnector(SandboxLayout.CONNECTOR_PORT, "");
        SandboxLayout.Host h1 = sb.host(1);
        sb.sandbox().kill(h1, io.tantalum.cli.sandbox.Sandbox.Component.CONNECTOR);
        assertThatThrownBy(() -> scalar(lost, "SELECT 1")).isInstanceOf(SQLException.class);
        lost.close();
        sb.sandbox().startHost(h1, io.tantalum.cli.sandbox.Sandbox.Component.CONNECTOR,
                new java.io.PrintStream(java.io.OutputStream.nullOutputStream()));
        Await.until("the connector to route again", Duration.ofSeconds(30), () -> {
            try (Connection c = viaConnector(SandboxLayout.CONNECTOR_PORT, "")) {
                return "1".equals(scalar(c, "SELECT 1"));
            } catch (RuntimeException | SQLException e) {
                return false;
            }
        }, sb::describe);
    }

    @Test
    @Order(9)
    void sysbenchThroughTheConnectorSeesNoErrorAcrossTenSwitches() throws Exception {
        try (Connection c = sb.app(HaChecks.topologyMaster(sb)); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE sbtest");
        }
        sysbench(10, "oltp_write_only", "prepare");
        for (String workload : List.of("oltp_write_only", "oltp_read_write")) {
            long deadlocksBefore = deadlocks();
            java.util.concurrent.CompletableFuture<String> run = java.util.concurrent.CompletableFuture.supplyAsync(
                    () -> sysbench(60, workload, "run"));
            int switches = 0;
            while (switches < 10 && !run.isDone()) {
                Thread.sleep(500);
                sb.manager(1).call(io.tantalum.api.ManagerApi.SWITCH, new io.tantalum.api.ManagerApi.SwitchRequest(null));
                switches++;
            }
            String out = run.get();
            assertThat(switches).as(workload + ": switches while sysbench ran; its output:\n" + out).isEqualTo(10);
            assertThat(out).as(workload).doesNotContain("FATAL").contains("transactions:");
            java.util.regex.Matcher ignored = java.util.regex.Pattern.compile("ignored errors:\\s+(\\d+)").matcher(out);
            assertThat(ignored.find()).isTrue();
            // sysbench retries deadlocks (1213) and counts them as ignored errors: each must be a real InnoDB
            // deadlock of the workload, not a transaction the connector rolled back
            assertThat(Long.parseLong(ignored.group(1))).as(workload + " ignored errors").isLessThanOrEqualTo(
                    deadlocks() - deadlocksBefore);
        }
        assertThat(sb.sandbox().connector().call(ConnectorApi.STATUS).readWriteSessions()).isZero();
        sb.awaitCaughtUp(Duration.ofSeconds(60));
        sb.assertSameData("sbtest", "conn");
    }

    /**
     * The whole ZooKeeper ensemble dies: the master's manager loses its lease and fences the master
     * (read-only, sessions ended); the connector, cut off too, routes to the master it knew only while
     * that master is writable. Sessions wait instead of failing, go on when a DBA makes the master
     * writable by hand, wait again when it is read-only again, and go on when ZooKeeper is back and
     * the coordinator lifts the fence.
     */
    @Test
    @Order(10)
    void withoutZooKeeperSessionsWaitWhileTheMasterIsFencedAndGoOnOnceItIsWritable() throws Exception {
        int m = HaChecks.topologyMaster(sb);
        java.io.PrintStream quiet = new java.io.PrintStream(java.io.OutputStream.nullOutputStream());
        try (Connection before = patient(); Statement b = before.createStatement()) {
            b.execute("CREATE DATABASE IF NOT EXISTS conn");
            b.execute("CREATE TABLE conn.nozk (id INT PRIMARY KEY, via VARCHAR(10))");
            b.execute("INSERT INTO conn.nozk VALUES (1, 'before')");
            for (int k = 1; k <= 3; k++) {
                sb.sandbox().kill(sb.host(k), io.tantalum.cli.sandbox.Sandbox.Component.ZOOKEEPER);
            }
            Await.until("the connector to lose ZooKeeper and stop routing", Duration.ofSeconds(30), () -> {
                ConnectorApi.ConnectorStatus st = sb.sandbox().connector().call(ConnectorApi.STATUS);
                return !List.of("CONNECTED", "RECONNECTED").contains(st.zookeeper()) && !st.routing();
            }, sb::describe);
            Await.until("the master's manager to fence it (its lease is lost)", Duration.ofSeconds(10),
                    () -> readOnly(m), sb::describe);
            // the connector checks the master's read_only every 250 ms: a check made just before the fence
            // still lets a session through (to a master that refuses its writes) until the next one
            Await.until("the connector to see the master fenced", Duration.ofSeconds(5),
                    () -> !sb.sandbox().connector().call(ConnectorApi.STATUS).routing(), sb::describe);
            var waiting = java.util.concurrent.CompletableFuture.supplyAsync(ConnectorIT::patient);
            Thread.sleep(1500);
            assertThat(waiting).as("a new session while the master is fenced").isNotDone();

            setReadOnly(m, false); // a DBA opens the master by hand: the connector serves it again
            try (Connection late = waiting.get(10, java.util.concurrent.TimeUnit.SECONDS)) {
                Sql.exec(late, "INSERT INTO conn.nozk VALUES (2, 'late')");
                assertThat(serverId(late)).isEqualTo(directServerId(m));
            }
            b.execute("INSERT INTO conn.nozk VALUES (3, 'before')"); // the open session reconnected, no error

            setReadOnly(m, true);
            Await.until("the connector to stop routing", Duration.ofSeconds(10), () -> !sb.sandbox().connector()
                    .call(ConnectorApi.STATUS).routing(), sb::describe);
            var afterZk = java.util.concurrent.CompletableFuture.supplyAsync(ConnectorIT::patient);
            Thread.sleep(1500);
            assertThat(afterZk).isNotDone();
            for (int k = 1; k <= 3; k++) {
                sb.sandbox().startHost(sb.host(k), io.tantalum.cli.sandbox.Sandbox.Component.ZOOKEEPER, quiet);
            }
            // the quorum is back, no failover happened: the coordinator lifts the fence, the session goes on
            try (Connection last = afterZk.get(60, java.util.concurrent.TimeUnit.SECONDS)) {
                Await.until("the coordinator to lift the fence", Duration.ofSeconds(30), () -> !readOnly(m),
                        sb::describe);
                Sql.exec(last, "INSERT INTO conn.nozk VALUES (4, 'after')");
            }
            assertThat(scalar(before, "SELECT GROUP_CONCAT(id ORDER BY id) FROM conn.nozk")).isEqualTo("1,2,3,4");
        } finally {
            for (int k = 1; k <= 3; k++) {
                if (sb.sandbox().daemon(sb.host(k), io.tantalum.cli.sandbox.Sandbox.Component.ZOOKEEPER)
                        .map(d -> !d.isRunning()).orElse(false)) {
                    sb.sandbox().startHost(sb.host(k), io.tantalum.cli.sandbox.Sandbox.Component.ZOOKEEPER, quiet);
                }
            }
        }
        sb.sandbox().awaitCoordinator(60_000);
        assertThat(sb.cctrl("-e", "cluster history 50").ok().stdout()).contains("UNFENCE");
        sb.awaitCaughtUp(Duration.ofSeconds(60));
        sb.assertSameData("conn");
    }

    /** A session through the connector whose client waits up to 60 s for the connector to answer. */
    static Connection patient() {
        try {
            return java.sql.DriverManager.getConnection("jdbc:mariadb://" + address() + ":"
                    + SandboxLayout.CONNECTOR_PORT + "/?connectTimeout=60000", sb.layout().appUser(),
                    sb.layout().appPassword());
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    static boolean readOnly(int k) {
        try (Connection admin = sb.admin(k)) {
            return "1".equals(scalar(admin, "SELECT @@read_only"));
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    static void setReadOnly(int k, boolean on) throws SQLException {
        try (Connection admin = sb.admin(k)) {
            Sql.exec(admin, "SET GLOBAL read_only = " + (on ? "ON" : "OFF"));
        }
    }

    /** Every host's InnoDB deadlock count, summed (a host's counter restarts with its server, which these tests do not restart). */
    static long deadlocks() throws SQLException {
        long n = 0;
        for (int k = 1; k <= 3; k++) {
            try (Connection c = sb.admin(k)) {
                n += Long.parseLong(scalarAt(c, "SHOW GLOBAL STATUS LIKE 'Innodb_deadlocks'", 2));
            }
        }
        return n;
    }

    static String scalarAt(Connection c, String sql, int column) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(column);
        }
    }

    /** sysbench through the connector's read/write port, 4 threads, server-side prepared statements (its default). */
    static String sysbench(int seconds, String workload, String command) {
        List<String> cmd = List.of("sysbench", "--db-driver=mysql", "--mysql-host=" + address(),
                "--mysql-port=" + SandboxLayout.CONNECTOR_PORT, "--mysql-user=" + sb.layout().appUser(),
                "--mysql-password=" + sb.layout().appPassword(), "--mysql-db=sbtest", "--tables=4",
                "--table-size=10000", "--threads=4", "--time=" + seconds, workload, command);
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor()).as("sysbench " + workload + " " + command + " exit code; output:\n" + out).isZero();
            return out;
        } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot run sysbench (apt-get install sysbench): " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static List<List<String>> rows(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            return rows(rs);
        }
    }

    static String scalar(Connection c, String sql) throws SQLException {
        return scalarAt(c, sql, 1);
    }

    static List<List<String>> directRows(String sql) throws SQLException {
        try (Connection c = sb.app(sb.master())) {
            return rows(c, sql);
        }
    }

    static List<List<String>> rows(ResultSet rs) throws SQLException {
        List<List<String>> out = new ArrayList<>();
        int n = rs.getMetaData().getColumnCount();
        while (rs.next()) {
            List<String> row = new ArrayList<>();
            for (int i = 1; i <= n; i++) {
                Object v = rs.getObject(i);
                row.add(v instanceof byte[] b ? java.util.HexFormat.of().formatHex(b) : v == null ? null : v.toString());
            }
            out.add(row);
        }
        return out;
    }
}
