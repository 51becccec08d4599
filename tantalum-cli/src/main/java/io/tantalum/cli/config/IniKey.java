package io.tantalum.cli.config;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;

/**
 * Every key of the INI configuration, declared once: name, type, default (null: required),
 * unit, description, and whether it is a secret. {@code docs/configuration.md} is generated from
 * these declarations ({@code tpm docs configuration}). Keys go in {@code [defaults]} or in a
 * service's section, which overrides {@code [defaults]}. Path values may contain {@code {host}}
 * and {@code {service}}.
 */
public enum IniKey {
    MASTER("master", Type.HOST, null, "", "The host that is master when the service is installed.", false),
    MEMBERS("members", Type.HOST_LIST, null, "", "Every host of the service, comma-separated, master included.",
            false),
    REPLICATION_USER("replication-user", Type.STRING, "tungsten", "", "Database user of the replicators; needs ALL"
            + " PRIVILEGES ON *.* (binlog, read_only bypass, catalog).", false),
    REPLICATION_PASSWORD("replication-password", Type.STRING, "", "", "Password of replication-user. Never printed.",
            true),
    REPLICATION_PORT("replication-port", Type.PORT, "3306", "", "Port of each host's database.", false),
    THL_PORT("thl-port", Type.PORT, "2112", "", "Port on which a master serves its THL.", false),
    ADMIN_PORT("admin-port", Type.PORT, "10000", "", "Port of each replicator's admin API (trepctl).", false),
    INSTALL_DIRECTORY("install-directory", Type.PATH, "/opt/tantalum", "", "Where tpm install writes each host's"
            + " configuration (conf/), logs (log/) and pid files (run/), and creates maintenance/: the scripts a"
            + " rolling maintenance may run on that host (cctrl rolling-maintenance --script NAME), placed there by the"
            + " administrator.", false),
    THL_DIRECTORY("thl-directory", Type.PATH, "/var/lib/tantalum/thl", "", "Parent of each service's THL directory.",
            false),
    THL_SEGMENT_BYTES("thl-segment-bytes", Type.LONG, "104857600", "bytes", "Size after which a THL file rolls over"
            + " (at the next transaction boundary).", false),
    THL_RETENTION_MS("thl-retention-ms", Type.LONG, "604800000", "ms", "THL files older than this are deleted"
            + " (0 = keep forever), except what a connected slave or the local applier still needs.", false),
    THL_RETENTION_BYTES("thl-retention-bytes", Type.LONG, "0", "bytes", "Oldest THL files are deleted while the log"
            + " is larger (0 = no limit), with the same exceptions.", false),
    THL_FSYNC("thl-fsync", Type.BOOLEAN, "true", "", "fsync the THL once per batch before anything downstream"
            + " commits it (a master with sync_binlog=1 ships records during the fsync, a slave with one apply channel"
            + " sends their statements during it: docs/architecture.md). false trades crash safety of the THL for"
            + " speed; checksums are always written and checked.", false),
    APPLY_BLOCK_SIZE("apply-block-size", Type.INT, "100", "transactions", "Source transactions per database commit"
            + " on a slave (block commit).", false),
    APPLY_BLOCK_MS("apply-block-ms", Type.LONG, "500", "ms", "Longest time a block stays open.", false),
    APPLY_CHANNELS("apply-channels", Type.CHANNELS, "1", "connections", "Parallel apply on each slave: connections"
            + " that apply different transactions at the same time, committing them in the master's order, with no"
            + " sharding by the application (docs/parallel-apply.md). 1 applies them one after the other.", false),
    APPLY_BINLOG("apply-binlog", Type.BOOLEAN, "true", "", "Replay the master's row events on each MariaDB slave"
            + " with the server's BINLOG statement, through native replication's own code: values, hash keys,"
            + " system-versioned rows and triggers behave exactly as on a native slave (docs/fidelity.md). false"
            + " applies row changes as SQL statements (a target that is not MariaDB).", false),
    SEMI_SYNC_TIMEOUT_MS("semi-sync-timeout-ms", Type.LONG, "10000", "ms", "Semi-synchronous replication: a"
            + " commit on the master returns to its client only once a slave has stored the transaction in its THL"
            + " (fsynced), so a failover loses no acknowledged commit. After this long without a slave's"
            + " acknowledgement the master goes on asynchronously until a slave catches up; keep it above the"
            + " master's fencing time (docs/switchover-and-failover.md). 0: asynchronous replication. Ignored for a"
            + " service of one host.", false),
    FRAGMENT_ROWS("fragment-rows", Type.INT, "1000", "rows", "Rows per THL fragment of a large transaction.", false),
    AUTO_RECOVERY_MAX_ATTEMPTS("auto-recovery-max-attempts", Type.INT, "10", "attempts", "After an error that"
            + " waiting can fix (the database restarting, a port still held), a replicator goes online again by itself"
            + " this many times in a row (0 = never). Apply conflicts and damaged THL always wait for an operator.",
            false),
    AUTO_RECOVERY_DELAY_MS("auto-recovery-delay-ms", Type.LONG, "5000", "ms", "Delay before the first auto-recovery"
            + " attempt; it doubles each attempt, up to a minute.", false),
    AUTO_RECOVERY_RESET_MS("auto-recovery-reset-ms", Type.LONG, "300000", "ms", "Once a replicator has been online"
            + " this long, its count of auto-recovery attempts starts again from zero.", false),
    JAVA_HOME("java-home", Type.OPTIONAL_PATH, "", "", "The Java runtime (17 or later) that runs the replicators;"
            + " empty: the one that runs tpm. JavaVersionCheck runs its bin/java -version.", false),
    SERVICE_MANAGER("service-manager", Type.SERVICE_MANAGER, "auto", "", "How tpm install runs the replicators:"
            + " `systemd` (units in /etc/systemd/system, as root), `systemd-user` (units of the installing user's"
            + " own systemd instance, `systemctl --user`: a non-root install, with `loginctl enable-linger`),"
            + " `background` (detached processes with pid files), or `auto` (systemd when tpm runs as root on a host"
            + " booted with systemd, else background).", false),
    ADMIN_TOKEN("admin-token", Type.STRING, "", "", "Bearer token that every admin API request must carry (trepctl,"
            + " tpm, the manager). Empty: tpm install generates one into the secrets file next to the INI"
            + " (SERVICE.secrets, mode 0600); copy that file with the INI to every host. Never printed.", true),
    SERVICE_SECRET("service-secret", Type.STRING, "", "", "Secret shared by the members of a service: a slave and"
            + " its master prove to each other that they know it before any THL flows (it never crosses the"
            + " network). Empty: generated like admin-token. Never printed.", true),
    TLS("tls", Type.BOOLEAN, "false", "", "THL over TLS (thls://) and the admin APIs over https. Each host needs"
            + " tls-keystore and tls-truststore; `tpm sandbox deploy --tls` makes a private CA and host certificates"
            + " (docs/security.md).", false),
    TLS_KEYSTORE("tls-keystore", Type.OPTIONAL_PATH, "", "", "PKCS12 keystore with the host's key and certificate,"
            + " whose subject alternative names hold the host's address; may contain {host}.", false),
    TLS_KEYSTORE_PASSWORD("tls-keystore-password", Type.STRING, "", "", "Password of tls-keystore. Never printed.",
            true),
    TLS_TRUSTSTORE("tls-truststore", Type.OPTIONAL_PATH, "", "", "PKCS12 truststore with the CA certificate(s) that"
            + " sign the hosts' certificates; may contain {host}. The CLIs use it too.", false),
    TLS_TRUSTSTORE_PASSWORD("tls-truststore-password", Type.STRING, "", "", "Password of tls-truststore. Never"
            + " printed.", true),
    ZOOKEEPER_SERVERS("zookeeper-servers", Type.HOST_LIST, "", "", "The ZooKeeper ensemble that the managers"
            + " coordinate through, as host:port,... (host names from [hosts] or DNS). Empty: no manager, a"
            + " replicator-only dataservice driven with trepctl by hand. Use an odd number of members (3 or 5).",
            false),
    ZOOKEEPER_INSTALL("zookeeper-install", Type.BOOLEAN, "false", "", "true: tpm install runs a ZooKeeper member"
            + " (ZooKeeper's own server, from the Tantalum distribution) on each installed host that zookeeper-servers"
            + " lists, with its data under install-directory/zookeeper. false: the ensemble exists already.", false),
    ZOOKEEPER_PEER_PORTS("zookeeper-peer-ports", Type.STRING, "2888:3888", "", "Quorum and election ports of the"
            + " members that tpm install runs (zookeeper-install=true).", false),
    ZOOKEEPER_SESSION_TIMEOUT_MS("zookeeper-session-timeout-ms", Type.LONG, "5000", "ms", "Each manager's ZooKeeper"
            + " session timeout: how long after a manager stops answering its ephemeral nodes (observation,"
            + " election) vanish and another manager takes over as coordinator.", false),
    MANAGER_PORT("manager-port", Type.PORT, "8090", "", "Port of each manager's admin API (cctrl).", false),
    SWITCH_LAG_LIMIT("switch-lag-limit", Type.LONG, "30", "s", "A switch refuses a candidate whose applied latency"
            + " is above this; AUTOMATIC brings a FAILED slave back to ONLINE only once it is within it.", false),
    PHASE_TIMEOUT_MS("phase-timeout-ms", Type.LONG, "20000", "ms", "Deadline of each phase of a switch (and of"
            + " its rollback, which gets a fresh one).", false),
    SWITCH_GRACE_MS("switch-grace-ms", Type.LONG, "3000", "ms", "How long a switch lets the connectors' sessions"
            + " finish the transactions they have open before it holds them; a transaction still open then is rolled"
            + " back and its client gets an error (1213, SQLSTATE 40001).", false),
    FAILOVER_BLOCK_PERIOD("failover-block-period", Type.LONG, "600", "s", "After an automatic failover, no other"
            + " automatic one for this long (anti-flapping: a dataservice whose masters keep dying needs a person);"
            + " `cctrl failover` by hand is not blocked. 0: no block.", false),
    CONNECTORS("connectors", Type.HOST_LIST, "", "", "Members on which tpm install also runs a connector (a MySQL"
            + " proxy that follows the master; needs zookeeper-servers). Empty: no connector.", false),
    CONNECTOR_PORT("connector-port", Type.PORT, "9999", "", "Each connector's read/write port: sessions go to the"
            + " master.", false),
    CONNECTOR_READONLY_PORT("connector-readonly-port", Type.PORT, "9998", "", "Each connector's read-only port:"
            + " sessions go to a slave within connector-readonly-max-latency, else to the master.", false),
    CONNECTOR_ADMIN_PORT("connector-admin-port", Type.PORT, "8095", "", "Port of each connector's admin API.", false),
    CONNECTOR_READONLY_MAX_LATENCY("connector-readonly-max-latency", Type.LONG, "5", "s", "A slave whose applied"
            + " latency is above this gets no new read-only sessions.", false);

    /** Value types, each with its parser. */
    public enum Type {
        STRING(v -> v),
        INT(v -> Integer.parseInt(v)),
        CHANNELS(v -> {
            int n = Integer.parseInt(v);
            if (n < 1 || n > 32) {
                throw new IllegalArgumentException("use 1 to 32 channels");
            }
            return n;
        }),
        LONG(v -> Long.parseLong(v)),
        PORT(v -> {
            int p = Integer.parseInt(v);
            if (p < 1 || p > 65535) {
                throw new IllegalArgumentException("a port is between 1 and 65535");
            }
            return p;
        }),
        BOOLEAN(v -> {
            if (!v.equals("true") && !v.equals("false")) {
                throw new IllegalArgumentException("use true or false");
            }
            return Boolean.parseBoolean(v);
        }),
        PATH(v -> {
            if (!v.startsWith("/")) {
                throw new IllegalArgumentException("use an absolute path");
            }
            return Path.of(v);
        }),
        /** An absolute path, or empty for "not set" (kept as the empty string). */
        OPTIONAL_PATH(v -> v.isEmpty() ? "" : PATH.parser.apply(v)),
        SERVICE_MANAGER(v -> {
            if (!List.of("auto", "systemd", "systemd-user", "background").contains(v)) {
                throw new IllegalArgumentException("use auto, systemd, systemd-user or background");
            }
            return v;
        }),
        HOST(v -> {
            if (v.isBlank() || v.contains(",")) {
                throw new IllegalArgumentException("name one host");
            }
            return v;
        }),
        HOST_LIST(v -> Arrays.stream(v.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList());

        final Function<String, Object> parser;

        Type(Function<String, Object> parser) {
            this.parser = parser;
        }
    }

    public final String key;
    public final Type type;
    public final String defaultValue;
    public final String unit;
    public final String description;
    public final boolean secret;

    IniKey(String key, Type type, String defaultValue, String unit, String description, boolean secret) {
        this.key = key;
        this.type = type;
        this.defaultValue = defaultValue;
        this.unit = unit;
        this.description = description;
        this.secret = secret;
    }

    public static Optional<IniKey> byName(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        return Arrays.stream(values()).filter(k -> k.key.equals(n)).findFirst();
    }

    /** Parses a value; throws IllegalArgumentException with a reason. */
    public Object parse(String value) {
        try {
            return type.parser.apply(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("expected " + type.name().toLowerCase(Locale.ROOT) + (unit.isEmpty() ? ""
                    : " (" + unit + ")"));
        }
    }
}
