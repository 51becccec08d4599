package io.tantalum.replicator.internal.ship;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Proof that a THL peer belongs to the service, without the secret crossing the wire: each side
 * sends a fresh random nonce, and each proves that it knows the service secret with
 * HMAC-SHA256(secret, role | service | slave host | slave nonce | master nonce). The role label
 * ({@code slave} or {@code master}) keeps one side's proof from being replayed as the other's;
 * the nonces keep an old proof from being replayed at all. Immutable, thread-safe.
 */
final class ThlMembership {
    static final int NONCE_BYTES = 32;
    static final int PROOF_BYTES = 32;

    private final String service;
    private final byte[] secret;

    ThlMembership(String service, String secret) {
        this.service = service;
        this.secret = secret.getBytes(StandardCharsets.UTF_8);
    }

    byte[] slaveProof(String slaveHost, byte[] slaveNonce, byte[] masterNonce) {
        return proof("slave", slaveHost, slaveNonce, masterNonce);
    }

    byte[] masterProof(String slaveHost, byte[] slaveNonce, byte[] masterNonce) {
        return proof("master", slaveHost, slaveNonce, masterNonce);
    }

    /** Compares in constant time. */
    static boolean same(byte[] expected, byte[] presented) {
        return MessageDigest.isEqual(expected, presented);
    }

    private byte[] proof(String role, String slaveHost, byte[] slaveNonce, byte[] masterNonce) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            for (String s : new String[] {role, service, slaveHost}) {
                byte[] b = s.getBytes(StandardCharsets.UTF_8);
                mac.update((byte) (b.length >>> 8));
                mac.update((byte) b.length);
                mac.update(b);
            }
            mac.update(slaveNonce);
            mac.update(masterNonce);
            return mac.doFinal();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every Java runtime", e);
        }
    }
}
