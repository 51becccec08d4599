package io.tantalum.api;

import io.tantalum.common.ErrorCode;
import io.tantalum.common.TantalumException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * TLS for the THL stream and the admin APIs: this host's key and certificate chain (a PKCS12
 * keystore; null for a client that only verifies) and the certificate authorities it trusts (a
 * PKCS12 truststore). Peers are verified against the truststore and their host name or address.
 * Immutable; {@link #toString()} hides the passwords.
 */
public record TlsSettings(Path keystore, String keystorePassword, Path truststore, String truststorePassword) {
    @Override
    public String toString() {
        return "TlsSettings[keystore=" + keystore + ", truststore=" + truststore + ", passwords hidden]";
    }

    /** An SSL context for TLS 1.2/1.3 with these stores; errors name the file and what to do. */
    public SSLContext context() {
        try {
            KeyManagerFactory kmf = null;
            if (keystore != null) {
                kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(load(keystore, keystorePassword, "keystore"), chars(keystorePassword));
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(load(truststore, truststorePassword, "truststore"));
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new TantalumException(ErrorCode.INVALID_ARGUMENT, "Cannot set up TLS with keystore " + keystore
                    + " and truststore " + truststore + ": " + e.getMessage() + ". Check the files and their"
                    + " passwords (docs/security.md).", e);
        }
    }

    /** Loads a PKCS12 store; a wrong password or a damaged file is a clear error, not a stack trace. */
    public static KeyStore load(Path file, String password, String what) {
        if (file == null || !Files.isReadable(file)) {
            throw new TantalumException(ErrorCode.INVALID_ARGUMENT, "The TLS " + what + " " + file + " is missing or"
                    + " not readable by this user. Create it (docs/security.md) or fix its path in the INI.");
        }
        try (InputStream in = Files.newInputStream(file)) {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(in, chars(password));
            return ks;
        } catch (IOException | GeneralSecurityException e) {
            throw new TantalumException(ErrorCode.INVALID_ARGUMENT, "Cannot open the TLS " + what + " " + file + ": "
                    + e.getMessage() + " (a wrong password, or not a PKCS12 file).", e);
        }
    }

    private static char[] chars(String password) {
        return password == null ? new char[0] : password.toCharArray();
    }
}
