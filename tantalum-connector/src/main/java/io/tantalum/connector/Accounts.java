package io.tantalum.connector;

import io.tantalum.common.ErrorCode;
import io.tantalum.common.TantalumException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The database accounts clients log in with, read from {@code mysql.user} on the master (its
 * password hashes only; never a password). Loaded on first use and again when a login names an
 * account or hash that is not known yet (a new account, a changed password), at most once a
 * second. JDBC runs on the store's own thread, never on a connector event loop.
 */
public final class Accounts implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Accounts.class);
    private static final long RELOAD_MILLIS = 1000;

    /** One row of {@code mysql.user}: {@code hash} is {@code *HEX} for {@code mysql_native_password}, empty for none. */
    public record Account(String user, String host, String plugin, String hash) {
        /** The plugins whose hash the connector can verify and answer with. */
        public boolean nativePassword() {
            return plugin.isEmpty() || plugin.equals("mysql_native_password")
                    || (plugin.equals("mysql_old_password") && hash.isEmpty());
        }
    }

    private final Supplier<String> masterAddress;
    private final int port;
    private final String user;
    private final String password;
    private final ExecutorService jdbc = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "tantalum-connector-accounts");
        t.setDaemon(true);
        return t;
    });
    private volatile List<Account> accounts;
    private volatile long loadedAt;

    public Accounts(Supplier<String> masterAddress, int port, String user, String password) {
        this.masterAddress = masterAddress;
        this.port = port;
        this.user = user;
        this.password = password;
    }

    /**
     * The account a client at {@code clientAddress} logs in as, or null when none matches. When
     * {@code verifies} refuses the cached account, the accounts are read again (once a second at most).
     */
    public CompletableFuture<Account> find(String name, String clientAddress, java.util.function.Predicate<Account> verifies) {
        return CompletableFuture.supplyAsync(() -> {
            Account a = accounts == null ? null : match(accounts, name, clientAddress);
            if (a != null && verifies.test(a)) {
                return a;
            }
            if (accounts == null || System.currentTimeMillis() - loadedAt >= RELOAD_MILLIS) {
                try {
                    accounts = accounts == null ? loadWaiting() : load();
                    loadedAt = System.currentTimeMillis();
                } catch (TantalumException e) {
                    if (accounts == null) {
                        throw e;
                    }
                    // the master is away (a failover): the accounts read last still say who may log in
                    LOG.info("accounts not read again ({}); using those read {} ms ago", e.getMessage(),
                            System.currentTimeMillis() - loadedAt);
                }
                a = match(accounts, name, clientAddress);
            }
            return a;
        }, jdbc);
    }

    /** How long a first login waits for a master to read the accounts from (a failover in progress). */
    static final long FIRST_LOAD_WAIT_MILLIS = 30_000;

    /**
     * The first read, before any login could be verified: while no master answers (its database
     * died and the failover has not promoted another yet), the login waits, as new sessions do,
     * instead of being refused.
     */
    private List<Account> loadWaiting() {
        long deadline = System.currentTimeMillis() + FIRST_LOAD_WAIT_MILLIS;
        while (true) {
            try {
                return load();
            } catch (TantalumException e) {
                if (e.code() != ErrorCode.UNAVAILABLE || System.currentTimeMillis() > deadline) {
                    throw e;
                }
                try {
                    Thread.sleep(250);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    private List<Account> load() {
        String address = masterAddress.get();
        if (address == null) {
            throw new TantalumException(ErrorCode.UNAVAILABLE, "no master is known to read the accounts from");
        }
        Properties p = new Properties();
        p.setProperty("user", user);
        p.setProperty("password", password);
        p.setProperty("connectTimeout", "3000");
        List<Account> out = new ArrayList<>();
        try (Connection c = DriverManager.getConnection("jdbc:mariadb://" + address + ":" + port + "/", p);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT User, Host, plugin, authentication_string FROM mysql.user")) {
            while (rs.next()) {
                out.add(new Account(rs.getString(1), rs.getString(2), nullToEmpty(rs.getString(3)),
                        nullToEmpty(rs.getString(4))));
            }
        } catch (SQLException e) {
            throw new TantalumException(ErrorCode.UNAVAILABLE, "Cannot read the accounts from the master at " + address
                    + ":" + port + " (" + e.getMessage() + "); check that the connector's database user can read"
                    + " mysql.user.", e);
        }
        LOG.debug("read {} accounts from {}", out.size(), address);
        return out;
    }

    private static String nullToEmpty(String s) {
        return s == null ? "" : s;
    }

    /**
     * The account the server would pick: rows for {@code name} whose host pattern matches the
     * client's address, the most specific pattern first (as MariaDB sorts them: literal hosts,
     * then patterns by their first wildcard, {@code %} last). Anonymous accounts are not served.
     */
    static Account match(List<Account> accounts, String name, String clientAddress) {
        return accounts.stream().filter(a -> a.user().equals(name) && hostMatches(a.host(), clientAddress))
                .min(Comparator.comparingInt((Account a) -> -specificity(a.host()))).orElse(null);
    }

    static boolean hostMatches(String pattern, String address) {
        if (pattern.equalsIgnoreCase("localhost")) {
            return address.equals("127.0.0.1") || address.equals("0:0:0:0:0:0:0:1") || address.equals("::1");
        }
        StringBuilder re = new StringBuilder();
        for (char ch : pattern.toCharArray()) {
            re.append(switch (ch) {
                case '%' -> ".*";
                case '_' -> ".";
                default -> Pattern.quote(String.valueOf(ch));
            });
        }
        return Pattern.compile(re.toString(), Pattern.CASE_INSENSITIVE).matcher(address).matches();
    }

    private static int specificity(String host) {
        int wildcard = firstWildcard(host);
        return wildcard < 0 ? 100_000 + host.length() : wildcard;
    }

    private static int firstWildcard(String host) {
        int p = host.indexOf('%');
        int u = host.indexOf('_');
        return p < 0 ? u : u < 0 ? p : Math.min(p, u);
    }

    @Override
    public void close() {
        jdbc.shutdownNow();
    }
}
