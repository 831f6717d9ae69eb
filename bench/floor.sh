#!/usr/bin/env bash
# bench/floor.sh [N] [FORKS] -- this machine's floor for issue 12's goals: what the loopback OpenSSH sshd
# itself spends, whatever the client, and what a process creation costs here.
#   1. N logins, each running `true` (OpenSSH's client, no multiplexing; xargs -P FORKS): sshd CPU s
#   2. N execs of `true` over open sessions (OpenSSH ControlMaster masters opened first, then reused):
#      sshd CPU s, REPS times -- the floor of any warm run (the issue's warm goal, < 1.0 s for 500 hosts)
#   3. fork+exec of /bin/true, SPAWNS times from bash: ms each
# CPU from our sshd's own cpuacct group (bench/lib.sh). Prints one table (markdown) and appends its rows to
# OUT/runs.csv. Bounded by N, REPS and SPAWNS.
# Knobs: REPS [3], SPAWNS [500], OUT [bench/results], PEERS_BENCH [../shared/bench],
#        PEERS_STATE [/tmp/peers-bench], PEERS_PORT [2222]. Stop the sshd after: kill $(cat $PEERS_STATE/sshd.pid)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
N="${1:-500}"
F="${2:-100}"
REPS="${REPS:-3}"
SPAWNS="${SPAWNS:-500}"
OUT="${OUT:-$ROOT/bench/results}"
PEERS_BENCH="${PEERS_BENCH:-$ROOT/../shared/bench}"
export PEERS_STATE="${PEERS_STATE:-/tmp/peers-bench}"
export PEERS_PORT="${PEERS_PORT:-2222}"
RESULTS="$OUT/runs.csv"
LOGDIR="$OUT/logs"
RUN_ID="$(date -u +%Y%m%dT%H%M%SZ)"
log() { echo "[$(date +%H:%M:%S)] $*" >&2; }
source "$ROOT/bench/lib.sh"
mkdir -p "$OUT" "$LOGDIR"
csv_header "$RESULTS"
"$PEERS_BENCH/setup-sshd.sh" "$N" >&2
sshd_own_cgroup
INV="$PEERS_STATE/inv/$N"
export HOME="$INV/home"
unset SSH_AUTH_SOCK
ulimit -Sn "$(ulimit -Hn)"

ssh_all() {  # ssh_config: `true` on every host, FORKS at once; prints OK lines
    # a failed host must not end xargs (it stops at a command's status 255): count it instead
    xargs -a "$INV/names.txt" -P "$F" -n 1 sh -c 'ssh -F "$0" "$1" true && echo "OK $1" || echo "FAIL $1"' "$1"
}
mux_exit() { xargs -a "$INV/names.txt" -P 20 -n 1 ssh -F "$INV/ssh_config.mux" -O exit > /dev/null 2>&1 || true; }
export -f ssh_all 2>/dev/null || true
rowf() {  # mode rep
    local ok; ok="$(grep -c '^OK ' "$T_OUT" || true)"
    row openssh "$1" "$2" "$T_WALL" "$T_RSS" "$T_USR" "$T_SYS" "$T_RC" "$ok" "$T_EXTRA"
    log "$1 rep$2: ${T_WALL}s ok=$ok/$N sshd CPU ${T_SSHD}s client CPU $(awk -v u="$T_USR" -v s="$T_SYS" 'BEGIN{print u+s}')s $T_EXTRA"
}

log "run $RUN_ID: N=$N forks=$F reps=$REPS load=$(loadavg)"
mux_exit
for ((r = 1; r <= REPS; r++)); do
    timed_run "floor-login-$r" bash -c "$(declare -f ssh_all); INV='$INV' F='$F' ssh_all '$INV/ssh_config'"
    rowf login "$r"
done
# masters: one login each, kept open (ControlPersist); then every exec rides on them
timed_run "floor-prime" bash -c "$(declare -f ssh_all); INV='$INV' F='$F' ssh_all '$INV/ssh_config.mux'"
rowf mux-prime 1
sleep 1; base="$(sshd_procs)"
for ((r = 1; r <= REPS; r++)); do
    SETTLE_TO="$base" timed_run "floor-exec-$r" bash -c "$(declare -f ssh_all); INV='$INV' F='$F' ssh_all '$INV/ssh_config.mux'"
    rowf exec "$r"
done
mux_exit
t0="$(date +%s%N)"; for ((i = 0; i < SPAWNS; i++)); do /bin/true; done; t1="$(date +%s%N)"
spawn_ms="$(awk -v a="$t0" -v b="$t1" -v n="$SPAWNS" 'BEGIN{printf "%.2f", (b-a)/1e6/n}')"
log "fork+exec of /bin/true from bash: $spawn_ms ms each ($SPAWNS spawns)"

python3 - "$RESULTS" "$RUN_ID" "$N" "$spawn_ms" "$(nproc)" <<'PY'
import csv, statistics, sys
path, run, n, spawn, cores = sys.argv[1:]
rows = [r for r in csv.DictReader(open(path)) if 'run=' + run in (r['extra'] or '')]
def m(mode, field):
    v = [float(r[field]) for r in rows if r['mode'] == mode and r[field] and r['all_ok'] == 'yes']
    return '-' if not v else '%.2f (%.2f-%.2f)' % (statistics.median(v), min(v), max(v))
print('## This machine\'s floor (run %s, N=%s, %s cores)\n' % (run, n, cores))
print('| %s hosts, `true` | wall s | sshd CPU s | client CPU s (OpenSSH) |' % n)
print('| --- | ---: | ---: | ---: |')
print('| logins (a new session each) | %s | %s | %s |' % (m('login', 'wall_s'), m('login', 'sshd_cpu_s'), m('login', 'client_cpu_s')))
print('| execs over open sessions (ControlMaster) | %s | %s | %s |' % (m('exec', 'wall_s'), m('exec', 'sshd_cpu_s'), m('exec', 'client_cpu_s')))
print('\nfork+exec of /bin/true from bash: %s ms each.\n' % spawn)
PY
