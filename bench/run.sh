#!/usr/bin/env bash
# bench/run.sh [N] [FORKS] -- Conduit's ssh fan-out next to the tools operators use, run by run (A B A B).
#
# Starts (or keeps) the loopback OpenSSH sshd of ../shared/bench/setup-sshd.sh with N fake hosts 127.0.A.B
# (loopback only), then REPS times the same rotation, so that every Conduit figure has a peer figure taken
# next to it, under the same machine load:
#   1. Conduit cold:   bin/conduit -c 'conduit:run -i INV -f FORKS all true'   (whole process, new JVM; the
#                      run's own time from its summary line too)
#   2. the peers:      ../shared/bench/peers.sh with REPS=1 per tool of TOOLS (parallel-ssh; Ansible -m raw
#                      cold and with its ControlPersist)
#   3. Conduit warm:   bin/conduit -c 'conduit:run ... ; conduit:run ...'     (the second run reuses the SSH
#                      sessions the first opened; its time from its summary line)
#   4. HARNESS=1:      the ssh plugin alone in one JVM (io.conduit.ssh.FanoutHarness: cold, warm, heap per
#                      open idle connection)
#   5. bare start and stop: bin/conduit -c conduit:plugins
#   6. resident:       when `bin/conduit --help` names start|stop|status (branch perf-resident), a script's
#                      second `bin/conduit -c` run attached to the resident Conduit; skipped with a note else
#   7. BIG=200000:     the big-inventory hook (see BIG_* below); off by default
# Around every run it records the load average (before/after) and the sshd's CPU seconds (its own cpuacct
# cgroup, under ../shared's peers-sshd group). Then bench/ratios.py prints the issue's table with the ratios
# PAIR BY PAIR (each Conduit run against the run next to it in the same rotation) and min/median/max.
# RECORD=1 appends the dated table (date, commit, N, forks, reps, load) to bench/history.md.
#
# Knobs: REPS [3], TOOLS [pssh ansible] (any of ../shared/bench/peers.sh's), HARNESS [0], BARE [1],
#        RESIDENT [1], RECORD [0], OUT [bench/results], PEERS_BENCH [../shared/bench],
#        PEERS_STATE [/tmp/peers-bench], PEERS_PORT [2222], CONDUIT [launcher/target/conduit],
#        M2 [unset: Maven's default local repository] for the harness's build,
#        BIG [0] number of hosts of the big-inventory hook, BIG_GEN [bench/gen-big-inventory.sh, called as
#        `BIG_GEN N FILE`], BIG_CMD [shell line, {INV} replaced by the generated file].
# Every loop is bounded by REPS; every peer run by peers.sh's own SLOW_S.
# Stop the sshd afterwards with: kill $(cat $PEERS_STATE/sshd.pid)
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
N="${1:-500}"
F="${2:-100}"
REPS="${REPS:-3}"
TOOLS="${TOOLS:-pssh ansible}"
HARNESS="${HARNESS:-0}"
BARE="${BARE:-1}"
RESIDENT="${RESIDENT:-1}"
RECORD="${RECORD:-0}"
BIG="${BIG:-0}"
OUT="${OUT:-$ROOT/bench/results}"
PEERS_BENCH="${PEERS_BENCH:-$ROOT/../shared/bench}"
export PEERS_STATE="${PEERS_STATE:-/tmp/peers-bench}"
export PEERS_PORT="${PEERS_PORT:-2222}"
CONDUIT="${CONDUIT:-$ROOT/launcher/target/conduit}"
RESULTS="$OUT/runs.csv"
LOGDIR="$OUT/logs"
RUN_ID="$(date -u +%Y%m%dT%H%M%SZ)"

die() { echo "bench/run.sh: $*" >&2; exit 1; }
log() { echo "[$(date +%H:%M:%S)] $*" >&2; }
[[ -x "$PEERS_BENCH/setup-sshd.sh" ]] || die "no $PEERS_BENCH/setup-sshd.sh; set PEERS_BENCH to shared/bench"
[[ -x "$CONDUIT/bin/conduit" ]] || die "no $CONDUIT/bin/conduit; build it: ./mvnw -o -q install -DskipTests"
[[ "$N" =~ ^[0-9]+$ && "$F" =~ ^[0-9]+$ && "$REPS" =~ ^[0-9]+$ ]] || die "usage: bench/run.sh [N] [FORKS]"
source "$ROOT/bench/lib.sh"

# the peers this run compares with (Debian packages), installed only when missing
need=()
command -v sshd >/dev/null 2>&1 || [[ -x /usr/sbin/sshd ]] || need+=(openssh-server)
command -v bc >/dev/null 2>&1 || need+=(bc)
for t in $TOOLS; do
    case "$t" in
        pssh) command -v parallel-ssh >/dev/null 2>&1 || need+=(pssh) ;;
        ansible|ansible-paramiko) command -v ansible >/dev/null 2>&1 || need+=(ansible) ;;
        clush) command -v clush >/dev/null 2>&1 || need+=(clustershell) ;;
        pdsh) command -v pdsh >/dev/null 2>&1 || need+=(pdsh) ;;
    esac
done
if (( ${#need[@]} > 0 )); then
    log "installing ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null \
        || die "apt-get install -y ${need[*]} failed"
fi

mkdir -p "$OUT" "$LOGDIR"
"$PEERS_BENCH/setup-sshd.sh" "$N" >&2
sshd_own_cgroup
INV="$PEERS_STATE/inv/$N"
KEY="$PEERS_STATE/client/id_ed25519"
CINV="$OUT/inventory-$N.yaml"
conduit_inventory "$CINV" "$KEY" "$INV/known_hosts" < <(awk -v p="$PEERS_PORT" '{print $1, $2, p}' "$INV/hosts.txt")
csv_header "$RESULTS"

RUNLINE="conduit:run -i $CINV -f $F all true"

conduit_cold() {  # rep
    local s
    timed_run "conduit-cold-$1" "$CONDUIT/bin/conduit" -c "$RUNLINE"
    s=($(summary "$T_OUT" 1))
    row conduit cold "$1" "$T_WALL" "$T_RSS" "$T_USR" "$T_SYS" "$T_RC" "${s[0]:-0}" "in_run_s=${s[1]:-} $T_EXTRA"
    log "conduit cold rep$1: ${T_WALL}s (run itself ${s[1]:-?}s) ok=${s[0]:-0}/$N rc=$T_RC rss=${T_RSS}KB $T_EXTRA"
}

conduit_warm() {  # rep
    local s1 s2
    timed_run "conduit-warm-$1" "$CONDUIT/bin/conduit" -c "$RUNLINE ; $RUNLINE"
    s1=($(summary "$T_OUT" 1)); s2=($(summary "$T_OUT" 2))
    # the second run's own time: connections opened by the first run are reused
    row conduit warm "$1" "${s2[1]:-0}" "$T_RSS" "$T_USR" "$T_SYS" "$T_RC" "${s2[0]:-0}" \
        "process_s=$T_WALL first_run_s=${s1[1]:-} $T_EXTRA"
    log "conduit warm rep$1: second run ${s2[1]:-?}s ok=${s2[0]:-0}/$N (process ${T_WALL}s, first ${s1[1]:-?}s) $T_EXTRA"
}

conduit_bare() {  # rep: JVM + framework start and stop, no host
    timed_run "conduit-bare-$1" "$CONDUIT/bin/conduit" -c conduit:plugins
    local ok=0; [[ "$T_RC" == 0 ]] && ok="$N"   # all_ok = the command succeeded
    row conduit bare "$1" "$T_WALL" "$T_RSS" "$T_USR" "$T_SYS" "$T_RC" "$ok" "$T_EXTRA"
    log "conduit bare start+stop rep$1: ${T_WALL}s rc=$T_RC rss=${T_RSS}KB"
}

HAS_RESIDENT=""
resident_known() {  # does this distribution have bin/conduit start|stop|status?
    if [[ -z "$HAS_RESIDENT" ]]; then
        # its usage names `conduit start|stop|status` (without, `bin/conduit status` would load the whole
        # framework to say there is no such command)
        HAS_RESIDENT=no
        "$CONDUIT/bin/conduit" --help 2>&1 < /dev/null | grep -F 'start|stop|status' > /dev/null && HAS_RESIDENT=yes
    fi
    [[ "$HAS_RESIDENT" == yes ]]
}

conduit_resident() {  # rep: a script's second `bin/conduit -c` run, attached to a resident Conduit
    local c="$CONDUIT/bin/conduit" s
    "$c" start > "$LOGDIR/resident-start-$1.out" 2>&1 < /dev/null || { log "bin/conduit start failed (rc $?)"; return 0; }
    NO_SETTLE=1 timed_run "conduit-resident1-$1" "$c" -c "$RUNLINE"
    NO_SETTLE=1 timed_run "conduit-resident2-$1" "$c" -c "$RUNLINE"
    s=($(summary "$T_OUT" 1))
    row conduit resident "$1" "${s[1]:-0}" "$T_RSS" "$T_USR" "$T_SYS" "$T_RC" "${s[0]:-0}" "process_s=$T_WALL $T_EXTRA"
    log "conduit resident rep$1: second process's run ${s[1]:-?}s (process ${T_WALL}s) ok=${s[0]:-0}/$N rc=$T_RC"
    "$c" stop > "$LOGDIR/resident-stop-$1.out" 2>&1 < /dev/null || log "bin/conduit stop failed (rc $?)"
}

peer() {  # tool rep: one repetition of peers.sh for one tool, rows merged with this run's id and counters
    local tool="$1" rep="$2" tmp="$OUT/peer-tmp.csv"
    rm -f "$tmp"
    counters_before
    RESULTS="$tmp" LOGDIR="$LOGDIR/rep$rep" TOOLS="$tool" REPS=1 ECHO_REPS=0 WARM=0 \
        "$PEERS_BENCH/peers.sh" "$N" "$F" || log "peers.sh $tool exited $?"
    counters_after
    # peers.sh's sshd_cpu_s is ../shared's group of every helper's sshd: replace it by our sshd's own
    python3 - "$tmp" "$RESULTS" "$rep" "$T_SSHD" "run=$RUN_ID $T_EXTRA" <<'EOF'
import csv, sys
tmp, res, rep, sshd, extra = sys.argv[1:]
rows = list(csv.DictReader(open(tmp)))
with open(res, 'a', newline='') as f:
    w = csv.DictWriter(f, fieldnames=rows[0].keys() if rows else [])
    for r in rows:
        r['rep'] = rep
        r['sshd_cpu_s'] = sshd if len(rows) == 1 else ''   # ansible: cold and warm in one call
        r['extra'] = (extra + ' ' + (r.get('extra') or '')).strip()
        w.writerow(r)
EOF
}

harness() {  # rep: the plugin alone
    local res
    timed_run "harness-$1" bash -c 'ulimit -Sn "$(ulimit -Hn)"; exec "$@"' _ \
        java -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$HARNESS_CP" \
        io.conduit.ssh.FanoutHarness --hosts "$INV/hosts.txt" --port "$PEERS_PORT" --user root --key "$KEY" \
        --known-hosts "$INV/known_hosts" --forks "$F" --cmd true
    res="$(grep '^RESULT' "$T_OUT" | head -1)"
    echo "$res run=$RUN_ID rep=$1" >> "$OUT/harness.txt"
    kv() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<< "$res"; }
    row harness cold "$1" "$(awk -v x="$(kv cold_ms)" 'BEGIN{printf "%.3f", x/1000}')" "$T_RSS" "$T_USR" "$T_SYS" \
        "$T_RC" "$(kv cold_ok)" "process_s=$T_WALL heap_per_conn_kb=$(kv heap_per_conn_kb) $T_EXTRA"
    row harness warm "$1" "$(awk -v x="$(kv warm1_ms)" 'BEGIN{printf "%.3f", x/1000}')" "$T_RSS" "" "" \
        "$T_RC" "$(kv warm1_ok)" ""
    log "harness rep$1: cold $(kv cold_ms)ms warm $(kv warm1_ms)ms heap/conn $(kv heap_per_conn_kb)KiB $T_EXTRA"
}

log "run $RUN_ID: N=$N forks=$F reps=$REPS tools=[$TOOLS] harness=$HARNESS results=$RESULTS load=$(loadavg)"
[[ "$HARNESS" == 1 ]] && harness_build
if [[ "$RESIDENT" == 1 ]] && ! resident_known; then
    log "resident step skipped: this bin/conduit has no start|stop|status (branch perf-resident)"
    RESIDENT=0
fi
for ((r = 1; r <= REPS; r++)); do
    conduit_cold "$r"
    for t in $TOOLS; do peer "$t" "$r"; done
    conduit_warm "$r"
    [[ "$HARNESS" == 1 ]] && harness "$r"
    [[ "$BARE" == 1 ]] && conduit_bare "$r"
    [[ "$RESIDENT" == 1 ]] && conduit_resident "$r"
    (( BIG > 0 )) && big_inventory "$r"
done

table="$(python3 "$ROOT/bench/ratios.py" "$RESULTS" "$RUN_ID")"
echo "$table"
if [[ "$RECORD" == 1 ]]; then
    {
        echo
        echo "## $(date -u '+%Y-%m-%d %H:%M') UTC, run $RUN_ID"
        echo
        echo "commit $(git -C "$ROOT" rev-parse --short HEAD)$(git -C "$ROOT" diff --quiet HEAD -- . ':!bench' || echo ' (+ local changes)'),"
        echo "N=$N, forks $F, reps $REPS, tools [$TOOLS], harness $HARNESS; load average at the end $(loadavg);"
        echo "$(nproc) cores, $(awk '/MemTotal/{printf "%.0f GB", $2/1048576}' /proc/meminfo). Reproduce: \`REPS=$REPS TOOLS=\"$TOOLS\" HARNESS=$HARNESS bench/run.sh $N $F\`"
        echo
        echo "$table"
    } >> "$ROOT/bench/history.md"
    log "recorded in bench/history.md"
fi
