package io.tantalum.cli.validate;

import java.util.List;
import java.util.Map;

/**
 * What validation learned about one host before judging it: the database's variables (null when
 * it cannot be reached, with the reason), its grants, its replicator's role, who holds its ports,
 * and the rest in {@link Extra}.
 */
public record HostFacts(String host, String address, String role, Map<String, String> variables, String dbError,
        String grants, Map<Integer, PortUse> ports, Extra extra) {
    /** Who holds a port on the host's address. */
    public enum PortUse {
        /** Nobody: the port is free. */
        FREE,
        /** This host's own database or replicator. */
        OURS,
        /** Another process. */
        FOREIGN
    }

    /**
     * Further facts; null fields were not observed (e.g. a remote host's THL directory).
     *
     * @param nativeReplication MariaDB's own replication threads run on this database
     * @param myisamTables non-transactional user tables ({@code schema.table ENGINE})
     * @param clockSkewMillis the database's clock minus this machine's
     * @param thlDirectoryProblem why the THL directory is unusable, or null
     * @param thlFreeBytes free space where the THL directory is
     * @param java the Java runtime configured to run the replicators on this machine
     * @param unguardedTriggers user triggers whose body does not test {@code @tantalum_applier}
     *     ({@code schema.trigger ON table})
     * @param enabledEvents scheduled events with status ENABLED ({@code schema.event})
     * @param certificate the host's TLS certificate (null without TLS, or on another machine)
     * @param zookeeper the ensemble as seen from this host (null without managers, or on another machine)
     */
    public record Extra(Boolean nativeReplication, List<String> myisamTables, Long clockSkewMillis,
            String thlDirectoryProblem, Long thlFreeBytes, Java java, List<String> unguardedTriggers,
            List<String> enabledEvents, Certificate certificate, ZooKeeper zookeeper) {
        public Extra(Boolean nativeReplication, List<String> myisamTables, Long clockSkewMillis,
                String thlDirectoryProblem, Long thlFreeBytes, Java java, List<String> unguardedTriggers,
                List<String> enabledEvents, Certificate certificate) {
            this(nativeReplication, myisamTables, clockSkewMillis, thlDirectoryProblem, thlFreeBytes, java,
                    unguardedTriggers, enabledEvents, certificate, null);
        }

        public Extra(Boolean nativeReplication, List<String> myisamTables, Long clockSkewMillis,
                String thlDirectoryProblem, Long thlFreeBytes, Java java, List<String> unguardedTriggers,
                List<String> enabledEvents) {
            this(nativeReplication, myisamTables, clockSkewMillis, thlDirectoryProblem, thlFreeBytes, java,
                    unguardedTriggers, enabledEvents, null);
        }

        public Extra(Boolean nativeReplication, List<String> myisamTables, Long clockSkewMillis,
                String thlDirectoryProblem, Long thlFreeBytes, Java java) {
            this(nativeReplication, myisamTables, clockSkewMillis, thlDirectoryProblem, thlFreeBytes, java, null, null);
        }

        public static Extra none() {
            return new Extra(null, null, null, null, null, null, null, null, null, null);
        }
    }

    /**
     * What {@code bin/java -version} of the configured runtime said.
     *
     * @param executable the {@code bin/java} that runs the replicators
     * @param version its version string, or null when it could not be run
     * @param feature its feature release (17 for 17.0.15), or 0
     * @param problem why it could not be run, or null
     */
    public record Java(String executable, String version, int feature, String problem) {}

    /**
     * The host's TLS certificate as its keystore holds it.
     *
     * @param keystore the keystore file
     * @param problem why the keystore or truststore cannot be used (missing, unreadable, wrong password, a
     *     certificate no CA of the truststore signed), or null
     * @param notAfter when the certificate expires
     * @param names its subject alternative names (addresses and DNS names)
     */
    public record Certificate(String keystore, String problem, java.time.Instant notAfter, List<String> names) {}

    /**
     * The ZooKeeper ensemble as this host sees it.
     *
     * @param servers the members the INI names, as {@code address:port}
     * @param beforeInstall {@code zookeeper-install=true} and this host not installed yet: the members
     *     that tpm install runs may not run yet
     * @param modes each member's answer to {@code srvr} from this host's address: leader, follower,
     *     standalone, NOT-SERVING or STOPPED (unreachable)
     * @param installedServers the ensemble in this host's installed manager configuration, or null when
     *     no manager is installed here
     */
    public record ZooKeeper(List<String> servers, boolean beforeInstall, Map<String, String> modes,
            String installedServers) {}

    public String variable(String name) {
        return variables == null ? null : variables.get(name);
    }
}
