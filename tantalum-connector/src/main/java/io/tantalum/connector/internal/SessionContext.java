package io.tantalum.connector.internal;

import io.tantalum.connector.Accounts;
import java.net.InetSocketAddress;
import java.util.Optional;

/** What a session needs from its connector: accounts, routes, and the counters it keeps. */
public interface SessionContext {
    Accounts accounts();

    /** Where a new session of this kind goes now: host name and address; empty without a master. */
    Optional<Route> route(boolean readOnly);

    /** The server version and character set clients are greeted with (the master's). */
    String serverVersion();

    int serverCharset();

    /** The master's MariaDB extended capabilities (0 for MySQL), of which clients are offered {@link Session#MARIADB_CAPABILITIES}. */
    int serverMariaDbCapabilities();

    long nextConnectionId();

    void opened(Session s);

    void closed(Session s);

    /**
     * True when a session without a route should wait for one rather than fail: ZooKeeper cannot be
     * reached, and a route appears when it can again or when the last known master is seen writable.
     */
    boolean routeMayAppear();

    /** True while a switch holds sessions: new sessions wait before they pick a backend. */
    boolean holding();

    /** Bytes a session relayed from its client to its backend and back (metrics). */
    default void relayed(long fromClient, long toClient) {}

    /** A session the connector ended with an error, by cause (metrics): see {@link Session#cause}. */
    default void failed(String cause) {}

    /** A backend a session is connected to. */
    record Route(String host, InetSocketAddress address) {}
}
