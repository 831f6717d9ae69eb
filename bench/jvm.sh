#!/usr/bin/env bash
# bench/jvm.sh -- the JVM's part of issue 12: start and stop, the exit after a run, peak RSS.
#
#   bench/jvm.sh start [REPS]          bin/conduit -c conduit:plugins, whole process (start + stop)
#   bench/jvm.sh run INVENTORY [REPS]  bin/conduit -c 'conduit:run -i INVENTORY -f FORKS all true', cold,
#                                      whole process, with CONDUIT_DEBUG=1's phase times (the line's end and
#                                      the framework's stop: the exit's cost is their difference)
# Each repetition runs every variant once, in turn (A B A B): VARIANTS is a list of NAME=OPTIONS separated by
# ';' that go into CONDUIT_JAVA_OPTS, e.g.
#   VARIANTS='default=;g1=-XX:+UseG1GC -Xms380m -XX:-UseSerialGC' bench/jvm.sh run /tmp/inv500.yaml 3
# Prints one CSV line per process: variant,rep,wall s,user s,sys s,max RSS KB,line done ms,stopped ms,exit.
# Knobs: CONDUIT [launcher/target/conduit], FORKS [100], VARIANTS [default=]. Bounded: each process gets
# at most 120 s (timeout), REPS at most 20.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
CONDUIT="${CONDUIT:-$ROOT/launcher/target/conduit}"
FORKS="${FORKS:-100}"
VARIANTS="${VARIANTS:-default=}"
what="${1:?usage: bench/jvm.sh start|run [INVENTORY] [REPS]}"
case "$what" in
    start) line='conduit:plugins'; reps="${2:-5}" ;;
    run) inv="${2:?bench/jvm.sh run INVENTORY [REPS]}"; line="conduit:run -i $inv -f $FORKS all true"; reps="${3:-3}" ;;
    *) echo "bench/jvm.sh: start or run, not '$what'" >&2; exit 64 ;;
esac
(( reps <= 20 )) || reps=20
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
IFS=';' read -r -a variants <<< "$VARIANTS"
echo "# $(date -u +%FT%TZ) $what reps=$reps forks=$FORKS load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "variant,rep,wall_s,user_s,sys_s,max_rss_kb,line_done_ms,stopped_ms,exit"
for ((r = 1; r <= reps; r++)); do
    for v in "${variants[@]}"; do
        name="${v%%=*}"; opts="${v#*=}"
        set +e
        CONDUIT_DEBUG=1 CONDUIT_JAVA_OPTS="$opts" timeout 120 /usr/bin/time -o "$tmp/time" -f '%e,%U,%S,%M' \
            "$CONDUIT/bin/conduit" -c "$line" > /dev/null 2> "$tmp/err"
        rc=$?
        set -e
        done_ms="$(sed -n 's/.*line done after \([0-9]*\) ms.*/\1/p' "$tmp/err" | tail -1)"
        stop_ms="$(sed -n 's/.*framework stopped after \([0-9]*\) ms.*/\1/p' "$tmp/err" | tail -1)"
        echo "$name,$r,$(tail -1 "$tmp/time"),${done_ms:-},${stop_ms:-},$rc"
    done
done
echo "# load after: $(cut -d' ' -f1-3 /proc/loadavg)"
