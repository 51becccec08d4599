package io.tantalum.cli.validate;

import io.tantalum.api.TlsSettings;
import io.tantalum.cli.config.IniKey;
import io.tantalum.cli.config.TantalumConfig;
import io.tantalum.common.TantalumException;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Reads a host's TLS certificate and checks it against the truststore, for {@code TlsCertificateCheck}. */
final class Certificates {
    private Certificates() {}

    static HostFacts.Certificate inspect(TantalumConfig.Service s, String host) {
        String keystore = s.path(IniKey.TLS_KEYSTORE, host).toString();
        try {
            KeyStore ks = TlsSettings.load(s.path(IniKey.TLS_KEYSTORE, host), s.string(IniKey.TLS_KEYSTORE_PASSWORD),
                    "keystore");
            KeyStore trust = TlsSettings.load(s.path(IniKey.TLS_TRUSTSTORE, host),
                    s.string(IniKey.TLS_TRUSTSTORE_PASSWORD), "truststore");
            X509Certificate cert = null;
            for (String alias : Collections.list(ks.aliases())) {
                if (ks.isKeyEntry(alias) && ks.getCertificate(alias) instanceof X509Certificate x) {
                    cert = x;
                }
            }
            if (cert == null) {
                return new HostFacts.Certificate(keystore, "the keystore " + keystore + " holds no key with a"
                        + " certificate", null, List.of());
            }
            List<String> names = new ArrayList<>();
            if (cert.getSubjectAlternativeNames() != null) {
                for (List<?> n : cert.getSubjectAlternativeNames()) {
                    names.add(String.valueOf(n.get(1)));
                }
            }
            String problem = signedByTrusted(cert, trust) ? null : "the certificate in " + keystore + " (issuer "
                    + cert.getIssuerX500Principal().getName() + ") is not signed by a CA of the truststore";
            return new HostFacts.Certificate(keystore, problem, cert.getNotAfter().toInstant(), names);
        } catch (TantalumException | GeneralSecurityException e) {
            return new HostFacts.Certificate(keystore, e.getMessage(), null, List.of());
        }
    }

    private static boolean signedByTrusted(X509Certificate cert, KeyStore trust) throws GeneralSecurityException {
        for (String alias : Collections.list(trust.aliases())) {
            Certificate ca = trust.getCertificate(alias);
            if (ca == null) {
                continue;
            }
            try {
                cert.verify(ca.getPublicKey());
                return true;
            } catch (GeneralSecurityException e) {
                // not this CA
            }
        }
        return false;
    }
}
