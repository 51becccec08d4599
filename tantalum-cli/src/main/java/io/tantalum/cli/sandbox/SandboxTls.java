package io.tantalum.cli.sandbox;

import io.tantalum.api.Secrets;
import io.tantalum.common.ErrorCode;
import io.tantalum.common.TantalumException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The private certificate authority of a sandbox deployed with {@code --tls}: a CA key pair, a
 * truststore holding its certificate, and for each host a keystore with the host's key and a
 * certificate signed by the CA whose subject alternative names are the host's address and name.
 * Made with the JDK's {@code keytool}; passwords go through the environment, never the command
 * line.
 */
public final class SandboxTls {
    /** The stores and their passwords, as the INI names them. */
    public record Stores(String keystorePattern, String keystorePassword, Path truststore, String truststorePassword) {
        @Override
        public String toString() {
            return "Stores[" + keystorePattern + ", " + truststore + ", passwords hidden]";
        }
    }

    private static final String PASS_ENV = "TANTALUM_KEYTOOL_PASS";
    private final Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");

    /** Creates the CA in {@code dir/tls} and one keystore per host in {@code <home>/tls/keystore.p12}. */
    public Stores create(Path dir, List<SandboxLayout.Host> hosts) {
        Path tls = dir.resolve("tls");
        String caPass = Secrets.generate();
        String storePass = Secrets.generate();
        String trustPass = Secrets.generate();
        try {
            Files.createDirectories(tls);
            Path ca = tls.resolve("ca.p12");
            Path caPem = tls.resolve("ca.pem");
            keytool(caPass, "-genkeypair", "-alias", "ca", "-keyalg", "EC", "-groupname", "secp256r1", "-dname",
                    "CN=Tantalum sandbox CA", "-ext", "bc:c", "-validity", "825", "-storetype", "PKCS12",
                    "-keystore", ca.toString());
            keytool(caPass, "-exportcert", "-alias", "ca", "-rfc", "-keystore", ca.toString(), "-file",
                    caPem.toString());
            Path trust = tls.resolve("truststore.p12");
            keytool(trustPass, "-importcert", "-noprompt", "-alias", "ca", "-file", caPem.toString(), "-storetype",
                    "PKCS12", "-keystore", trust.toString());
            for (SandboxLayout.Host h : hosts) {
                hostKeystore(h, ca, caPass, caPem, storePass);
            }
            return new Stores(dir + "/{host}/tls/keystore.p12", storePass, trust, trustPass);
        } catch (IOException e) {
            throw new TantalumException(ErrorCode.UNAVAILABLE, "Cannot create the sandbox's certificates in " + tls
                    + ": " + e.getMessage(), e);
        }
    }

    /** A second, unrelated CA's truststore: what a host configured with the wrong CA holds. */
    public Path foreignTruststore(Path file, String password) throws IOException {
        Path ca = file.resolveSibling("foreign-ca.p12");
        Path pem = file.resolveSibling("foreign-ca.pem");
        keytool(password, "-genkeypair", "-alias", "ca", "-keyalg", "EC", "-groupname", "secp256r1", "-dname",
                "CN=Some other CA", "-ext", "bc:c", "-validity", "30", "-storetype", "PKCS12", "-keystore",
                ca.toString());
        keytool(password, "-exportcert", "-alias", "ca", "-rfc", "-keystore", ca.toString(), "-file", pem.toString());
        keytool(password, "-importcert", "-noprompt", "-alias", "ca", "-file", pem.toString(), "-storetype", "PKCS12",
                "-keystore", file.toString());
        return file;
    }

    private void hostKeystore(SandboxLayout.Host h, Path ca, String caPass, Path caPem, String storePass)
            throws IOException {
        Path dir = h.homePath().resolve("tls");
        Files.createDirectories(dir);
        Path ks = dir.resolve("keystore.p12");
        Path csr = dir.resolve("host.csr");
        Path cert = dir.resolve("host.pem");
        keytool(storePass, "-genkeypair", "-alias", "host", "-keyalg", "EC", "-groupname", "secp256r1", "-dname",
                "CN=" + h.name(), "-validity", "825", "-storetype", "PKCS12", "-keystore", ks.toString());
        keytool(storePass, "-certreq", "-alias", "host", "-keystore", ks.toString(), "-file", csr.toString());
        keytool(caPass, "-gencert", "-alias", "ca", "-keystore", ca.toString(), "-infile", csr.toString(), "-outfile",
                cert.toString(), "-rfc", "-validity", "825", "-ext", "san=ip:" + h.address() + ",dns:" + h.name(),
                "-ext", "ku:c=digitalSignature,keyEncipherment", "-ext", "eku=serverAuth,clientAuth");
        keytool(storePass, "-importcert", "-noprompt", "-alias", "ca", "-file", caPem.toString(), "-keystore",
                ks.toString());
        keytool(storePass, "-importcert", "-noprompt", "-alias", "host", "-file", cert.toString(), "-keystore", ks.toString());
        Files.delete(csr);
    }

    /** Runs keytool with {@code password} as both store and key password, passed in the environment. */
    private void keytool(String password, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(keytool.toString()));
        cmd.addAll(List.of(args));
        cmd.addAll(List.of("-storepass:env", PASS_ENV));
        if (List.of(args).contains("-genkeypair")) {
            cmd.addAll(List.of("-keypass:env", PASS_ENV));
        }
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put(PASS_ENV, password);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new IOException("keytool " + args[0] + " failed: " + out.trim());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        }
    }
}
