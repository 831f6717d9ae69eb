#!/usr/bin/env bash
# bench/profile.sh [N] [FORKS] -- the core's path around the ssh plugin, with evidence (bench/PROFILE.md).
#
# With the loopback sshd of ../shared/bench/setup-sshd.sh (N fake hosts), for REPS repetitions, alternating
# (A B A B ...) in the same minutes:
#   harness  the ssh plugin alone (io.conduit.ssh.FanoutHarness, ssh.bundle's test sources): cold, warm
#   cold     bin/conduit -c 'conduit:run -i INV -f FORKS all true'            (a new JVM)
#   warm     bin/conduit -c 'conduit:run ... ; conduit:run ...'               (the second run's own time)
# Each line gives the run's own time (summary line / RESULT) and the process's CPU seconds (user+sys, from
# /usr/bin/time) and max RSS; the machine's load average before each. JFR=1 records each process with
# settings=profile into $OUT/*.jfr and prints the top frames (bench/jfr-top.py).
#
# Knobs: REPS [3], JFR [0], MODES [harness cold warm], OUT [bench/results/profile], PEERS_STATE
# [/tmp/peers-bench], PEERS_PORT [2222], PEERS_BENCH [../shared/bench], CONDUIT [launcher/target/conduit],
# MVN_REPO (a -Dmaven.repo.local for building the harness's classpath). Stop the sshd afterwards with
# kill $(cat $PEERS_STATE/sshd.pid).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
N="${1:-500}"
F="${2:-100}"
REPS="${REPS:-3}"
JFR="${JFR:-0}"
MODES="${MODES:-harness cold warm}"
OUT="${OUT:-$ROOT/bench/results/profile}"
PEERS_BENCH="${PEERS_BENCH:-$ROOT/../shared/bench}"
export PEERS_STATE="${PEERS_STATE:-/tmp/peers-bench}"
export PEERS_PORT="${PEERS_PORT:-2222}"
CONDUIT="${CONDUIT:-$ROOT/launcher/target/conduit}"
die() { echo "bench/profile.sh: $*" >&2; exit 1; }
[[ "$N" =~ ^[0-9]+$ && "$F" =~ ^[0-9]+$ && "$REPS" =~ ^[0-9]+$ ]] || die "usage: bench/profile.sh [N] [FORKS]"
[[ -x "$CONDUIT/bin/conduit" ]] || die "no $CONDUIT/bin/conduit; build it: ./mvnw -o -q install -DskipTests"
mkdir -p "$OUT"
"$PEERS_BENCH/setup-sshd.sh" "$N" >&2
INV="$PEERS_STATE/inv/$N"
KEY="$PEERS_STATE/client/id_ed25519"

CINV="$OUT/inventory-$N-$PEERS_PORT.yaml"   # the shape of bench/run.sh's
{
    echo "defaults:"
    echo "  connection: ssh"
    echo "  port: $PEERS_PORT"
    echo "  username: root"
    echo "  connection_options:"
    echo "    ssh:"
    echo "      extras: {private_key_file: $KEY, known_hosts_file: $INV/known_hosts, look_for_keys: false,"
    echo "               host_key_checking: strict, connect_timeout: 60s}"
    echo "hosts:"
    while read -r name addr; do echo "  $name: {hostname: $addr}"; done < "$INV/hosts.txt"
} > "$CINV"

mvnrepo=(); [[ -n "${MVN_REPO:-}" ]] && mvnrepo=("-Dmaven.repo.local=$MVN_REPO")
if [[ " $MODES " == *" harness "* ]]; then
    (cd "$ROOT" && ./mvnw -B -q -o "${mvnrepo[@]}" test-compile -pl ssh.bundle \
        && ./mvnw -B -q -o "${mvnrepo[@]}" dependency:build-classpath -pl ssh.bundle -Dmdep.includeScope=test \
            -Dmdep.outputFile="$OUT/harness.cp") >&2
    CP="$ROOT/ssh.bundle/target/test-classes:$ROOT/ssh.bundle/target/classes:$(cat "$OUT/harness.cp")"
fi

cpu() { awk '{printf "cpu_s=%.2f wall_s=%s rss_mb=%d", $2 + $3, $1, $4 / 1024}' "$1"; }
summary() { grep -E '^[0-9]+ hosts: ' "$1" | sed -n "${2}p" | sed -E 's/^[0-9]+ hosts: ([0-9]+) ok.*\(([0-9.]+) s\).*/ok=\1 run_s=\2/'; }

for ((r = 1; r <= REPS; r++)); do
    for mode in $MODES; do
        tag="$mode-$r"; tf="$OUT/$tag.time"; log="$OUT/$tag.out"
        jfr=(); [[ "$JFR" == 1 ]] && jfr=("-XX:StartFlightRecording=filename=$OUT/$tag.jfr,settings=profile")
        load="$(cut -d' ' -f1-3 /proc/loadavg)"
        case "$mode" in
            harness)
                (ulimit -Sn "$(ulimit -Hn)"; /usr/bin/time -f '%e %U %S %M' -o "$tf" java "${jfr[@]}" \
                    -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$CP" io.conduit.ssh.FanoutHarness \
                    --hosts "$INV/hosts.txt" --port "$PEERS_PORT" --user root --key "$KEY" \
                    --known-hosts "$INV/known_hosts" --forks "$F" --cmd true --warm-rounds 1) > "$log" 2>&1 || true
                res="$(grep '^RESULT' "$log" | grep -oE 'cold_ms=[0-9]+ cold_ok=[0-9]+|warm1_ms=[0-9]+' | tr '\n' ' ')"
                echo "$tag load=[$load] $res $(cpu "$tf")" ;;
            cold|warm)
                line="conduit:run -i $CINV -f $F all true"
                [[ "$mode" == warm ]] && line="$line ; $line"
                CONDUIT_JAVA_OPTS="${CONDUIT_JAVA_OPTS:-} ${jfr[*]}" /usr/bin/time -f '%e %U %S %M' -o "$tf" \
                    "$CONDUIT/bin/conduit" -c "$line" > "$log" 2>&1 < /dev/null || true
                k=1; [[ "$mode" == warm ]] && k=2
                echo "$tag load=[$load] $(summary "$log" "$k") first_run=[$(summary "$log" 1)] $(cpu "$tf")" ;;
        esac
        if [[ "$JFR" == 1 && -s "$OUT/$tag.jfr" ]]; then
            python3 "$ROOT/bench/jfr-top.py" "$OUT/$tag.jfr" > "$OUT/$tag.top.txt" || true
        fi
    done
done
