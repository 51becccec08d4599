package io.tantalum.manager;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The dataservice as the coordinator keeps it in ZooKeeper ({@code /tantalum/<service>/topology}):
 * the master, the policy, and each member's datasource state. {@code generation} grows by one at
 * every master change. Updated only by versioned compare-and-set ({@link ZkStore#casTopology}). Immutable.
 */
public record Topology(String service, String master, Policy policy, long generation,
        Map<String, Datasource> datasources, long updatedMillis, String updatedBy) {
    /**
     * One member's state. {@code operator}: the state is an operator's intent (a replicator taken
     * offline, a shun), which the manager never undoes by itself.
     */
    public record Datasource(DatasourceState state, String reason, boolean operator) {
        public static final Datasource ONLINE = new Datasource(DatasourceState.ONLINE, null, false);

        /** {@code STATE} or {@code STATE(reason)}, as ls shows it. */
        public String display() {
            return reason == null || reason.isEmpty() ? state.name() : state.name() + "(" + reason + ")";
        }
    }

    public Topology {
        datasources = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(datasources));
    }

    /** A new dataservice: every member ONLINE, AUTOMATIC. */
    public static Topology initial(String service, String master, Iterable<String> members, String by, long now) {
        Map<String, Datasource> ds = new LinkedHashMap<>();
        for (String m : members) {
            ds.put(m, Datasource.ONLINE);
        }
        return new Topology(service, master, Policy.AUTOMATIC, 1, ds, now, by);
    }

    public Datasource datasource(String host) {
        return datasources.getOrDefault(host, Datasource.ONLINE);
    }

    public String role(String host) {
        return host.equals(master) ? "master" : "slave";
    }

    public Topology with(String host, Datasource d) {
        Map<String, Datasource> ds = new LinkedHashMap<>(datasources);
        ds.put(host, d);
        return new Topology(service, master, policy, generation, ds, updatedMillis, updatedBy);
    }

    public Topology withPolicy(Policy p) {
        return new Topology(service, master, p, generation, datasources, updatedMillis, updatedBy);
    }

    /** The same topology with {@code newMaster} as master (ONLINE) and the generation advanced. */
    public Topology withMaster(String newMaster) {
        Map<String, Datasource> ds = new LinkedHashMap<>(datasources);
        ds.put(newMaster, Datasource.ONLINE);
        return new Topology(service, newMaster, policy, generation + 1, ds, updatedMillis, updatedBy);
    }

    public Topology stamped(String by, long now) {
        return new Topology(service, master, policy, generation, datasources, now, by);
    }
}
