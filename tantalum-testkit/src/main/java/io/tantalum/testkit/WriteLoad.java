package io.tantalum.testkit;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * A client that keeps writing to the master: each transaction inserts one ledger row with a
 * unique transaction number (and no primary key, so a duplicate apply would show as an extra
 * row) and updates a counter row. Reconnects on its own when its connection fails. Records
 * every transaction the server acknowledged.
 */
public final class WriteLoad implements AutoCloseable {
    private final Supplier<Connection> connector;
    private final String schema;
    private final List<Long> acknowledged = Collections.synchronizedList(new ArrayList<>());
    private final AtomicLong errors = new AtomicLong();
    private volatile long lastAckNanos = System.nanoTime();
    private volatile long maxGapNanos;
    private volatile boolean running = true;
    private final Thread thread;

    public WriteLoad(Supplier<Connection> connector, String schema) {
        this.connector = connector;
        this.schema = schema;
        try (Connection c = connector.get()) {
            Sql.exec(c, "CREATE DATABASE IF NOT EXISTS " + schema,
                    "CREATE TABLE IF NOT EXISTS " + schema + ".ledger (txn BIGINT NOT NULL, payload VARCHAR(64),"
                            + " created DATETIME(6) DEFAULT NOW(6))",
                    "CREATE TABLE IF NOT EXISTS " + schema + ".counter (id INT PRIMARY KEY, n BIGINT NOT NULL)",
                    "INSERT IGNORE INTO " + schema + ".counter VALUES (1, 0)");
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        thread = new Thread(this::run, "test-write-load");
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        long txn = 0;
        while (running) {
            try (Connection c = connector.get()) {
                c.setAutoCommit(false);
                try (PreparedStatement ins = c.prepareStatement("INSERT INTO " + schema + ".ledger (txn, payload)"
                        + " VALUES (?, ?)");
                        PreparedStatement upd = c.prepareStatement("UPDATE " + schema + ".counter SET n = n + 1"
                                + " WHERE id = 1")) {
                    while (running) {
                        txn++;
                        ins.setLong(1, txn);
                        ins.setString(2, "payload-" + txn);
                        ins.executeUpdate();
                        upd.executeUpdate();
                        c.commit();
                        acknowledged.add(txn);
                        long now = System.nanoTime();
                        maxGapNanos = Math.max(maxGapNanos, now - lastAckNanos);
                        lastAckNanos = now;
                    }
                }
            } catch (SQLException | RuntimeException e) {
                errors.incrementAndGet();
                Await.pause(200);
            }
        }
    }

    public int acknowledgedCount() {
        return acknowledged.size();
    }

    public List<Long> acknowledged() {
        synchronized (acknowledged) {
            return List.copyOf(acknowledged);
        }
    }

    /** The longest time between two acknowledged transactions so far (or since {@link #resetGap()}). */
    public long maxGapMillis() {
        return maxGapNanos / 1_000_000;
    }

    /** Starts measuring the longest gap afresh. */
    public void resetGap() {
        lastAckNanos = System.nanoTime();
        maxGapNanos = 0;
    }

    public long errors() {
        return errors.get();
    }

    /** Stops writing and waits for the writer thread. */
    @Override
    public void close() {
        running = false;
        try {
            thread.join(30_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
