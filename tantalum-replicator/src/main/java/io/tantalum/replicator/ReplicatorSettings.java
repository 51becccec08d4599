package io.tantalum.replicator;

import io.tantalum.api.TlsSettings;
import io.tantalum.common.ErrorCode;
import io.tantalum.common.TantalumException;
import java.io.IOException;
import java.io.Reader;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import javax.net.ssl.SSLContext;

/**
 * The effective configuration of one replicator, read from a properties file. Every key is
 * declared in {@link Key} with its default and meaning; unknown keys and bad values are all
 * reported at once. Immutable.
 */
public record ReplicatorSettings(
        String service,
        String host,
        Role role,
        String bindAddress,
        int thlPort,
        int adminPort,
        URI masterUri,
        Path thlDirectory,
        long thlSegmentBytes,
        long thlRetentionMillis,
        long thlRetentionBytes,
        boolean thlFsync,
        String dbHost,
        int dbPort,
        String dbUser,
        String dbPassword,
        long serverId,
        int blockCommitSize,
        long blockCommitMillis,
        int applyChannels,
        int fragmentRows,
        boolean applyBinlog,
        boolean autoOnline,
        int autoRecoveryMaxAttempts,
        long autoRecoveryDelayMillis,
        long autoRecoveryResetMillis,
        boolean masterWritable,
        long semiSyncTimeoutMillis,
        Security security) {

    /**
     * The replicator's secrets: the admin API's bearer token and the service secret that THL
     * peers prove they know. Never printed: {@link #toString()} hides them.
     */
    public record Security(String adminToken, String serviceSecret, TlsSettings tls, SSLContext tlsContext) {
        @Override
        public String toString() {
            return "Security[adminToken=(hidden), serviceSecret=(hidden), tls=" + tls + "]";
        }
    }

    @Override
    public String toString() {
        return "ReplicatorSettings[service=" + service + ", host=" + host + ", role=" + role + ", bind=" + bindAddress
                + ", thlPort=" + thlPort + ", adminPort=" + adminPort + ", masterUri=" + masterUri + ", thlDirectory="
                + thlDirectory + ", db=" + dbUser + "@" + dbHost + ":" + dbPort + " (password hidden)]";
    }

    /** The replication role of a replicator. */
    public enum Role {
        /** Extracts its database's binlog into the THL and serves it to slaves. */
        MASTER,
        /** Fetches THL from a master and applies it to its database. */
        SLAVE;

        public static Role parse(String s) {
            return switch (s.toLowerCase(java.util.Locale.ROOT)) {
                case "master", "primary" -> MASTER;
                case "slave", "replica" -> SLAVE;
                default -> throw new IllegalArgumentException("role must be master or slave, not '" + s + "'");
            };
        }

        public String display() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** Declared configuration keys: name, default (null = required) and description. */
    public enum Key {
        SERVICE("service.name", "alpha", "Name of the replication service (dataservice)."),
        HOST("replicator.host", null, "Name of this host in the dataservice, e.g. host1."),
        ROLE("replicator.role", "slave", "master or slave (primary/replica accepted)."),
        BIND("replicator.bind.address", "127.0.0.1", "Address the THL and admin ports listen on."),
        THL_PORT("replicator.thl.port", "2112", "TCP port serving THL to slaves."),
        ADMIN_PORT("replicator.admin.port", "10000", "TCP port of the admin HTTP/JSON API (trepctl)."),
        MASTER_URI("replicator.master.uri", "", "thl://host:port/ of the master (slaves only)."),
        THL_DIR("thl.directory", null, "Directory holding this service's THL files."),
        THL_SEGMENT("thl.segment.bytes", "104857600", "Size after which a THL file rolls over (bytes)."),
        THL_RETENTION_MS("thl.retention.ms", "604800000", "THL files older than this are deleted (milliseconds;"
                + " 0 = keep forever), except what a connected slave or this host's applier still needs."),
        THL_FSYNC("thl.fsync", "true", "fsync the THL once per batch before anything downstream commits it."),
        THL_RETENTION_BYTES("thl.retention.bytes", "0", "The oldest THL files are deleted while the log is larger"
                + " (bytes; 0 = no limit), with the same exceptions."),
        DB_HOST("db.host", "127.0.0.1", "Address of the local database server."),
        DB_PORT("db.port", "3306", "Port of the local database server."),
        DB_USER("db.user", "tungsten", "Database user of the replicator (needs ALL PRIVILEGES and REPLICATION)."),
        DB_PASSWORD("db.password", "", "Password of db.user. Never logged."),
        SERVER_ID("replicator.server.id", "0", "Server id used to read the binlog; 0 = 1000000 + a hash of the host."),
        BLOCK_SIZE("replicator.apply.block.size", "100", "Source transactions per database commit on a slave."),
        BLOCK_MILLIS("replicator.apply.block.ms", "500", "Longest time a block stays open (milliseconds)."),
        APPLY_CHANNELS("replicator.apply.channels", "1", "Connections that apply transactions at the same time on a"
                + " slave (1-32); they commit in the master's order. 1 applies them one after the other."),
        FRAGMENT_ROWS("replicator.extract.fragment.rows", "1000", "Rows per THL fragment of a large transaction."),
        APPLY_BINLOG("replicator.apply.binlog", "true", "Replay the master's row events on a MariaDB slave with the"
                + " server's BINLOG statement (native replication's code, exact); false applies them as SQL."),
        AUTO_ONLINE("replicator.auto.online", "true", "Go online when the replicator starts."),
        AUTO_RECOVERY_MAX_ATTEMPTS("replicator.auto.recovery.max.attempts", "10", "After an error that waiting can fix"
                + " (the database or a port unavailable), go online again by itself this many times in a row"
                + " (0 = never); apply conflicts and damaged THL always wait for an operator."),
        AUTO_RECOVERY_DELAY_MS("replicator.auto.recovery.delay.ms", "5000", "Delay before the first auto-recovery"
                + " attempt (milliseconds); it doubles each attempt, up to a minute."),
        MASTER_WRITABLE("replicator.master.writable", "true", "Going online as master sets the database"
                + " read_only=OFF. false in a clustered installation (tpm writes it): there only the coordinator makes"
                + " the topology's master writable, so an old master's replicator that comes back as master after a"
                + " failover cannot reopen its database."),
        SEMI_SYNC_TIMEOUT_MS("replicator.semisync.timeout.ms", "0", "0: asynchronous replication. Above 0:"
                + " semi-synchronous; a commit on the master returns to its client only once a slave has stored it in"
                + " its THL, or after this long without a slave's acknowledgement (milliseconds; the master then"
                + " goes on asynchronously until a slave catches up)."),
        AUTO_RECOVERY_RESET_MS("replicator.auto.recovery.reset.ms", "300000", "Once online this long (milliseconds),"
                + " the count of auto-recovery attempts starts again from zero."),
        ADMIN_TOKEN("replicator.admin.token", null, "Bearer token that every admin API request but /health must"
                + " carry (tpm install generates it). Never logged."),
        SERVICE_SECRET("replicator.service.secret", null, "Secret shared by the members of the service: a slave and"
                + " its master prove to each other that they know it before any THL flows. Never logged."),
        TLS("replicator.tls", "false", "Serve THL (thls://) and the admin API (https) over TLS, and trust the"
                + " certificate authorities of replicator.tls.truststore."),
        TLS_KEYSTORE("replicator.tls.keystore", "", "PKCS12 keystore with this host's key and certificate chain."),
        TLS_KEYSTORE_PASSWORD("replicator.tls.keystore.password", "", "Password of the keystore. Never logged."),
        TLS_TRUSTSTORE("replicator.tls.truststore", "", "PKCS12 truststore with the CA certificates that sign the"
                + " service's hosts."),
        TLS_TRUSTSTORE_PASSWORD("replicator.tls.truststore.password", "", "Password of the truststore. Never"
                + " logged.");

        public final String key;
        public final String defaultValue;
        public final String description;

        Key(String key, String defaultValue, String description) {
            this.key = key;
            this.defaultValue = defaultValue;
            this.description = description;
        }
    }

    public static ReplicatorSettings load(Path file) {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file)) {
            p.load(r);
        } catch (IOException e) {
            throw new TantalumException(ErrorCode.INVALID_ARGUMENT, "Cannot read replicator configuration " + file + ": "
                    + e + ". Check the path given to the replicator.", e);
        }
        return from(p, file.toString());
    }

    public static ReplicatorSettings from(Properties p, String source) {
        List<String> errors = new ArrayList<>();
        Set<String> known = new TreeSet<>();
        for (Key k : Key.values()) {
            known.add(k.key);
        }
        for (String name : p.stringPropertyNames()) {
            if (!known.contains(name)) {
                errors.add("unknown key '" + name + "' (known keys: " + String.join(", ", known) + ")");
            }
        }
        Parser in = new Parser(p, errors);
        ReplicatorSettings s = new ReplicatorSettings(in.str(Key.SERVICE), in.str(Key.HOST),
                in.parse(Key.ROLE, Role::parse), in.str(Key.BIND), in.port(Key.THL_PORT), in.port(Key.ADMIN_PORT),
                in.parse(Key.MASTER_URI, v -> v.isEmpty() ? null : thlUri(v)),
                in.parse(Key.THL_DIR, Path::of), in.number(Key.THL_SEGMENT, 4096, Long.MAX_VALUE),
                in.number(Key.THL_RETENTION_MS, 0, Long.MAX_VALUE), in.number(Key.THL_RETENTION_BYTES, 0, Long.MAX_VALUE),
                Boolean.TRUE.equals(in.parse(Key.THL_FSYNC, ReplicatorSettings::bool)),
                in.str(Key.DB_HOST), in.port(Key.DB_PORT), in.str(Key.DB_USER), in.str(Key.DB_PASSWORD),
                in.number(Key.SERVER_ID, 0, 4294967295L), (int) in.number(Key.BLOCK_SIZE, 1, 100_000),
                in.number(Key.BLOCK_MILLIS, 1, 3_600_000), (int) in.number(Key.APPLY_CHANNELS, 1, 32),
                (int) in.number(Key.FRAGMENT_ROWS, 1, 1_000_000),
                Boolean.TRUE.equals(in.parse(Key.APPLY_BINLOG, ReplicatorSettings::bool)),
                Boolean.TRUE.equals(in.parse(Key.AUTO_ONLINE, ReplicatorSettings::bool)),
                (int) in.number(Key.AUTO_RECOVERY_MAX_ATTEMPTS, 0, 1_000_000),
                in.number(Key.AUTO_RECOVERY_DELAY_MS, 100, 3_600_000),
                in.number(Key.AUTO_RECOVERY_RESET_MS, 0, Long.MAX_VALUE),
                Boolean.TRUE.equals(in.parse(Key.MASTER_WRITABLE, ReplicatorSettings::bool)),
                in.number(Key.SEMI_SYNC_TIMEOUT_MS, 0, 86_400_000), security(in));
        if (s.role() == Role.SLAVE && s.masterUri() == null && errors.isEmpty()) {
            errors.add(Key.MASTER_URI.key + " is required for a slave (e.g. thl://host1:2112/)");
        }
        if (s.masterUri() != null && errors.isEmpty()) {
            String problem = s.masterUriProblem(s.masterUri());
            if (problem != null) {
                errors.add(Key.MASTER_URI.key + "=" + s.masterUri() + ": " + problem);
            }
        }
        if (!errors.isEmpty()) {
            throw new TantalumException(ErrorCode.INVALID_ARGUMENT, "Invalid replicator configuration " + source + ":\n  "
                    + String.join("\n  ", errors) + "\nFix these and start the replicator again.");
        }
        return s;
    }

    /** The secrets and TLS; the TLS stores are opened now, so that a bad one stops the start-up. */
    private static Security security(Parser in) {
        String token = in.secret(Key.ADMIN_TOKEN);
        String secret = in.secret(Key.SERVICE_SECRET);
        if (!Boolean.TRUE.equals(in.parse(Key.TLS, ReplicatorSettings::bool))) {
            return new Security(token, secret, null, null);
        }
        String keystore = in.str(Key.TLS_KEYSTORE);
        String truststore = in.str(Key.TLS_TRUSTSTORE);
        if (keystore == null || keystore.isEmpty() || truststore == null || truststore.isEmpty()) {
            in.errors().add(Key.TLS.key + "=true needs " + Key.TLS_KEYSTORE.key + " and " + Key.TLS_TRUSTSTORE.key);
            return new Security(token, secret, null, null);
        }
        TlsSettings tls = new TlsSettings(Path.of(keystore), in.str(Key.TLS_KEYSTORE_PASSWORD), Path.of(truststore),
                in.str(Key.TLS_TRUSTSTORE_PASSWORD));
        try {
            return new Security(token, secret, tls, tls.context());
        } catch (TantalumException e) {
            in.errors().add(e.getMessage());
            return new Security(token, secret, tls, null);
        }
    }

    /** Parses a {@code thl://host:port/} URI, or {@code thls://} for THL over TLS. */
    public static URI thlUri(String v) {
        URI u = URI.create(v.trim());
        if (!("thl".equals(u.getScheme()) || "thls".equals(u.getScheme())) || u.getHost() == null) {
            throw new IllegalArgumentException("'" + v + "' is not a THL URI like thl://host1:2112/ (or thls:// for"
                    + " TLS)");
        }
        return u.getPort() < 0 ? URI.create(u.getScheme() + "://" + u.getHost() + ":2112/") : u;
    }

    /**
     * Why this replicator cannot read THL from {@code uri}, or null: with TLS it reads only
     * {@code thls://} (never plain THL from a master that may be a stranger), without TLS it cannot
     * read {@code thls://}.
     */
    public String masterUriProblem(URI uri) {
        boolean tlsUri = "thls".equals(uri.getScheme());
        if (tlsUri && security.tls() == null) {
            return "THL over TLS needs " + Key.TLS.key + "=true and the truststore that holds the master's CA";
        }
        if (!tlsUri && security.tls() != null) {
            return "this replicator runs with TLS: use thls://" + uri.getHost() + ":" + uri.getPort() + "/";
        }
        return null;
    }

    /** The scheme of this replicator's THL: {@code thls} with TLS, else {@code thl}. */
    public String thlScheme() {
        return security.tlsContext() != null ? "thls" : "thl";
    }

    private static boolean bool(String v) {
        if (!v.equals("true") && !v.equals("false")) {
            throw new IllegalArgumentException("use true or false");
        }
        return Boolean.parseBoolean(v);
    }

    public long effectiveServerId() {
        return serverId != 0 ? serverId : 1_000_000L + Math.floorMod((host + ":" + dbPort).hashCode(), 1_000_000);
    }

    public String jdbcUrl() {
        return "jdbc:mariadb://" + dbHost + ":" + dbPort + "/";
    }

    private record Parser(Properties p, List<String> errors) {
        String raw(Key k) {
            String v = p.getProperty(k.key, k.defaultValue);
            if (v == null) {
                errors.add("missing required key '" + k.key + "' (" + k.description + ")");
            }
            return v == null ? null : v.trim();
        }

        String str(Key k) {
            return raw(k);
        }

        /** A secret of at least 16 characters; errors name the key, never the value. */
        String secret(Key k) {
            String v = raw(k);
            if (v != null && v.length() < 16) {
                errors.add(k.key + " is too short (" + v.length() + " characters; at least 16): set a longer secret");
            }
            return v;
        }

        <T> T parse(Key k, java.util.function.Function<String, T> f) {
            String v = raw(k);
            if (v == null) {
                return null;
            }
            try {
                return f.apply(v);
            } catch (RuntimeException e) {
                errors.add(k.key + "=" + v + ": " + e.getMessage());
                return null;
            }
        }

        long number(Key k, long min, long max) {
            Long v = parse(k, Long::parseLong);
            if (v != null && (v < min || v > max)) {
                errors.add(k.key + "=" + v + " is out of range [" + min + ", " + max + "]");
            }
            return v == null ? 0 : v;
        }

        int port(Key k) {
            return (int) number(k, 1, 65535);
        }
    }
}
