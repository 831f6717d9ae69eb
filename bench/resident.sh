#!/usr/bin/env bash
# bench/resident.sh [N] [FORKS] -- a script's second bin/conduit run, attached to a resident Conduit
# (bin/conduit start), next to the warm second run inside one process (issue 12, item 5; goal: the attached
# whole process <= 1.5x the in-shell warm run).
#
# Per repetition, alternating (A B A B):
#   A  in-process:  CONDUIT_RESIDENT=0 bin/conduit -c 'conduit:run ... ; conduit:run ...'
#                   -> the second run's own time (its summary line): the in-shell warm run
#   B  attached:    bin/conduit -c 'conduit:run ...' twice against the resident (started once)
#                   -> the second process's wall and CPU (/usr/bin/time) and its run's summary time
# Prints one line per measurement, then medians and the ratio B-wall / A-run.
#
# Knobs: REPS [3], OUT [bench/results], PEERS_BENCH [../shared/bench], PEERS_STATE [/tmp/peers-bench],
#        PEERS_PORT [2222], CONDUIT [launcher/target/conduit]. Bounded: every run has a 300 s timeout.
# Afterwards: kill $(cat $PEERS_STATE/sshd.pid)   (the script stops its resident itself)
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
N="${1:-500}"
F="${2:-100}"
REPS="${REPS:-3}"
OUT="${OUT:-$ROOT/bench/results}"
PEERS_BENCH="${PEERS_BENCH:-$ROOT/../shared/bench}"
export PEERS_STATE="${PEERS_STATE:-/tmp/peers-bench}"
export PEERS_PORT="${PEERS_PORT:-2222}"
CONDUIT="${CONDUIT:-$ROOT/launcher/target/conduit}"
BIN="$CONDUIT/bin/conduit"
[[ -x "$BIN" ]] || { echo "no $BIN; build it: ./mvnw -o -q install -DskipTests" >&2; exit 1; }
[[ "$N" =~ ^[0-9]+$ && "$F" =~ ^[0-9]+$ && "$REPS" =~ ^[0-9]+$ ]] || { echo "usage: $0 [N] [FORKS]" >&2; exit 1; }

mkdir -p "$OUT/logs"
"$PEERS_BENCH/setup-sshd.sh" "$N" >&2
INV="$PEERS_STATE/inv/$N"
CINV="$OUT/resident-inventory-$N.yaml"
{
    echo "defaults: {connection: ssh, port: $PEERS_PORT, username: root, connection_options: {ssh: {extras: {"
    echo "  private_key_file: $PEERS_STATE/client/id_ed25519, known_hosts_file: $INV/known_hosts,"
    echo "  look_for_keys: false, host_key_checking: strict, connect_timeout: 60s}}}}"
    echo "hosts:"
    awk '{print "  " $1 ": {hostname: " $2 "}"}' "$INV/hosts.txt"
} > "$CINV"

# the resident's own data folder (short: a Unix socket path holds 107 bytes)
export CONDUIT_DATA="${CONDUIT_DATA_BENCH:-/tmp/conduit-resident-bench}"
LINE="conduit:run -i $CINV -f $F all true"
summary() { grep -E '^[0-9]+ hosts: ' "$1" | sed -n "${2}p" | sed -E 's/.*\(([0-9.]+) s\).*/\1/'; }
timed() { /usr/bin/time -f '%e %U %S %M' -o "$1.time" timeout 300 "${@:2}" > "$1" 2>&1 || true; }

trap '"$BIN" stop >/dev/null 2>&1 || true' EXIT
echo "# $(date -u +%FT%TZ) N=$N forks=$F load: $(cut -d' ' -f1-3 /proc/loadavg)"
CONDUIT_RESIDENT=0 timeout 120 "$BIN" stop >/dev/null 2>&1 || true
"$BIN" start >&2
timed "$OUT/logs/resident-first.log" "$BIN" -c "$LINE"   # the resident's first, cold run
A=(); B=(); BCPU=()
for rep in $(seq 1 "$REPS"); do
    a="$OUT/logs/resident-A-$rep.log"
    CONDUIT_RESIDENT=0 timed "$a" "$BIN" -c "$LINE; $LINE"
    A+=("$(summary "$a" 2)")
    b="$OUT/logs/resident-B-$rep.log"
    timed "$b" "$BIN" -c "$LINE"
    read -r wall user sys rss < "$b.time"
    cpu="$(awk "BEGIN{print $user + $sys}")"
    B+=("$wall"); BCPU+=("$cpu")
    echo "rep $rep: A in-shell warm run ${A[-1]} s | B attached process ${wall} s wall, $cpu s CPU," \
         "${rss} KB RSS, its run $(summary "$b" 1) s | load $(cut -d' ' -f1 /proc/loadavg)"
done
python3 - "${A[*]}" "${B[*]}" "${BCPU[*]}" <<'EOF'
import statistics, sys
a, b, c = ([float(x) for x in s.split()] for s in sys.argv[1:4])
ma, mb = statistics.median(a), statistics.median(b)
print(f"median: in-shell warm run {ma:.2f} s; attached second process {mb:.2f} s wall, "
      f"{statistics.median(c):.2f} s client CPU; ratio {mb / ma:.2f}x (goal <= 1.5x)")
print("pairs: " + ", ".join(f"{y / x:.2f}" for x, y in zip(a, b)))
EOF
