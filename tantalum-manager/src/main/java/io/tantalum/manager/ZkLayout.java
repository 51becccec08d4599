package io.tantalum.manager;

/**
 * Where a dataservice lives in ZooKeeper, under {@code /tantalum/<service>/}:
 * <pre>
 *   members/&lt;host&gt;   ephemeral: the host's manager's latest {@link Observation} (JSON)
 *   coordinator/      Curator LeaderLatch: the managers' election of the coordinator
 *   topology          persistent: the {@link Topology} (JSON), changed only by compare-and-set
 *   procedure         persistent while a procedure runs: its {@link ProcedureRecord}; also the lock
 *   audit/entry-N     persistent, sequential: one {@link io.tantalum.api.ManagerApi.AuditRecord} per phase
 *   connectors/&lt;name&gt; ephemeral: each running connector's {@link io.tantalum.api.ConnectorApi.Registration}
 *   leases/&lt;host&gt;    ephemeral: written by the host's manager twice a second to renew its lease ({@link MasterLease})
 *   maintenance       persistent: the last rolling maintenance run, {@link MaintenanceRun} (JSON), changed by compare-and-set
 * </pre>
 */
public record ZkLayout(String service) {
    public String root() {
        return "/tantalum/" + service;
    }

    public String members() {
        return root() + "/members";
    }

    public String member(String host) {
        return members() + "/" + host;
    }

    public String coordinator() {
        return root() + "/coordinator";
    }

    public String topology() {
        return root() + "/topology";
    }

    public String procedure() {
        return root() + "/procedure";
    }

    public String audit() {
        return root() + "/audit";
    }

    public String lease(String host) {
        return root() + "/leases/" + host;
    }

    public String maintenance() {
        return root() + "/maintenance";
    }

    public String connectors() {
        return root() + "/connectors";
    }

    public String connector(String name) {
        return connectors() + "/" + name;
    }
}
