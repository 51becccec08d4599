#!/usr/bin/env bash
# Measures Tantalum's data path on this machine with a sandbox of 2 hosts and a sysbench
# oltp_write_only backlog:
#   extraction: the master replicator reads a binlog backlog into its THL (extract + THL append
#               with fsync group commit), transactions/s
#   apply:      a slave applies a THL backlog to its database (fetch + store + JDBC apply), transactions/s
#   rss:        the largest resident memory of any replicator during the run (MiB)
# Usage: bench/datapath.sh   (DURATION=seconds of load, default 30; TABLES, TABLE_SIZE, THREADS)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DURATION="${DURATION:-30}"; TABLES="${TABLES:-4}"; TABLE_SIZE="${TABLE_SIZE:-10000}"; THREADS="${THREADS:-2}"
SUBNET="${SUBNET:-127.0.9}"
export TANTALUM_SANDBOX="$(mktemp -d /tmp/tbench.XXXX)"; rmdir "$TANTALUM_SANDBOX"
command -v sysbench >/dev/null || { apt-get update >/dev/null && apt-get install -y sysbench >/dev/null; }
cleanup() { "$ROOT/bin/tpm" sandbox destroy >/dev/null 2>&1 || true; }
trap cleanup EXIT

M="$SUBNET.1"; S="$SUBNET.2"
field() { "$ROOT/bin/trepctl" -host "$1" status -json | python3 -c "import json,sys; print(json.load(sys.stdin)['$2'])"; }
now() { date +%s.%N; }
rss_max=0
sample_rss() {
  for f in "$TANTALUM_SANDBOX"/host*/run/*.pid; do
    r=$(awk '/VmRSS/ {print int($2/1024)}' "/proc/$(cat "$f")/status" 2>/dev/null || echo 0)
    if [ "$r" -gt "$rss_max" ]; then rss_max=$r; fi
  done
}
wait_seqno() { # host target
  while [ "$(field "$1" appliedLastSeqno)" -lt "$2" ]; do sample_rss; sleep 0.2; done
}
"$ROOT/bin/tpm" sandbox deploy --hosts 2 --subnet "$SUBNET" --replicator-only >/dev/null
APP=(--defaults-extra-file="$TANTALUM_SANDBOX/app.cnf"); TUNGSTEN=(--defaults-extra-file="$TANTALUM_SANDBOX/tungsten.cnf")
# sysbench reads no option file: its password comes from the sandbox's app.cnf (a benchmark, not production)
SB=(sysbench oltp_write_only --db-driver=mysql --mysql-host="$M" --mysql-port=3306 --mysql-user=app
    --mysql-password="$(sed -n 's/^password=//p' "$TANTALUM_SANDBOX/app.cnf")" --mysql-db=sbtest --tables="$TABLES"
    --table-size="$TABLE_SIZE" --threads="$THREADS")
mariadb "${APP[@]}" -h"$M" -e "CREATE DATABASE sbtest"
"${SB[@]}" prepare >/dev/null
wait_seqno host2 "$(field host1 appliedLastSeqno)"

# backlog: both replicators offline while sysbench runs
"$ROOT/bin/trepctl" -host host2 offline >/dev/null
"$ROOT/bin/trepctl" -host host1 offline >/dev/null
start_seqno=$(field host1 appliedLastSeqno)
tps=$("${SB[@]}" --time="$DURATION" --report-interval=0 run | awk '/transactions:/ {gsub("\\(",""); print $3}')

# extraction of the backlog: until the master replicator has read up to the binlog's end
binlog_end=$(mariadb "${TUNGSTEN[@]}" -h"$M" -N -e "SHOW MASTER STATUS" | awk '{printf "%s:%016d", $1, $2}')
t0=$(now); "$ROOT/bin/trepctl" -host host1 online >/dev/null
until [[ "$(field host1 currentEventId | cut -d';' -f1)" > "$binlog_end" || \
         "$(field host1 currentEventId | cut -d';' -f1)" == "$binlog_end" ]]; do sample_rss; sleep 0.1; done
t1=$(now); end_seqno=$(field host1 appliedLastSeqno)
txns=$((end_seqno - start_seqno))
extract_rate=$(python3 -c "print(round($txns / ($t1 - $t0)))")

# apply of the backlog on the slave
t0=$(now); "$ROOT/bin/trepctl" -host host2 online >/dev/null
wait_seqno host2 "$end_seqno"
t1=$(now)
apply_rate=$(python3 -c "print(round($txns / ($t1 - $t0)))")
sample_rss

checks=$(for h in "$M" "$S"; do mariadb "${APP[@]}" -h"$h" -N -e "CHECKSUM TABLE sbtest.sbtest1" | awk '{print $2}'; done | sort -u | wc -l)
echo "load: sysbench oltp_write_only ${TABLES}x${TABLE_SIZE}, ${THREADS} threads, ${DURATION}s: master ${tps} tps, ${txns} transactions"
echo "extraction (binlog backlog -> THL, fsync'd): ${extract_rate} transactions/s"
echo "apply (THL backlog -> slave DB): ${apply_rate} transactions/s"
echo "replicator max RSS: ${rss_max} MiB"
echo "sbtest1 checksum equal on master and slave: $([ "$checks" = 1 ] && echo yes || echo NO)"
echo "RESULT extract_tps=${extract_rate} apply_tps=${apply_rate} replicator_rss_mb=${rss_max} master_tps=${tps}"
