#!/usr/bin/env bash
# bench/scale.sh [SIZE...] -- Conduit on 1,000, 2,000 and 5,000 hosts (default) in one JVM, cold and warm, with
# time and memory per host side by side, to show the cost grows linearly with the number of hosts.
#
# The hosts are fake (127.0.A.B, loopback only), served by several OpenSSH sshds of ../shared/bench/setup-sshd.sh,
# PER_SSHD hosts each, on ports BASE_PORT, BASE_PORT+1, ... (state dirs STATE_PREFIX-0, -1, ...; they share one
# host key and one user key, so one known_hosts serves all). For each size, one process
#     bin/conduit -c 'conduit:run -i INV -f FORKS all true ; conduit:run -i INV -f FORKS all true'
# gives the cold run (first summary line), the warm run (second: every session reused), the whole process's
# wall time and peak RSS; the sshds' CPU and their peak memory (summed PSS of their processes, sampled every
# 0.5 s) are taken around it. HARNESS=1 adds the plugin alone (FanoutHarness) at each size, for the heap after
# GC per open connection.
#
# Memory: every open OpenSSH session costs the server two processes. Before a size is run, its sshd memory is
# estimated from the smallest size's measured PSS per session; a size whose estimate exceeds MEM_FRACTION of
# MemAvailable is skipped with a note instead of pushing the machine into the OOM killer.
#
# Knobs: FORKS [100], REPS [1], PER_SSHD [1000], BASE_PORT [2236], STATE_PREFIX [/tmp/peers-bench5],
#        HARNESS [0], MEM_FRACTION [0.6], OUT [bench/results/scale], PEERS_BENCH [../shared/bench],
#        CONDUIT [launcher/target/conduit], M2 [Maven's default] for the harness's build, KEEP_SSHD [0]
#        (1 = leave the sshds running for the next call; else they are stopped by pid at the end).
#        BIG [0] and BIG_GEN / BIG_CMD: the 200k-host inventory hook, as in bench/run.sh (no sshd needed).
# Example: bench/scale.sh 1000            # validate on 1,000 hosts (two sshds), about 2-5 minutes
#          REPS=2 HARNESS=1 bench/scale.sh 1000 2000 5000
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
SIZES=("$@"); (( ${#SIZES[@]} > 0 )) || SIZES=(1000 2000 5000)
F="${FORKS:-100}"
REPS="${REPS:-1}"
PER_SSHD="${PER_SSHD:-1000}"
BASE_PORT="${BASE_PORT:-2236}"
STATE_PREFIX="${STATE_PREFIX:-/tmp/peers-bench5}"
HARNESS="${HARNESS:-0}"
MEM_FRACTION="${MEM_FRACTION:-0.6}"
OUT="${OUT:-$ROOT/bench/results/scale}"
PEERS_BENCH="${PEERS_BENCH:-$ROOT/../shared/bench}"
CONDUIT="${CONDUIT:-$ROOT/launcher/target/conduit}"
BIG="${BIG:-0}"
RESULTS="$OUT/runs.csv"
LOGDIR="$OUT/logs"
RUN_ID="$(date -u +%Y%m%dT%H%M%SZ)"
export PEERS_STATE="$STATE_PREFIX-0"          # lib.sh's names; the sshds' own are set per instance below
SSHD_CG="/sys/fs/cgroup/cpuacct/peers-sshd/bench-scale-$(basename "$STATE_PREFIX")"

die() { echo "bench/scale.sh: $*" >&2; exit 1; }
log() { echo "[$(date +%H:%M:%S)] $*" >&2; }
[[ -x "$PEERS_BENCH/setup-sshd.sh" ]] || die "no $PEERS_BENCH/setup-sshd.sh; set PEERS_BENCH to shared/bench"
[[ -x "$CONDUIT/bin/conduit" ]] || die "no $CONDUIT/bin/conduit; build it: ./mvnw -o -q install -DskipTests"
for s in "${SIZES[@]}"; do [[ "$s" =~ ^[1-9][0-9]*$ ]] || die "usage: bench/scale.sh [SIZE...] (host counts)"; done
source "$ROOT/bench/lib.sh"
mkdir -p "$OUT" "$LOGDIR"
csv_header "$RESULTS"

max=0; for s in "${SIZES[@]}"; do (( s > max )) && max=$s; done
K=$(( (max + PER_SSHD - 1) / PER_SSHD ))
PIDFILES=()
stop_sshds() {
    [[ "${KEEP_SSHD:-0}" == 1 ]] && { log "sshds left running: kill \$(cat $STATE_PREFIX-*/sshd.pid)"; return 0; }
    local f
    for f in "${PIDFILES[@]}"; do
        [[ -s "$f" ]] && pid="$(cat "$f")" && kill "$pid" 2>/dev/null && log "stopped sshd $pid"
    done
    return 0
}
trap stop_sshds EXIT

# K sshds, one host key and one user key (made by the first, copied to the others before they start)
for ((k = 0; k < K; k++)); do
    st="$STATE_PREFIX-$k"
    if (( k > 0 )); then
        mkdir -p "$st/server" "$st/client"; chmod 700 "$st" "$st/server" "$st/client"
        cp -p "$STATE_PREFIX-0"/server/ssh_host_ed25519_key* "$st/server/"
        cp -p "$STATE_PREFIX-0"/client/id_ed25519* "$st/client/"
    fi
    PEERS_STATE="$st" PEERS_PORT=$(( BASE_PORT + k )) "$PEERS_BENCH/setup-sshd.sh" 1 > "$LOGDIR/setup-sshd-$k.log" 2>&1 \
        || die "sshd $k did not start: see $LOGDIR/setup-sshd-$k.log"
    PIDFILES+=("$st/sshd.pid")
done
sshd_own_cgroup "${PIDFILES[@]}"
log "$K sshds on ports $BASE_PORT..$(( BASE_PORT + K - 1 )), $PER_SSHD hosts each; cpu group $SSHD_CG"
KEY="$STATE_PREFIX-0/client/id_ed25519"
HOSTKEY="$(cut -d' ' -f1,2 "$STATE_PREFIX-0/server/ssh_host_ed25519_key.pub")"

# hosts.txt "name address port" for N hosts (addresses as ../shared/bench's addr_of), known_hosts, inventory
inventory() {
    local n="$1" d="$OUT/inv-$1"
    mkdir -p "$d"
    awk -v n="$n" -v per="$PER_SSHD" -v base="$BASE_PORT" 'BEGIN{ for (i = 0; i < n; i++)
        printf "h%05d 127.0.%d.%d %d\n", i + 1, 1 + int(i / 250), 1 + i % 250, base + int(i / per) }' > "$d/hosts.txt"
    awk -v k="$HOSTKEY" '{printf "[%s]:%s %s\n", $2, $3, k}' "$d/hosts.txt" > "$d/known_hosts"
    conduit_inventory "$d/inventory.yaml" "$KEY" "$d/known_hosts" < "$d/hosts.txt"
}

# memwatch: the sshds' summed PSS/RSS, peak over the run (../shared/bench/lib/snap.py, on our cgroup)
mem_start() { python3 "$PEERS_BENCH/lib/snap.py" memwatch "$SSHD_CG" 0.5 "$LOGDIR/mem-$1" & MW=$!; }
mem_stop() { kill -TERM "$MW" 2>/dev/null; wait "$MW" 2>/dev/null || true; MEM=($(cat "$LOGDIR/mem-$1")); }

PSS_PER_SESSION_KB=""
run_size() {  # N rep
    N="$1"; local rep="$2" d="$OUT/inv-$1" s1 s2 line
    line="conduit:run -i $d/inventory.yaml -f $F all true"
    mem_start "conduit-$N-$rep"
    timed_run "conduit-$N-$rep" "$CONDUIT/bin/conduit" -c "$line ; $line"
    mem_stop "conduit-$N-$rep"
    s1=($(summary "$T_OUT" 1)); s2=($(summary "$T_OUT" 2))
    local pss=$(( MEM[0] )) procs=$(( MEM[2] ))
    local extra="in_run_s=${s1[1]:-} warm_s=${s2[1]:-} warm_ok=${s2[0]:-0} sshd_pss_peak_kb=$pss sshd_rss_peak_kb=${MEM[1]} sshd_procs_peak=$procs $T_EXTRA"
    row conduit scale "$rep" "$T_WALL" "$T_RSS" "$T_USR" "$T_SYS" "$T_RC" "${s1[0]:-0}" "$extra"
    log "N=$N rep$rep: process ${T_WALL}s cold ${s1[1]:-?}s (${s1[0]:-0} ok) warm ${s2[1]:-?}s (${s2[0]:-0} ok) rss=${T_RSS}KB sshd pss peak $(( pss / 1024 ))MB in $procs procs rc=$T_RC $T_EXTRA"
    if [[ -z "$PSS_PER_SESSION_KB" && "${s1[0]:-0}" == "$N" ]]; then
        PSS_PER_SESSION_KB=$(( pss / N ))
        log "sshd memory per open session: $PSS_PER_SESSION_KB KB PSS (measured at N=$N)"
    fi
}

harness() {  # N rep: the plugin alone, heap after GC per open connection
    N="$1"; local rep="$2" d="$OUT/inv-$1" res
    timed_run "harness-$N-$rep" bash -c 'ulimit -Sn "$(ulimit -Hn)"; exec "$@"' _ \
        java -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$HARNESS_CP" io.conduit.ssh.FanoutHarness \
        --hosts "$d/hosts.txt" --port "$BASE_PORT" --user root --key "$KEY" --known-hosts "$d/known_hosts" \
        --forks "$F" --cmd true --warm-rounds 1
    res="$(grep '^RESULT' "$T_OUT" | head -1)"
    kv() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<< "$res"; }
    row harness scale "$rep" "$(awk -v x="$(kv cold_ms)" 'BEGIN{printf "%.3f", x/1000}')" "$T_RSS" "$T_USR" "$T_SYS" \
        "$T_RC" "$(kv cold_ok)" "warm_s=$(awk -v x="$(kv warm1_ms)" 'BEGIN{printf "%.3f", x/1000}') heap_per_conn_kb=$(kv heap_per_conn_kb) process_s=$T_WALL $T_EXTRA"
    log "harness N=$N rep$rep: cold $(kv cold_ms)ms warm $(kv warm1_ms)ms heap/conn $(kv heap_per_conn_kb)KiB"
}

log "run $RUN_ID: sizes ${SIZES[*]} forks=$F reps=$REPS load=$(loadavg) MemAvailable=$(awk '/MemAvailable/{print int($2/1024)}' /proc/meminfo)MB"
[[ "$HARNESS" == 1 ]] && harness_build
for n in $(printf '%s\n' "${SIZES[@]}" | sort -n); do
    inventory "$n"
    if [[ -n "$PSS_PER_SESSION_KB" ]]; then
        need=$(( n * PSS_PER_SESSION_KB / 1024 ))
        avail=$(awk '/MemAvailable/{print int($2/1024)}' /proc/meminfo)
        if awk -v a="$need" -v b="$avail" -v f="$MEM_FRACTION" 'BEGIN{exit !(a > b * f)}'; then
            log "N=$n skipped: its sshd sessions would take about ${need} MB, more than $MEM_FRACTION of the ${avail} MB available"
            continue
        fi
        log "N=$n: sshd sessions estimated at ${need} MB of ${avail} MB available"
    fi
    for ((r = 1; r <= REPS; r++)); do
        run_size "$n" "$r"
        [[ "$HARNESS" == 1 ]] && harness "$n" "$r"
    done
done
if (( BIG > 0 )); then N="$BIG"; big_inventory 1; fi
python3 "$ROOT/bench/scale.py" "$RESULTS" "$RUN_ID"
