#!/usr/bin/env bash
# Flush benchmark, run on demand (not part of the test suite):
#   mvn -q -DskipTests install && bench/flush.sh
# 10 000 sessions (-Dbench.sessions=N) held and proven during an outage, then every upstream
# returns: the time until all are captured, released and fiscalized (RKSV, software signer),
# the gateway side's CPU per session and its peak heap. The Stripe emulator runs in the
# simulators' own process; the gateway side runs with a 64 MiB heap (JAVA_OPTS to change).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cp=$(cat "$here/flush/target/classpath.txt")
work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
java -Dforecourt.data="$work/sim-data" -Dorg.osgi.framework.storage="$work/sim-data/framework" -Dforecourt.sim.stripe.port="$port" \
  -Dforecourt.sim.zvt.port=0 -Dforecourt.sim.adyen.port=0 -Dforecourt.broker.url=tcp://127.0.0.1:1 \
  -jar "$here/../runtime/target/simulators.jar" < /dev/null > "$work/simulators.log" 2>&1 &
sims=$!
trap 'kill $sims 2>/dev/null; wait $sims 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 200); do grep -q "Forecourt simulators ready" "$work/simulators.log" 2>/dev/null && break; sleep 0.1; done
java ${JAVA_OPTS:--Xmx64m} -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$here/flush/target/classes:$cp" forecourt.settlement.FlushBench \
  "http://127.0.0.1:$port" "$work"
