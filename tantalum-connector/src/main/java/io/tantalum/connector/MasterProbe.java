package io.tantalum.connector;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * While ZooKeeper cannot be reached, checks every {@link #PERIOD_MILLIS} ms whether the master the
 * connector last knew is still writable ({@code SELECT @@global.read_only}, with the connector's
 * own database account, over one connection kept while needed). {@link Router#routeWithoutZooKeeper}
 * decides from the last check. Idle (no connection) while ZooKeeper is reachable.
 */
final class MasterProbe implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MasterProbe.class);
    static final long PERIOD_MILLIS = 250;
    /** A check older than this does not let a session through. */
    static final long MAX_AGE_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final BooleanSupplier needed;
    private final Supplier<String> master;
    private final java.util.function.Function<String, String> address;
    private final int port;
    private final Properties login = new Properties();
    private final Runnable becameWritable;
    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "tantalum-connector-master-probe");
        t.setDaemon(true);
        return t;
    });
    private volatile Router.MasterCheck last;
    private Connection connection;
    private String connectedTo;

    /**
     * @param needed true while ZooKeeper cannot be reached
     * @param master the master the last topology named (null: none known)
     * @param becameWritable called when a check finds the master writable after one that did not
     */
    MasterProbe(BooleanSupplier needed, Supplier<String> master, java.util.function.Function<String, String> address,
            int port, String user, String password, Runnable becameWritable) {
        this.needed = needed;
        this.master = master;
        this.address = address;
        this.port = port;
        this.becameWritable = becameWritable;
        login.setProperty("user", user);
        login.setProperty("password", password);
        login.setProperty("connectTimeout", "1000");
        login.setProperty("socketTimeout", "1000");
    }

    void start() {
        thread.scheduleWithFixedDelay(this::tick, PERIOD_MILLIS, PERIOD_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** The last check (null while ZooKeeper is reachable, or before the first check). */
    Router.MasterCheck last() {
        return last;
    }

    private void tick() {
        String host = needed.getAsBoolean() ? master.get() : null;
        if (host == null) {
            last = null;
            disconnect();
            return;
        }
        Router.MasterCheck was = last;
        boolean writable = writable(host);
        last = new Router.MasterCheck(host, writable, System.nanoTime());
        boolean wasWritable = was != null && was.writable() && was.host().equals(host);
        if (writable != wasWritable) {
            LOG.warn("ZooKeeper cannot be reached: the last known master {} is {}", host, writable
                    ? "writable; new sessions go to it" : "not confirmed writable; new sessions wait");
        }
        if (writable && !wasWritable) {
            becameWritable.run();
        }
    }

    private boolean writable(String host) {
        try {
            if (connection == null || !host.equals(connectedTo)) {
                disconnect();
                connection = DriverManager.getConnection("jdbc:mariadb://" + address.apply(host) + ":" + port + "/",
                        login);
                connectedTo = host;
            }
            try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery("SELECT @@global.read_only")) {
                return rs.next() && rs.getInt(1) == 0;
            }
        } catch (SQLException e) {
            disconnect();
            return false;
        }
    }

    private void disconnect() {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException e) {
                // the server may be gone: nothing to close
            }
            connection = null;
            connectedTo = null;
        }
    }

    @Override
    public void close() {
        thread.shutdownNow();
        try {
            thread.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        disconnect();
    }
}
