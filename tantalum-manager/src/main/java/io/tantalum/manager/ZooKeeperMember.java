package io.tantalum.manager;

import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.zookeeper.server.quorum.QuorumPeerMain;

/**
 * Runs one ZooKeeper ensemble member with ZooKeeper's own server classes:
 * {@code ZooKeeperMember ZOO.CFG [PIDFILE]}. It writes its pid file, then hands over to
 * {@link QuorumPeerMain} (standalone when the configuration lists no {@code server.N}). {@code tpm
 * install} (with {@code zookeeper-install=true}) and the sandbox start it like the other daemons,
 * so that it is a process of its own that a test can kill.
 */
public final class ZooKeeperMember {
    private ZooKeeperMember() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: ZooKeeperMember ZOO.CFG [PIDFILE]");
            System.exit(2);
        }
        if (args.length > 1) {
            Files.writeString(Path.of(args[1]), Long.toString(ProcessHandle.current().pid()));
        }
        QuorumPeerMain.main(new String[] {args[0]});
    }
}
