package io.tantalum.api;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;

/** Generating and comparing secrets (admin tokens, service secrets). Thread-safe. */
public final class Secrets {
    private static final SecureRandom RANDOM = new SecureRandom();

    private Secrets() {}

    /** A new random secret: 32 bytes (256 bits) as 64 hex digits. */
    public static String generate() {
        byte[] b = new byte[32];
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    /** Random bytes, e.g. a challenge nonce. */
    public static byte[] nonce(int length) {
        byte[] b = new byte[length];
        RANDOM.nextBytes(b);
        return b;
    }

    /**
     * The read-only viewer token of an admin token: HMAC-SHA256 of a fixed label keyed by the admin
     * token, so every daemon derives the same one without configuration, it changes with the admin
     * token, and it does not reveal the admin token. Its holder may read states and figures
     * (status, topology, history, /metrics, the web view) but neither act nor read application rows.
     */
    public static String viewerToken(String adminToken) {
        try {
            javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
            mac.init(new javax.crypto.spec.SecretKeySpec(adminToken.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return "viewer-" + HexFormat.of().formatHex(mac.doFinal("tantalum viewer token 1"
                    .getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every Java runtime", e);
        }
    }

    /**
     * True when both are equal, in a time that depends on neither (both are hashed first, so not
     * even the length leaks). A null never matches.
     */
    public static boolean matches(String presented, String expected) {
        if (presented == null || expected == null || expected.isEmpty()) {
            return false;
        }
        return MessageDigest.isEqual(sha256(presented), sha256(expected));
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }
}
