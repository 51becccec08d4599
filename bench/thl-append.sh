#!/usr/bin/env bash
# THL append with fsync group commit (ThlAppendBench.java). Usage: bench/thl-append.sh [EVENTS] [DIR]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
"$ROOT/bin/thl" --version >/dev/null   # builds the distribution if needed
CP="$ROOT/tantalum-dist/target/classes:$ROOT/tantalum-dist/target/lib/*"
exec java -Xmx512m -Dtantalum.log.level=WARN -cp "$CP" "$ROOT/bench/ThlAppendBench.java" "$@"
