#!/usr/bin/env bash
# The core's costs at scale, no connections (issue 12): see bench/README.md, "Scale of the core (100,000 hosts)".
#   bench/core-scale.sh [N_BENCH [REPS [N_PROCESS]]]     defaults 100000 3 200000
# 1. io.conduit.core.shell.CoreScaleBench (core.bundle's test sources): load, patterns, printing, the hosts
#    table and group counts at N/4, N/2 and N hosts, CPU ms of the measuring thread, best of REPS;
# 2. with the distribution built (launcher/target/conduit), the whole bin/conduit process on a generated
#    N_PROCESS-host inventory, REPS times each: conduit:hosts on a pattern of it, and conduit:run of `true` on 10
#    of its hosts with the local plugin (wall s, user s, sys s, max RSS KB from /usr/bin/time);
# 3. io.conduit.core.runbook.RunbookScaleBench: a runbook of RB_STEPS (10) trivial steps over RB_HOSTS (5000) hosts
#    of the fake plugin, serial RB_SERIAL (25) %, through the real engine and runner: wall ms, process CPU ms and MB
#    allocated per runbook run, median of REPS after one warm-up run.
# ONLY=runbook runs step 3 alone (ONLY=core: steps 1 and 2).
# MVN_REPO=/path overrides the Maven repository (-Dmaven.repo.local); Maven runs offline.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
N="${1:-100000}"
REPS="${2:-3}"
NP="${3:-200000}"
OUT="${OUT:-$ROOT/bench/results}"
mkdir -p "$OUT"
MVN=("$ROOT/mvnw" -B -q -ntp -o)
[[ -n "${MVN_REPO:-}" ]] && MVN+=("-Dmaven.repo.local=$MVN_REPO")
echo "# $(date -u +%FT%TZ) load average: $(cat /proc/loadavg)"
(cd "$ROOT" && "${MVN[@]}" test-compile -pl core.bundle \
    && "${MVN[@]}" dependency:build-classpath -pl core.bundle -Dmdep.includeScope=test \
        -Dmdep.outputFile="$OUT/core-scale.cp") >&2
CP="$ROOT/core.bundle/target/test-classes:$ROOT/core.bundle/target/classes:$(cat "$OUT/core-scale.cp")"
ONLY="${ONLY:-}"
[[ "$ONLY" != runbook ]] && java -Xmx2g -cp "$CP" io.conduit.core.shell.CoreScaleBench "$N" "$REPS"

CONDUIT="${CONDUIT:-$ROOT/launcher/target/conduit}"
if [[ "$ONLY" != runbook && -x "$CONDUIT/bin/conduit" ]]; then
    INV="$OUT/inventory-big-$NP.yaml"
    "$ROOT/bench/gen-big-inventory.sh" "$NP" > "$INV"
    echo "# bin/conduit, $NP hosts ($(stat -c %s "$INV") bytes): wall_s user_s sys_s maxrss_kb"
    for ((r = 1; r <= REPS; r++)); do
        for cmd in "conduit:hosts -i $INV web[0:99]" "conduit:run -i $INV local[0:9] true" \
                "conduit:hosts -i $INV web[0:99]; conduit:hosts -i $INV db"; do
            /usr/bin/time -o "$OUT/core-scale.time" -f '%e %U %S %M' "$CONDUIT/bin/conduit" -c "$cmd" \
                > "$OUT/core-scale.out" 2>&1 || echo "failed: $(tail -3 "$OUT/core-scale.out")"
            echo "$(tail -1 "$OUT/core-scale.time")  $cmd"
        done
    done
    rm -f "$INV"
fi
if [[ "$ONLY" != core ]]; then
    timeout 300 java -Xmx2g -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$CP" \
        io.conduit.core.runbook.RunbookScaleBench "${RB_HOSTS:-5000}" \
        "${RB_STEPS:-10}" "${RB_SERIAL:-25}" "$REPS" "${RB_FORKS:-100}"
fi
echo "# load average after: $(cat /proc/loadavg)"
