#!/usr/bin/env bash
# bench/jvm-nmt.sh INVENTORY [OUTDIR] -- where a 500-host process's memory goes: one cold run over every host of
# INVENTORY (forks FORKS), then a second run that holds every connection open ('sleep HOLD' on all hosts at
# once) while jcmd takes the JVM's native memory summary and a class histogram. Prints peak RSS (VmHWM) and
# writes OUTDIR/nmt.txt, OUTDIR/heap.txt. CONDUIT_JAVA_OPTS is added (e.g. the variant under test); NMT costs
# a little memory of its own. Bounded: the process gets at most 600 s.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
CONDUIT="${CONDUIT:-$ROOT/launcher/target/conduit}"
inv="${1:?usage: bench/jvm-nmt.sh INVENTORY [OUTDIR]}"
out="${2:-$(mktemp -d)}"; mkdir -p "$out"
FORKS="${FORKS:-100}"; HOLD="${HOLD:-40}"
n="$(grep -c '{hostname:' "$inv")"
CONDUIT_JAVA_OPTS="${CONDUIT_JAVA_OPTS:-} -XX:NativeMemoryTracking=summary" CONDUIT_DEBUG=1 timeout 600 \
    "$CONDUIT/bin/conduit" -c "conduit:run -i $inv -f $FORKS all true; conduit:run -i $inv -f $n all 'sleep $HOLD'" \
    > "$out/stdout" 2> "$out/stderr" &
pid=$!
java_pid=""
for _ in $(seq 1 600); do
    sleep 1
    java_pid="$(pgrep -P $pid java || true)"; [[ -n "$java_pid" ]] && break
    kill -0 $pid 2>/dev/null || break
done
# wait for the first run's end: the second run then holds the connections
for _ in $(seq 1 600); do
    grep -q 'ok' "$out/stdout" 2>/dev/null && break
    kill -0 $pid 2>/dev/null || break
    sleep 1
done
sleep $((HOLD / 2))
if [[ -n "$java_pid" ]] && kill -0 "$java_pid" 2>/dev/null; then
    grep -E 'VmHWM|VmRSS|Threads' /proc/$java_pid/status > "$out/status.txt" || true
    jcmd "$java_pid" VM.native_memory summary > "$out/nmt.txt" 2>&1 || true
    jcmd "$java_pid" GC.class_histogram > "$out/heap.txt" 2>&1 || true
    jcmd "$java_pid" GC.heap_info > "$out/heapinfo.txt" 2>&1 || true
    for _ in $(seq 1 600); do kill -0 "$java_pid" 2>/dev/null || break; grep VmHWM /proc/$java_pid/status > "$out/hwm.txt" 2>/dev/null || true; sleep 1; done
fi
wait $pid || true
echo "out: $out"; cat "$out/status.txt" "$out/hwm.txt" 2>/dev/null; grep -E 'line done|stopped' "$out/stderr" || true
