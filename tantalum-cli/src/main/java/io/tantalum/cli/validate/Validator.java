package io.tantalum.cli.validate;

import io.tantalum.common.ErrorCode;
import io.tantalum.common.TantalumException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/** Runs the check catalogue over gathered facts, skipping the checks the operator names. */
public final class Validator {
    /** The findings and how many checks and hosts they cover. */
    public record Report(List<Finding> findings, int checks, int hosts) {
        public long count(Finding.Level level) {
            return findings.stream().filter(f -> f.level() == level).count();
        }

        /** 0 when everything passed, 1 with warnings only, 2 with any error. */
        public int exitCode() {
            return count(Finding.Level.ERROR) > 0 ? 2 : count(Finding.Level.WARN) > 0 ? 1 : 0;
        }

        public String summary() {
            long e = count(Finding.Level.ERROR);
            long w = count(Finding.Level.WARN);
            return (e > 0 ? "Validation failed: " : "Validation passed: ") + e + " error(s), " + w + " warning(s) ("
                    + checks + " checks on " + hosts + " hosts)";
        }
    }

    private Validator() {}

    public static Report run(List<HostFacts> hosts, Set<String> skipped) {
        Set<String> known = Checks.ALL.stream().map(Checks.Check::name).collect(Collectors.toSet());
        for (String s : skipped) {
            if (!known.contains(s)) {
                throw new TantalumException(ErrorCode.INVALID_ARGUMENT, "--skip-validation-check=" + s
                        + " names no check; the checks are " + String.join(", ", known.stream().sorted().toList()));
            }
        }
        List<Finding> findings = new ArrayList<>();
        int run = 0;
        for (Checks.Check c : Checks.ALL) {
            if (!skipped.contains(c.name())) {
                c.run().accept(hosts, findings);
                run++;
            }
        }
        return new Report(findings, run, hosts.size());
    }
}
