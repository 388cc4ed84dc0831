#!/usr/bin/env bash
# Ledger benchmark, run on demand (not part of the test suite):
#   mvn -q -DskipTests install && bench/ledger.sh [work dir]
# -Dbench.scale=N multiplies the fact counts; -Dbench.facts=N sets the restart test's size.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cp=$(cat "$here/ledger/target/classpath.txt")
exec java ${JAVA_OPTS:-} -Xmx512m -cp "$here/ledger/target/classes:$cp" forecourt.ledger.LedgerBench "${1:-$here/ledger/target/bench-work}"
