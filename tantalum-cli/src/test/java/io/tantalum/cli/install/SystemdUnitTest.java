package io.tantalum.cli.install;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class SystemdUnitTest {
    @Test
    void theUnitRunsTheReplicatorWithItsConfigurationAndRestartsOnFailure() {
        ReplicatorProcess p = new ReplicatorProcess("db2/alpha", Path.of("/opt/t/conf/alpha.properties"),
                Path.of("/opt/t/run/alpha.pid"), Path.of("/opt/t/log/alpha.log"));
        SystemdUnit u = new SystemdUnit(p, "alpha", "db2", Path.of("/etc/systemd/system"));
        assertThat(u.file()).isEqualTo(Path.of("/etc/systemd/system/tantalum-alpha.service"));
        assertThat(u.text()).contains("Description=Tantalum replicator (service alpha on db2)",
                "io.tantalum.replicator.ReplicatorMain /opt/t/conf/alpha.properties /opt/t/run/alpha.pid",
                "Restart=on-failure", "StandardOutput=append:/opt/t/log/alpha.log", "WantedBy=multi-user.target");
    }
}
