package io.tantalum.manager;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * Asks one ZooKeeper member what it is, with its {@code srvr} four-letter command: {@code leader},
 * {@code follower} or {@code standalone} while it serves; {@code NOT-SERVING} when it runs without a
 * quorum; {@code STOPPED} when nothing answers. For {@code tpm sandbox status} and {@code tpm validate}.
 */
public final class ZooKeeperProbe {
    public static final String STOPPED = "STOPPED";
    public static final String NOT_SERVING = "NOT-SERVING";

    private ZooKeeperProbe() {}

    public static String mode(String address, int port) {
        return mode(null, address, port);
    }

    /** As {@link #mode(String, int)}, connecting from local address {@code from} (null: any). */
    public static String mode(String from, String address, int port) {
        try (Socket s = new Socket()) {
            if (from != null) {
                s.bind(new InetSocketAddress(from, 0));
            }
            s.connect(new InetSocketAddress(address, port), 1000);
            s.setSoTimeout(2000);
            OutputStream out = s.getOutputStream();
            out.write("srvr".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            String reply = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            for (String line : reply.split("\n")) {
                if (line.startsWith("Mode: ")) {
                    return line.substring(6).trim();
                }
            }
            if (reply.contains("not currently serving")) {
                return NOT_SERVING;
            }
            return reply.contains("not in the whitelist") ? "RUNNING" : NOT_SERVING;
        } catch (IOException e) {
            return STOPPED;
        }
    }
}
