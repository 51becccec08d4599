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
     * @param javaVersion this machine's Java feature version
     */
    public record Extra(Boolean nativeReplication, List<String> myisamTables, Long clockSkewMillis,
            String thlDirectoryProblem, Long thlFreeBytes, Integer javaVersion) {
        public static Extra none() {
            return new Extra(null, null, null, null, null, null);
        }
    }

    public String variable(String name) {
        return variables == null ? null : variables.get(name);
    }
}
