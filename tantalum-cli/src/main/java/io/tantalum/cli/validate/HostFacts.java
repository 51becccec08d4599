package io.tantalum.cli.validate;

import java.util.Map;

/**
 * What validation learned about one host before judging it: the database's variables (null when
 * it cannot be reached, with the reason), its grants, and its replicator's role.
 */
public record HostFacts(String host, String address, String role, Map<String, String> variables, String dbError,
        String grants, Map<Integer, PortUse> ports) {
    /** Who holds a port on the host's address. */
    public enum PortUse {
        /** Nobody: the port is free. */
        FREE,
        /** This host's own mariadbd or replicator. */
        OURS,
        /** Another process. */
        FOREIGN
    }

    public String variable(String name) {
        return variables == null ? null : variables.get(name);
    }
}
