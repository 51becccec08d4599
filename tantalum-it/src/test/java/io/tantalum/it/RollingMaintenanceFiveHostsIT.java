package io.tantalum.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.tantalum.cli.sandbox.SandboxLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;

/**
 * {@code cctrl rolling-maintenance} on a 5-host clustered sandbox: the dry run's seed table for 5
 * hosts changes nothing, then a run in the order given, the master in the middle, without switching
 * back, leaves the first host maintained as the master.
 */
@Sandboxed(cluster = true, hosts = 5)
class RollingMaintenanceFiveHostsIT {
    static SandboxFixture sb;

    @Test
    void theDryRunPlansFiveHostsAndARunFollowsTheOrderGiven() throws Exception {
        String before = sb.cctrl("-e", "ls").ok().stdout().replaceAll(", progress=.*", "");
        String plan = sb.cctrl("-e", "rolling-maintenance --dry-run --order host5,host1,host2,host3,host4"
                + " --no-switch-back --script note").ok().stdout();
        System.out.println(plan);
        assertThat(plan.lines().filter(l -> l.startsWith("| ")).count()).isEqualTo(1 + 1 + 5 * 7 + 1);
        assertThat(plan).contains("| host4 ", "| host5 ", "dry run: nothing was changed; 36 steps")
                .containsPattern("\\| 8 +\\| SWITCH +\\| host5 +\\| cctrl -e \"switch to host5\" +\\| Slave +\\| Slave"
                        + " +\\| Slave +\\| Slave +\\| Master +\\|")
                .containsPattern("\\| 36 +\\| WELCOME +\\| host4 .*\\| Slave +\\| Slave +\\| Slave +\\| Slave +\\|"
                        + " Master +\\|");
        assertThat(sb.cctrl("-e", "ls").ok().stdout().replaceAll(", progress=.*", "")).isEqualTo(before);

        for (SandboxLayout.Host h : sb.hosts()) {
            Path script = h.homePath().resolve("maintenance").resolve("note");
            Files.writeString(script, "#!/bin/sh\necho \"$TANTALUM_HOST maintained\" >> " + h.homePath()
                    .resolve("maintained.log") + "\necho done\n");
            Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-x---"));
        }
        SandboxFixture.CliResult run = sb.cctrl("-e", "rolling-maintenance --order host5,host1,host2,host3,host4"
                + " --no-switch-back --script note");
        System.out.println(run.all());
        assertThat(run.exitCode()).as(run.all()).isZero();
        assertThat(run.stdout()).contains("step 8/36 SWITCH host5: ok", ": DONE, step 36 of 36");
        assertThat(sb.cluster().master()).isEqualTo("host5");
        for (SandboxLayout.Host h : sb.hosts()) {
            assertThat(Files.readString(h.homePath().resolve("maintained.log"))).isEqualTo(h.name() + " maintained\n");
        }
        assertThat(sb.cctrl("-e", "ls").ok().stdout()).doesNotContain("SHUNNED");
        sb.cctrl("-e", "switch to host1").ok();
    }
}
