package io.tantalum.cli.install;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class SystemdUnitTest {
    private static final DaemonProcess P = new DaemonProcess("db2/alpha", JavaRuntime.of("/opt/jdk21"),
            Path.of("/opt/t/conf/alpha.properties"), Path.of("/opt/t/run/alpha.pid"), Path.of("/opt/t/log/alpha.log"));

    @Test
    void aSystemUnitRunsTheReplicatorOnTheConfiguredJavaAndRestartsOnFailure() {
        SystemdUnit u = new SystemdUnit(P, "alpha", "db2", SystemdUnit.Scope.SYSTEM);
        assertThat(u.file()).isEqualTo(Path.of("/etc/systemd/system/tantalum-alpha.service"));
        assertThat(u.text()).contains("Description=Tantalum replicator (service alpha on db2)",
                "ExecStart=/opt/jdk21/bin/java -Xms32m -Xmx256m",
                "io.tantalum.replicator.ReplicatorMain /opt/t/conf/alpha.properties /opt/t/run/alpha.pid",
                "After=network-online.target mariadb.service", "User=", "SuccessExitStatus=143", "Restart=on-failure", "RestartPreventExitStatus=2",
                "StandardOutput=append:/opt/t/log/alpha.log", "WantedBy=multi-user.target");
    }

    @Test
    void aUserUnitHasNoUserNorSystemDependencies() {
        SystemdUnit u = new SystemdUnit(P, "alpha", "db2", SystemdUnit.Scope.USER, Path.of("/home/t/.config/systemd/user"));
        assertThat(u.file()).isEqualTo(Path.of("/home/t/.config/systemd/user/tantalum-alpha.service"));
        assertThat(u.text()).contains("WantedBy=default.target", "SuccessExitStatus=143")
                .doesNotContain("User=", "mariadb.service", "network-online");
    }
}
