package io.tantalum.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.tantalum.api.AdminClient;
import io.tantalum.api.Endpoint;
import io.tantalum.api.ReplicatorApi;
import io.tantalum.api.ReplicatorStatus;
import io.tantalum.api.Secrets;
import io.tantalum.cli.install.JavaRuntime;
import io.tantalum.cli.install.DaemonProcess;
import io.tantalum.cli.sandbox.SandboxLayout;
import io.tantalum.testkit.Await;
import io.tantalum.testkit.Sql;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The doors of a dataservice, tried as a stranger would: the admin API without or with a wrong
 * token, actions asked with GET, a plain TCP client and a replicator of another service on the
 * THL port, and a server posing as the master. Each is refused and changes nothing.
 */
@Sandboxed(hosts = 3)
class SecurityIT {
    static SandboxFixture sb;
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    /** What a refused request must not have changed: states, stored THL, catalog, the master's read_only. */
    private record Snapshot(List<String> states, Map<String, Long> thlFiles, List<List<Object>> catalog,
            Object masterReadOnly) {}

    private static Snapshot snapshot() throws Exception {
        List<String> states = new ArrayList<>();
        for (int k = 1; k <= 3; k++) {
            states.add(sb.state(k));
        }
        Map<String, Long> files = new TreeMap<>();
        for (int k = 1; k <= 3; k++) {
            try (Stream<Path> s = Files.list(sb.sandbox().thlDirectory(sb.host(k)))) {
                for (Path f : s.toList()) {
                    files.put(f.toString(), Files.size(f));
                }
            }
        }
        List<List<Object>> catalog;
        try (Connection c = sb.admin(2)) {
            catalog = Sql.query(c, "SELECT * FROM tantalum_alpha.trep_commit_seqno");
        }
        try (Connection c = sb.admin(1)) {
            return new Snapshot(states, files, catalog, Sql.query(c, "SELECT @@GLOBAL.read_only").get(0).get(0));
        }
    }

    private static HttpResponse<String> send(SandboxLayout.Host h, String method, String path, String token)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://" + h.address() + ":" + h.adminPort() + path))
                .timeout(Duration.ofSeconds(30));
        b.method(method, method.equals("POST") ? HttpRequest.BodyPublishers.ofString(bodyFor(path))
                : HttpRequest.BodyPublishers.noBody());
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A request body that would do the most damage if it were obeyed. */
    private static String bodyFor(String path) {
        return switch (path) {
            case "/api/v1/reset" -> "{\"thl\":true,\"db\":true}";
            case "/api/v1/offline" -> "{\"immediate\":true}";
            case "/api/v1/setrole" -> "{\"role\":\"master\"}";
            case "/api/v1/offline-deferred" -> "{\"at\":{\"seqno\":0}}";
            default -> "{}";
        };
    }

    private static String token() {
        return sb.replicatorToken();
    }

    @Test
    void everyAdminEndpointRefusesAMissingOrWrongTokenAndChangesNothing() throws Exception {
        Snapshot before = snapshot();
        String real = token();
        String wrong = real.substring(0, real.length() - 1) + (real.endsWith("0") ? "1" : "0");
        for (SandboxLayout.Host h : List.of(sb.host(1), sb.host(2))) {
            for (Endpoint<?, ?> e : ReplicatorApi.PROTECTED) {
                for (String token : new String[] {null, "", wrong, Secrets.generate()}) {
                    HttpResponse<String> r = send(h, e.method().name(), e.path(), token);
                    assertThat(r.statusCode()).as(e.method() + " " + e.path() + " with token " + token).isEqualTo(401);
                    assertThat(r.body()).contains("UNAUTHENTICATED").doesNotContain(real);
                    assertThat(r.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> v.startsWith("Bearer"));
                }
            }
        }
        assertThat(snapshot()).isEqualTo(before);
        assertThat(send(sb.host(2), "GET", "/health", null).statusCode()).as("/health needs no token").isEqualTo(200);
    }

    @Test
    void getOnEveryActionIs405AndChangesNothing() throws Exception {
        Snapshot before = snapshot();
        for (Endpoint<?, ?> e : ReplicatorApi.PROTECTED) {
            String wrongMethod = e.method() == Endpoint.Method.POST ? "GET" : "POST";
            HttpResponse<String> r = send(sb.host(2), wrongMethod, e.path(), token());
            assertThat(r.statusCode()).as(wrongMethod + " " + e.path()).isEqualTo(405);
            assertThat(r.headers().firstValue("Allow")).hasValue(e.method().name());
            assertThat(r.body()).contains(wrongMethod + " is not allowed on " + e.path());
        }
        assertThat(snapshot()).isEqualTo(before);
    }

    @Test
    void theClisSayWhyATokenIsRefused() throws Exception {
        Path other = Files.createTempDirectory("ini");
        try {
            Files.copy(sb.sandbox().iniFile(), other.resolve("tantalum.ini"));
            Files.writeString(other.resolve("alpha.secrets"), "admin-token=" + Secrets.generate() + "\n");
            SandboxFixture.CliResult r = sb.cli(Map.of("TANTALUM_INI", other.resolve("tantalum.ini").toString()),
                    "io.tantalum.cli.TrepctlMain", "-host", "host2", "offline");
            assertThat(r.exitCode()).as(r.all()).isEqualTo(9);
            assertThat(r.all()).contains("refused the request: the admin token from " + other.resolve("alpha.secrets")
                    + " is not this daemon's");
            assertThat(sb.state(2)).isEqualTo("ONLINE");
        } finally {
            io.tantalum.cli.install.Installer.deleteTree(other);
        }
    }

    @Test
    void aPlainTcpClientOnTheThlPortGetsNothing() throws Exception {
        SandboxLayout.Host master = sb.host(1);
        try (Socket s = new Socket()) {
            s.bind(new InetSocketAddress(InetAddress.getByName(sb.host(3).address()), 0));
            s.connect(new InetSocketAddress(master.address(), master.thlPort()), 5000);
            s.setSoTimeout(30_000);
            s.getOutputStream().write("GET / HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(readAll(s.getInputStream())).as("bytes sent to a stranger").isEmpty();
            String local = s.getLocalAddress().getHostAddress() + ":" + s.getLocalPort();
            Await.until("the master to log the refused address", Duration.ofSeconds(30),
                    () -> log(1).contains("refused THL connection from /" + local + ": not a Tantalum THL client"));
        }
    }

    @Test
    void aClientThatSpeaksTheProtocolButIsNotAMemberGetsARefusalAndNothingElse() throws Exception {
        SandboxLayout.Host master = sb.host(1);
        try (Socket s = new Socket(master.address(), master.thlPort())) {
            s.setSoTimeout(30_000);
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            DataInputStream in = new DataInputStream(s.getInputStream());
            out.writeUTF("TANTALUM-THL/2");
            out.writeUTF("alpha");
            out.writeUTF("intruder");
            out.write(Secrets.nonce(32));
            out.flush();
            in.readFully(new byte[32]);
            out.write(Secrets.nonce(32));
            out.flush();
            assertThat(in.readBoolean()).as("accepted").isFalse();
            assertThat(in.readUTF()).contains("not a member of service 'alpha'");
            assertThat(readAll(in)).as("anything after the refusal").isEmpty();
        }
        Await.until("the master to log the refusal", Duration.ofSeconds(30),
                () -> log(1).contains("(slave 'intruder' of service 'alpha'): not a member"));
    }

    @Test
    void aReplicatorOfAnotherServiceGetsNoThl() throws Exception {
        SandboxLayout.Host h3 = sb.host(3);
        Path home = sb.dir().resolve("intruder");
        Files.createDirectories(home.resolve("thl"));
        Properties p = new Properties();
        p.setProperty("service.name", "beta");
        p.setProperty("replicator.host", "intruder");
        p.setProperty("replicator.role", "slave");
        p.setProperty("replicator.bind.address", h3.address());
        p.setProperty("replicator.thl.port", "2119");
        p.setProperty("replicator.admin.port", "10019");
        p.setProperty("replicator.master.uri", "thl://" + sb.host(1).address() + ":" + sb.host(1).thlPort() + "/");
        p.setProperty("thl.directory", home.resolve("thl").toString());
        p.setProperty("db.host", h3.address());
        p.setProperty("db.port", Integer.toString(h3.dbPort()));
        p.setProperty("db.user", sb.layout().replicatorUser());
        p.setProperty("db.password", sb.layout().replicatorPassword());
        String token = Secrets.generate();
        p.setProperty("replicator.admin.token", token);
        p.setProperty("replicator.service.secret", Secrets.generate());
        Path conf = home.resolve("beta.properties");
        try (var w = Files.newBufferedWriter(conf)) {
            p.store(w, "a replicator of another service");
        }
        DaemonProcess intruder = new DaemonProcess("intruder/beta", JavaRuntime.of(""), conf,
                home.resolve("beta.pid"), home.resolve("beta.log"));
        intruder.start();
        try {
            AdminClient c = new AdminClient("intruder", h3.address(), 10019,
                    new AdminClient.Credentials(token, "test", null), 10);
            Await.until("the intruder to be refused", Duration.ofSeconds(60),
                    () -> c.call(ReplicatorApi.STATUS).state().equals("OFFLINE:ERROR"));
            ReplicatorStatus st = c.call(ReplicatorApi.STATUS);
            assertThat(st.pendingError()).contains("refused this slave", "this master serves service 'alpha', not"
                    + " 'beta'");
            assertThat(st.maximumStoredSeqNo()).as("THL stored by the intruder").isEqualTo(-1);
            assertThat(log(1)).contains("refused THL connection from /" + h3.address());
        } finally {
            intruder.stop();
            try (Connection c = sb.admin(3)) {
                Sql.exec(c, "DROP DATABASE IF EXISTS tantalum_beta");
            }
        }
    }

    @Test
    void aSlaveRefusesAMasterThatCannotProveItIsAMember() throws Exception {
        SandboxLayout.Host h3 = sb.host(3);
        AtomicInteger bytesAfterProof = new AtomicInteger(-1);
        try (ServerSocket impostor = new ServerSocket()) {
            impostor.bind(new InetSocketAddress(InetAddress.getByName(h3.address()), 2118));
            Thread t = new Thread(() -> poseAsMaster(impostor, bytesAfterProof), "impostor");
            t.setDaemon(true);
            t.start();
            sb.trepctl("-host", "host3", "offline").ok();
            sb.trepctl("-host", "host3", "setrole", "-role", "slave", "-uri", "thl://" + h3.address() + ":2118/").ok();
            sb.trepctl("-host", "host3", "online");
            sb.awaitState(3, "OFFLINE:ERROR");
            assertThat(sb.status(3).pendingError()).contains("is not a member of service 'alpha'",
                    "takes nothing from it");
            t.join(30_000);
            assertThat(bytesAfterProof.get()).as("bytes the slave sent after the impostor's proof").isZero();
        } finally {
            sb.trepctl("-host", "host3", "offline");
            sb.trepctl("-host", "host3", "setrole", "-role", "slave", "-uri", "thl://host1:2112/").ok();
            sb.trepctl("-host", "host3", "online").ok();
            sb.awaitState(3, "ONLINE");
        }
    }

    /** Speaks protocol 2 with a made-up proof, then counts what the slave still sends. */
    private static void poseAsMaster(ServerSocket impostor, AtomicInteger bytesAfterProof) {
        try (Socket s = impostor.accept()) {
            s.setSoTimeout(10_000);
            DataInputStream in = new DataInputStream(s.getInputStream());
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            in.readUTF();
            in.readUTF();
            in.readUTF();
            in.readFully(new byte[32]);
            out.write(Secrets.nonce(32));
            out.flush();
            in.readFully(new byte[32]);
            out.writeBoolean(true);
            out.writeUTF("ok");
            out.write(Secrets.nonce(32));
            out.flush();
            bytesAfterProof.set(readAll(in).length);
        } catch (IOException e) {
            bytesAfterProof.set(-2);
        }
    }

    private static byte[] readAll(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        byte[] buf = new byte[4096];
        int n;
        while ((n = in.read(buf)) > 0) {
            b.write(buf, 0, n);
        }
        return b.toByteArray();
    }

    private static String log(int k) {
        try {
            return Files.readString(sb.sandbox().replicatorLog(sb.host(k)));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
