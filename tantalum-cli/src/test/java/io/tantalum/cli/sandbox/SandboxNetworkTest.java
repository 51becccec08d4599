package io.tantalum.cli.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SandboxNetworkTest {
    @Test
    void rulesMarkEveryHostAndDropOnlyAcrossTheCut() {
        String r = SandboxNetwork.rules("t", "unified/tantalum-ab", 2, List.of("host1", "host2", "host3"),
                Set.of("host2"));
        assertThat(r).contains("table inet t {", "type filter hook output priority 0; policy accept;",
                "type filter hook input priority 0; policy accept;");
        for (int k = 1; k <= 3; k++) {
            assertThat(r).contains("socket cgroupv2 level 2 \"unified/tantalum-ab/host" + k
                    + "\" meta mark set 0x5441000" + k);
        }
        // host2 <-> host1 and host2 <-> host3, both ways; never host1 <-> host3
        assertThat(r.lines().filter(l -> l.endsWith("drop")).toList()).containsExactly(
                "    meta mark 0x54410001 socket cgroupv2 level 2 \"unified/tantalum-ab/host2\" drop",
                "    meta mark 0x54410002 socket cgroupv2 level 2 \"unified/tantalum-ab/host1\" drop",
                "    meta mark 0x54410002 socket cgroupv2 level 2 \"unified/tantalum-ab/host3\" drop",
                "    meta mark 0x54410003 socket cgroupv2 level 2 \"unified/tantalum-ab/host2\" drop");
    }

    @Test
    void aSideOfTwoHostsIsCutFromTheRestOnly() {
        String r = SandboxNetwork.rules("t", "tantalum-ab", 2, List.of("host1", "host2", "host3", "host4"),
                Set.of("host1", "host2"));
        assertThat(r.lines().filter(l -> l.endsWith("drop")).count()).isEqualTo(8);
        assertThat(r).doesNotContain("mark 0x54410001 socket cgroupv2 level 2 \"tantalum-ab/host2\"")
                .doesNotContain("mark 0x54410003 socket cgroupv2 level 2 \"tantalum-ab/host4\"");
    }

    @Test
    void findsTheCgroup2MountUnderSysFsCgroupOnly() {
        assertThat(SandboxNetwork.cgroup2MountIn(
                "35 25 0:30 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw")).contains(
                        Path.of("/sys/fs/cgroup/unified"));
        assertThat(SandboxNetwork.cgroup2MountIn("30 23 0:26 / /sys/fs/cgroup rw,nosuid shared:4 - cgroup2 cgroup2 rw"))
                .contains(Path.of("/sys/fs/cgroup"));
        assertThat(SandboxNetwork.cgroup2MountIn("36 25 0:31 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu")).isEmpty();
        assertThat(SandboxNetwork.cgroup2MountIn("40 25 0:30 /sub /sys/fs/cgroup rw - cgroup2 cgroup2 rw")).isEmpty();
        assertThat(SandboxNetwork.cgroup2MountIn("41 25 0:30 / /mnt/cg rw - cgroup2 cgroup2 rw")).isEmpty();
    }
}
