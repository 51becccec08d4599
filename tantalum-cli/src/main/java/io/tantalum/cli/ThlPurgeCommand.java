package io.tantalum.cli;

import io.tantalum.api.ReplicatorApi;
import io.tantalum.cli.sandbox.Sandbox;
import io.tantalum.cli.sandbox.SandboxLayout;
import io.tantalum.common.ErrorCode;
import io.tantalum.common.TantalumException;
import io.tantalum.thl.ThlInspector;
import io.tantalum.thl.ThlPurger;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code thl purge}: deletes events from the start or the end of a host's THL while its
 * replicator is offline, warning first about events other hosts have not applied yet.
 */
@Command(name = "purge", description = "Delete events from the start (-high N) or the end (-low N) of the log;"
        + " the replicator must be offline.")
final class ThlPurgeCommand implements Callable<Integer> {
    @ParentCommand
    ThlMain parent;

    @Option(names = "-low", description = "First seqno to delete (default: the oldest).")
    Long low;

    @Option(names = "-high", description = "Last seqno to delete (default: the newest).")
    Long high;

    @Option(names = "-seqno", description = "Delete only this seqno (it must be the oldest or the newest).")
    Long seqno;

    @Option(names = "-y", description = "Do not ask for confirmation.")
    boolean yes;

    @Override
    public Integer call() {
        Path dir = parent.directory();
        List<ThlInspector.SegmentInfo> index = ThlInspector.index(dir);
        long min = index.stream().mapToLong(ThlInspector.SegmentInfo::firstSeqno).filter(x -> x >= 0).min().orElse(-1);
        long max = index.stream().mapToLong(ThlInspector.SegmentInfo::lastSeqno).max().orElse(-1);
        if (max < 0) {
            System.out.println("The THL in " + dir + " is empty: nothing to purge");
            return 0;
        }
        long from = seqno != null ? seqno : low != null ? low : min;
        long to = seqno != null ? seqno : high != null ? high : max;
        if (from > to) {
            throw new TantalumException(ErrorCode.INVALID_ARGUMENT, "-low " + from + " is above -high " + to);
        }
        if (from > min && to < max) {
            throw new TantalumException(ErrorCode.INVALID_ARGUMENT, "Purging seqno " + from + " to " + to + " would"
                    + " leave a gap in the log (it holds " + min + " to " + max + "): purge from the start with -high N"
                    + " or to the end with -low N");
        }
        Optional<SandboxLayout> sandbox = parent.dir == null ? HostResolver.sandbox() : Optional.empty();
        requireOffline(sandbox);
        List<String> warnings = sandbox.map(l -> unappliedElsewhere(l, Math.min(to, max))).orElse(List.of());
        warnings.forEach(w -> System.out.println("WARN >> " + w));
        if (!TrepctlCommands.confirm(yes, "Delete seqno " + Math.max(from, min) + " to " + Math.min(to, max) + " from "
                + dir + "?")) {
            System.out.println("purge cancelled: nothing was deleted");
            return 1;
        }
        ThlPurger.Result r = from <= min ? ThlPurger.purgeHead(dir, to) : ThlPurger.truncateTail(dir, from);
        System.out.printf("Deleted seqno %d to %d from %s (%d file(s) deleted, %d rewritten)%n", Math.max(from, min),
                Math.min(to, max), dir, r.filesDeleted(), r.filesRewritten());
        return 0;
    }

    private String hostName(SandboxLayout l) {
        return parent.host != null ? parent.host : l.hosts().get(0).name();
    }

    private void requireOffline(Optional<SandboxLayout> sandbox) {
        if (sandbox.isEmpty()) {
            return;
        }
        SandboxLayout.Host h = sandbox.get().host(hostName(sandbox.get())).orElseThrow();
        try {
            String state = new Sandbox(sandbox.get()).admin(h).call(ReplicatorApi.STATUS).state();
            if (!String.valueOf(state).startsWith("OFFLINE")) {
                throw new TantalumException(ErrorCode.FAILED_PRECONDITION, h.name() + "'s replicator is " + state
                        + ": put it offline first (`trepctl -host " + h.name() + " offline`), then purge.");
            }
        } catch (TantalumException e) {
            if (e.code() != ErrorCode.UNAVAILABLE) {
                throw e;
            }
            // the replicator is not running: its files are not in use
        }
    }

    /** Hosts that have not applied every event up to {@code to}. */
    private List<String> unappliedElsewhere(SandboxLayout l, long to) {
        List<String> out = new ArrayList<>();
        for (SandboxLayout.Host h : l.hosts()) {
            if (h.name().equals(hostName(l))) {
                continue;
            }
            try {
                long applied = new Sandbox(l).admin(h).call(ReplicatorApi.STATUS).appliedLastSeqno();
                if (applied < to) {
                    out.add(h.name() + " has applied only up to seqno " + applied + "; if it needs seqno "
                            + (applied + 1) + " to " + to + " from this host, they will be gone");
                }
            } catch (TantalumException e) {
                out.add(h.name() + "'s replicator cannot be reached: it may still need these events");
            }
        }
        return out;
    }
}
