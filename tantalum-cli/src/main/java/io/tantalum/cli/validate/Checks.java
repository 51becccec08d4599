package io.tantalum.cli.validate;

import io.tantalum.cli.install.JavaRuntime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * The catalogue of validation checks, each a pure function of the facts gathered on every host
 * (so that they are table-testable). Each finding names its check and says how to fix it.
 */
public final class Checks {
    /** A named check and its one-line purpose. */
    public record Check(String name, String purpose, BiConsumer<List<HostFacts>, List<Finding>> run) {}

    public static final List<Check> ALL = List.of(
            new Check("DatabaseConnectivityCheck", "the database answers as the replicator's user",
                    Checks::connectivity),
            new Check("ReplicatorPrivilegesCheck", "the replicator's user has all privileges", Checks::privileges),
            new Check("BinlogSettingsCheck", "log_bin, binlog_format=ROW, binlog_row_image=FULL,"
                    + " binlog_row_metadata=FULL", Checks::binlog),
            new Check("ServerIdCheck", "server_id is set and unique across members", Checks::serverIds),
            new Check("ReadOnlyCheck", "slaves run with read_only=ON", Checks::readOnly),
            new Check("PortCheck", "the database, THL and admin ports are free or held by this host's own processes",
                    Checks::ports),
            new Check("NativeReplicationCheck", "MariaDB's own replication is not running", Checks::nativeReplication),
            new Check("ThlDirectoryCheck", "the THL directory can be written and has room", Checks::thlDirectory),
            new Check("JavaVersionCheck", "the Java that runs the replicators is 17 or later", Checks::javaVersion),
            new Check("ClockSkewCheck", "database clocks agree with this machine's (latency figures depend on it)",
                    Checks::clockSkew),
            new Check("MyIsamCheck", "no non-transactional user tables", Checks::myisam),
            new Check("TriggerCheck", "user triggers do not fire a second time on slaves", Checks::triggers),
            new Check("EventSchedulerCheck", "scheduled events do not run on slaves", Checks::events),
            new Check("DurabilitySettingsCheck", "sync_binlog and innodb_flush_log_at_trx_commit keep commits on crash",
                    Checks::durability),
            new Check("MaxAllowedPacketCheck", "max_allowed_packet fits large row events", Checks::maxAllowedPacket),
            new Check("BinlogCacheCheck", "binlog_cache_size holds a slave's block commit in memory",
                    Checks::binlogCache),
            new Check("TlsCertificateCheck", "with tls=true, each host's certificate is readable, signed by the"
                    + " truststore's CA, not expired, and names the host's address", Checks::certificates),
            new Check("ZooKeeperEnsembleCheck", "with managers, an odd ensemble, reachable from each member, with a"
                    + " quorum, and the same in every member's configuration", Checks::zookeeper));

    private static void zookeeper(List<HostFacts> hosts, List<Finding> out) {
        boolean ensembleJudged = false;
        for (HostFacts h : hosts) {
            HostFacts.ZooKeeper z = h.extra().zookeeper();
            if (z == null) {
                continue;
            }
            Finding.Level unreachable = z.beforeInstall() ? Finding.Level.WARN : Finding.Level.ERROR;
            String later = z.beforeInstall() ? " (tpm install starts the members it runs: expected before install)"
                    : "";
            if (!ensembleJudged) {
                ensembleJudged = true;
                int n = z.servers().size();
                if (n % 2 == 0) {
                    out.add(new Finding(Finding.Level.ERROR, h.host(), "zookeeper-servers lists " + n + " members: use an"
                            + " odd number (3 or 5); an ensemble of " + n + " survives no more failures than one of "
                            + (n - 1), "ZooKeeperEnsembleCheck"));
                }
                long serving = z.modes().values().stream().filter(m -> m.equals("leader") || m.equals("follower")
                        || m.equals("standalone")).count();
                if (serving <= n / 2) {
                    out.add(new Finding(unreachable, h.host(), "the ZooKeeper ensemble has no quorum: " + serving + " of "
                            + n + " members serve " + z.modes() + "; managers cannot coordinate until a majority runs"
                            + later, "ZooKeeperEnsembleCheck"));
                }
            }
            z.modes().forEach((member, mode) -> {
                if (mode.equals(io.tantalum.manager.ZooKeeperProbe.STOPPED)) {
                    out.add(new Finding(unreachable, h.host(), "cannot reach ZooKeeper member " + member + " from this"
                            + " host: start it, or open the port between them" + later, "ZooKeeperEnsembleCheck"));
                }
            });
            String wanted = String.join(",", z.servers());
            if (z.installedServers() != null && !z.installedServers().equals(wanted)) {
                out.add(new Finding(Finding.Level.ERROR, h.host(), "the installed manager uses the ensemble "
                        + z.installedServers() + " but the INI names " + wanted + ": members must share one ensemble;"
                        + " run `tpm update` on this host", "ZooKeeperEnsembleCheck"));
            }
        }
    }

    /** A certificate that expires sooner than this is a warning. */
    static final java.time.Duration CERTIFICATE_WARNING = java.time.Duration.ofDays(30);

    private static void certificates(List<HostFacts> hosts, List<Finding> out) {
        java.time.Instant now = java.time.Instant.now();
        for (HostFacts h : hosts) {
            HostFacts.Certificate c = h.extra().certificate();
            String address = h.address().substring(0, h.address().lastIndexOf(':'));
            if (c == null) {
                continue;
            }
            if (c.problem() != null) {
                out.add(new Finding(Finding.Level.ERROR, h.host(), c.problem() + ". Fix tls-keystore, tls-truststore"
                        + " and their passwords in the INI (docs/security.md)", "TlsCertificateCheck"));
            } else if (c.notAfter().isBefore(now)) {
                out.add(new Finding(Finding.Level.ERROR, h.host(), "the certificate in " + c.keystore() + " expired on "
                        + c.notAfter() + ": issue a new one (docs/security.md, rotating certificates)",
                        "TlsCertificateCheck"));
            } else if (!c.names().contains(address)) {
                out.add(new Finding(Finding.Level.ERROR, h.host(), "the certificate in " + c.keystore() + " names "
                        + c.names() + " but not the host's address " + address + ": peers will refuse it; issue one"
                        + " with subjectAltName IP:" + address, "TlsCertificateCheck"));
            } else if (c.notAfter().isBefore(now.plus(CERTIFICATE_WARNING))) {
                out.add(new Finding(Finding.Level.WARN, h.host(), "the certificate in " + c.keystore() + " expires"
                        + " on " + c.notAfter() + ": issue a new one soon (docs/security.md)", "TlsCertificateCheck"));
            } else {
                out.add(info(h, "TLS certificate valid until " + c.notAfter() + " for " + c.names(),
                        "TlsCertificateCheck"));
            }
        }
    }

    /** Free space below which the THL directory is a warning. */
    static final long MIN_FREE_BYTES = 1L << 30;

    private Checks() {}

    private static void connectivity(List<HostFacts> hosts, List<Finding> out) {
        for (HostFacts h : hosts) {
            if (h.dbError() != null) {
                out.add(new Finding(Finding.Level.ERROR, h.host(), "cannot connect to the database at " + h.address()
                        + ": " + h.dbError() + ". Start it (`tpm sandbox start --host " + h.host()
                        + " --component db`) or fix the replicator's user and password", "DatabaseConnectivityCheck"));
            } else {
                out.add(info(h, "database reachable as the replicator's user", "DatabaseConnectivityCheck"));
            }
        }
    }

    private static void privileges(List<HostFacts> hosts, List<Finding> out) {
        for (HostFacts h : reachable(hosts)) {
            if (h.grants() == null || !h.grants().contains("ALL PRIVILEGES ON *.*")) {
                out.add(new Finding(Finding.Level.ERROR, h.host(), "the replicator's user lacks ALL PRIVILEGES ON *.*"
                        + " (it needs to read the binlog, write while read_only=ON and manage its catalog): GRANT ALL"
                        + " PRIVILEGES ON *.* TO the user WITH GRANT OPTION", "ReplicatorPrivilegesCheck"));
            }
        }
    }

    private static void binlog(List<HostFacts> hosts, List<Finding> out) {
        Map<String, String> required = new java.util.LinkedHashMap<>();
        required.put("log_bin", "ON");
        required.put("binlog_format", "ROW");
        required.put("binlog_row_image", "FULL");
        required.put("binlog_row_metadata", "FULL");
        for (HostFacts h : reachable(hosts)) {
            boolean ok = true;
            for (Map.Entry<String, String> r : required.entrySet()) {
                String v = h.variable(r.getKey());
                if (!r.getValue().equalsIgnoreCase(v)) {
                    ok = false;
                    String fix = r.getKey().equals("log_bin")
                            ? "add log_bin to the server's configuration and restart it"
                            : "run SET GLOBAL " + r.getKey() + "=" + r.getValue() + " and add " + r.getKey() + "="
                                    + r.getValue() + " to the server's configuration";
                    out.add(new Finding(Finding.Level.ERROR, h.host(), r.getKey() + " is " + v + ", it must be "
                            + r.getValue() + ": " + fix, "BinlogSettingsCheck"));
                }
            }
            if (ok) {
                out.add(info(h, "binlog settings are right", "BinlogSettingsCheck"));
            }
        }
    }

    private static void serverIds(List<HostFacts> hosts, List<Finding> out) {
        Map<String, List<String>> byId = new HashMap<>();
        for (HostFacts h : reachable(hosts)) {
            String id = h.variable("server_id");
            if (id == null || id.equals("0")) {
                out.add(new Finding(Finding.Level.ERROR, h.host(), "server_id is not set: give every member a"
                        + " different server_id in its configuration", "ServerIdCheck"));
            } else {
                byId.computeIfAbsent(id, k -> new ArrayList<>()).add(h.host());
            }
        }
        byId.forEach((id, names) -> {
            if (names.size() > 1) {
                for (String n : names) {
                    out.add(new Finding(Finding.Level.ERROR, n, "server_id " + id + " is also used by "
                            + String.join(", ", names.stream().filter(x -> !x.equals(n)).toList())
                            + ": give every member a different server_id", "ServerIdCheck"));
                }
            }
        });
    }

    private static void readOnly(List<HostFacts> hosts, List<Finding> out) {
        for (HostFacts h : reachable(hosts)) {
            String ro = h.variable("read_only");
            if (!"master".equals(h.role()) && !"ON".equalsIgnoreCase(ro)) {
                out.add(new Finding(Finding.Level.ERROR, h.host(), "read_only is " + ro + " on this slave:"
                        + " applications could write here and diverge from the master. Run SET GLOBAL read_only=ON"
                        + " (the replicator also sets it when it goes online as a slave)", "ReadOnlyCheck"));
            } else if ("master".equals(h.role()) && "ON".equalsIgnoreCase(ro)) {
                out.add(new Finding(Finding.Level.WARN, h.host(), "read_only is ON on the master: applications"
                        + " cannot write until its replicator goes online (which sets it OFF)", "ReadOnlyCheck"));
            }
        }
    }

    private static void ports(List<HostFacts> hosts, List<Finding> out) {
        for (HostFacts h : hosts) {
            h.ports().forEach((port, use) -> {
                if (use == HostFacts.PortUse.FOREIGN) {
                    String ip = h.address().replaceAll(":\\d+$", "");
                    out.add(new Finding(Finding.Level.ERROR, h.host(), "port " + ip + ":" + port
                            + " is held by a process that is not this host's mariadbd or replicator: stop it or"
                            + " move it elsewhere", "PortCheck"));
                }
            });
        }
    }

    private static void nativeReplication(List<HostFacts> hosts, List<Finding> out) {
        for (HostFacts h : reachable(hosts)) {
            if (Boolean.TRUE.equals(h.extra().nativeReplication())) {
                out.add(new Finding(Finding.Level.ERROR, h.host(), "MariaDB's own replication is running on this"
                        + " database: it would apply changes twice. Run STOP ALL SLAVES and RESET SLAVE ALL first",
                        "NativeReplicationCheck"));
            }
        }
    }

    private static void thlDirectory(List<HostFacts> hosts, List<Finding> out) {
        for (HostFacts h : hosts) {
            HostFacts.Extra x = h.extra();
            if (x.thlDirectoryProblem() != null) {
                out.add(new Finding(Finding.Level.ERROR, h.host(), "THL directory: " + x.thlDirectoryProblem()
                        + ": create it and give it to the user that runs the replicator", "ThlDirectoryCheck"));
            } else if (x.thlFreeBytes() != null && x.thlFreeBytes() < MIN_FREE_BYTES) {
                out.add(new Finding(Finding.Level.WARN, h.host(), "only " + x.thlFreeBytes() / (1 << 20) + " MiB free"
                        + " for the THL: free space or lower thl-retention-ms", "ThlDirectoryCheck"));
            }
        }
    }

    private static void javaVersion(List<HostFacts> hosts, List<Finding> out) {
        String remedy = "Install Java " + JavaRuntime.MINIMUM + " or later and set java-home to it in the INI file"
                + " (empty: the Java that runs tpm), then run tpm update";
        for (HostFacts h : hosts) {
            HostFacts.Java j = h.extra().java();
            if (j == null) {
                continue;
            }
            if (j.problem() != null) {
                out.add(new Finding(Finding.Level.ERROR, h.host(), "the replicator cannot run on the configured Java: "
                        + j.problem() + ". " + remedy, "JavaVersionCheck"));
            } else if (j.feature() < JavaRuntime.MINIMUM) {
                out.add(new Finding(Finding.Level.ERROR, h.host(), j.executable() + " is Java " + j.version() + ", too"
                        + " old for the replicator (it needs Java " + JavaRuntime.MINIMUM + " or later). " + remedy,
                        "JavaVersionCheck"));
            }
        }
    }

    /** A database clock this far from the machine running tpm is an error; a fifth of it, a warning. */
    static final long MAX_SKEW_MILLIS = 5000;

    private static void clockSkew(List<HostFacts> hosts, List<Finding> out) {
        for (HostFacts h : reachable(hosts)) {
            Long skew = h.extra().clockSkewMillis();
            if (skew == null || Math.abs(skew) <= MAX_SKEW_MILLIS / 5) {
                continue;
            }
            boolean error = Math.abs(skew) > MAX_SKEW_MILLIS;
            String off = String.format(java.util.Locale.ROOT, "the database clock is %.1f s %s this machine's",
                    Math.abs(skew) / 1000.0, skew > 0 ? "ahead of" : "behind");
            out.add(new Finding(error ? Finding.Level.ERROR : Finding.Level.WARN, h.host(), off + (error
                    ? " (more than " + MAX_SKEW_MILLIS / 1000 + " s): event timestamps, replication latency and"
                    + " time-based THL retention would be wrong. Run NTP (chrony) on every member"
                    : ": latency figures will be off by as much. Run NTP (chrony) on every member"), "ClockSkewCheck"));
        }
    }

    private static void myisam(List<HostFacts> hosts, List<Finding> out) {
        for (HostFacts h : reachable(hosts)) {
            List<String> t = h.extra().myisamTables();
            if (t != null && !t.isEmpty()) {
                out.add(new Finding(Finding.Level.WARN, h.host(), "non-transactional tables cannot be applied"
                        + " crash-safely: " + String.join(", ", t) + ". Convert them with ALTER TABLE ... ENGINE=InnoDB",
                        "MyIsamCheck"));
            }
        }
    }

    private static void triggers(List<HostFacts> hosts, List<Finding> out) {
        for (HostFacts h : reachable(hosts)) {
            List<String> t = h.extra().unguardedTriggers();
            if (t != null && !t.isEmpty()) {
                out.add(new Finding(Finding.Level.WARN, h.host(), "triggers run again on slaves for every applied row,"
                        + " and the rows they wrote on the master arrive too, so their effect would be doubled (or stop"
                        + " the slave on a duplicate key): " + String.join(", ", t) + ". Wrap each trigger's body in"
                        + " IF @tantalum_applier IS NULL THEN ... END IF (docs/operations/triggers.md)", "TriggerCheck"));
            }
        }
    }

    private static void events(List<HostFacts> hosts, List<Finding> out) {
        for (HostFacts h : reachable(hosts)) {
            List<String> e = h.extra().enabledEvents();
            if (!"master".equals(h.role()) && "ON".equalsIgnoreCase(h.variable("event_scheduler")) && e != null
                    && !e.isEmpty()) {
                out.add(new Finding(Finding.Level.WARN, h.host(), "the event scheduler runs on this slave, so these"
                        + " events would run here as well as on the master: " + String.join(", ", e) + ". Run SET"
                        + " GLOBAL event_scheduler=OFF on slaves (and ON on the new master after a switch)",
                        "EventSchedulerCheck"));
            }
        }
    }

    private static void durability(List<HostFacts> hosts, List<Finding> out) {
        for (HostFacts h : reachable(hosts)) {
            if ("0".equals(h.variable("sync_binlog"))) {
                out.add(new Finding(Finding.Level.WARN, h.host(), "sync_binlog=0: a crash of this server can lose"
                        + " binlog events of committed transactions. Set sync_binlog=1", "DurabilitySettingsCheck"));
            }
            if ("0".equals(h.variable("innodb_flush_log_at_trx_commit"))) {
                out.add(new Finding(Finding.Level.WARN, h.host(), "innodb_flush_log_at_trx_commit=0: a crash can lose"
                        + " the last second of commits. Set it to 1", "DurabilitySettingsCheck"));
            }
        }
    }

    private static void maxAllowedPacket(List<HostFacts> hosts, List<Finding> out) {
        for (HostFacts h : reachable(hosts)) {
            String v = h.variable("max_allowed_packet");
            if (v != null && Long.parseLong(v) < 16L << 20) {
                out.add(new Finding(Finding.Level.WARN, h.host(), "max_allowed_packet is " + v + " bytes: large"
                        + " rows and statements may not replicate. Set it to at least 16M (64M is usual)",
                        "MaxAllowedPacketCheck"));
            }
        }
    }

    private static void binlogCache(List<HostFacts> hosts, List<Finding> out) {
        for (HostFacts h : reachable(hosts)) {
            String v = h.variable("binlog_cache_size");
            if (v != null && Long.parseLong(v) < io.tantalum.replicator.internal.apply.JdbcApplier.BINLOG_CACHE_BYTES) {
                out.add(new Finding(Finding.Level.WARN, h.host(), "binlog_cache_size is " + v + " bytes: as a slave,"
                        + " this server commits up to apply-block-size transactions at once, and each commit whose"
                        + " binlog events do not fit goes through a temporary file (measured: a block's commit 3.5 ms"
                        + " instead of 1.5). Set binlog_cache_size=1M (memory per session while it writes)",
                        "BinlogCacheCheck"));
            }
        }
    }

    private static List<HostFacts> reachable(List<HostFacts> hosts) {
        return hosts.stream().filter(h -> h.dbError() == null).toList();
    }

    private static Finding info(HostFacts h, String message, String check) {
        return new Finding(Finding.Level.INFO, h.host(), message, check);
    }
}
