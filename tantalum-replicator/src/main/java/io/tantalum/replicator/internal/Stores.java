package io.tantalum.replicator.internal;

import io.tantalum.thl.ThlLog;
import io.tantalum.thl.ThlWriter;
import java.util.LinkedHashMap;
import java.util.Map;

/** {@code trepctl status -name stores}: the THL store. */
final class Stores {
    private Stores() {}

    static Map<String, Object> describe(ThlLog log, ThlWriter writer) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", "thl");
        m.put("storeClass", "io.tantalum.thl.ThlLog");
        m.put("logDir", log.directory().toString());
        m.put("logFiles", log.segments().size());
        m.put("minimumStoredSeqNo", log.minSeqno());
        m.put("maximumStoredSeqNo", log.maxSeqno());
        m.put("fsyncOnFlush", log.fsync());
        m.put("fsyncs", writer != null ? writer.fsyncCount() : 0);
        m.put("recordsWritten", writer != null ? writer.recordCount() : 0);
        return m;
    }
}
