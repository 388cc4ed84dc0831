#!/usr/bin/env bash
# Start-up benchmark: cold start to "Forecourt ready", heap after start, exported jar size.
#   bench/startup.sh [runs]     (build first: mvn -q -DskipTests install)
# Cold = a fresh data directory each run (no framework cache), JIT cold, page cache warm.
# Heap = used heap after a full GC, read with jcmd, 3 s after ready.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-5}
jar=$here/runtime/target/forecourt.jar
[ -f "$jar" ] || { echo "build first: mvn -q -DskipTests install" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
ready=(); heap=()
for i in $(seq 1 "$runs"); do
  data=$work/data-$i
  java -Dforecourt.data="$data" -Dorg.osgi.framework.storage="$data/framework" \
       -Dfelix.fileinstall.dir="$here/configs" "-Dgosh.args=--noshutdown --nointeractive" \
       -jar "$jar" < /dev/null > "$work/out-$i.txt" 2>&1 &
  pid=$!
  for _ in $(seq 1 300); do grep -q "Forecourt ready in" "$work/out-$i.txt" && break; sleep 0.05; done
  ms=$(grep -o 'Forecourt ready in [0-9]*' "$work/out-$i.txt" | grep -o '[0-9]*$')
  sleep 3
  jcmd "$pid" GC.run > /dev/null
  used=$(jcmd "$pid" GC.heap_info | grep -o 'used [0-9]*K' | head -1 | grep -o '[0-9]*')
  kill -TERM "$pid"; wait "$pid" 2>/dev/null || true
  ready+=("$ms"); heap+=("$used")
  echo "run $i: ready in ${ms} ms, heap used after GC $((used / 1024)) MiB"
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo "median cold start to ready: $(median "${ready[@]}") ms"
echo "median heap after start:    $(( $(median "${heap[@]}") / 1024 )) MiB ($(median "${heap[@]}") KiB)"
echo "exported jar:               $(( $(stat -c %s "$jar") / 1024 )) KiB ($jar)"
