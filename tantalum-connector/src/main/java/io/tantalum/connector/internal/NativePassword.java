package io.tantalum.connector.internal;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * {@code mysql_native_password} seen from a proxy. The server stores {@code SHA1(SHA1(password))}
 * (as {@code *HEX}); a client proves it knows the password by sending
 * {@code SHA1(password) XOR SHA1(scramble + SHA1(SHA1(password)))}. From that answer and the
 * stored hash the connector recovers {@code SHA1(password)} (never the password), checks it
 * against the stored hash, and keeps it to answer any server's scramble for the same account:
 * that is how a session moves to a new master without Tantalum storing a password.
 */
public final class NativePassword {
    public static final String PLUGIN = "mysql_native_password";

    private NativePassword() {}

    /** The client's answer to {@code scramble} for {@code password} (what a client computes). */
    public static byte[] answer(String password, byte[] scramble) {
        if (password.isEmpty()) {
            return new byte[0];
        }
        byte[] stage1 = sha1(password.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        return answerWithStage1(stage1, scramble);
    }

    /** The answer to {@code scramble} from {@code SHA1(password)}: what the connector sends a backend. */
    public static byte[] answerWithStage1(byte[] stage1, byte[] scramble) {
        if (stage1.length == 0) {
            return new byte[0];
        }
        return xor(stage1, sha1(scramble, sha1(stage1)));
    }

    /**
     * {@code SHA1(password)} if {@code answer} proves the password whose stored hash is
     * {@code storedHash} ({@code *HEX}, or empty for no password); null when it does not.
     */
    public static byte[] verify(byte[] answer, byte[] scramble, String storedHash) {
        if (storedHash == null) {
            return null;
        }
        if (storedHash.isEmpty()) {
            return answer.length == 0 ? new byte[0] : null;
        }
        if (answer.length != 20 || storedHash.length() != 41 || storedHash.charAt(0) != '*') {
            return null;
        }
        byte[] stage2 = HexFormat.of().parseHex(storedHash.substring(1));
        byte[] stage1 = xor(answer, sha1(scramble, stage2));
        return MessageDigest.isEqual(sha1(stage1), stage2) ? stage1 : null;
    }

    /** The stored form of a password: {@code *} and the upper-case hex of {@code SHA1(SHA1(password))}. */
    public static String storedHash(String password) {
        return "*" + HexFormat.of().withUpperCase().formatHex(sha1(sha1(password.getBytes(
                java.nio.charset.StandardCharsets.UTF_8))));
    }

    static byte[] sha1(byte[]... parts) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-1");
            for (byte[] p : parts) {
                md.update(p);
            }
            return md.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-1", e);
        }
    }

    private static byte[] xor(byte[] a, byte[] b) {
        byte[] out = new byte[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = (byte) (a[i] ^ b[i]);
        }
        return out;
    }
}
