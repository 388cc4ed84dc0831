#!/usr/bin/env bash
# Charger-link benchmark, run on demand (not part of the test suite):
#   mvn -q -DskipTests install && bench/chargers.sh
# 200 chargers (-Dbench.chargers=N), 20 s per contender (-Dbench.seconds=S), one CALL
# outstanding per charger; (a) the exported gateway end to end, (b) the same broker with a
# bare echo subscriber. Then OCMF verifications per second per curve.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cp=$(cat "$here/chargers/target/classpath.txt")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
java ${JAVA_OPTS:-} -cp "$here/chargers/target/classes:$cp" forecourt.bench.chargers.ChargerBench "$here/.." "$work"
java ${JAVA_OPTS:-} -cp "$here/chargers/target/classes:$cp" forecourt.bench.chargers.OcmfBench
