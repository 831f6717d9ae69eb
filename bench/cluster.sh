#!/usr/bin/env bash
# bench/cluster.sh [N] -- issue 14's figures: a run of N hosts (default 300, `true`) on 1, 2 and 3 Conduit nodes
# of one cluster, the time to notice a killed and a frozen node, and the memory of each member.
#
# Three copies of the distribution (OUT/n1..n3), each a resident Conduit (bin/conduit start) made a member as
# the README's "Cluster" says, on 127.0.0.1:5901, 127.0.0.2:5902, 127.0.0.3:5903 (heartbeat_timeout HB), and a
# loopback OpenSSH sshd of its own on 127.0.0.1-16 at a free port serving the N hosts (h1..hN in turn on the 16
# addresses, each host its own connection). Every run is started on node 1 (bin/conduit run, attached to its
# resident); its time is the run's own, from the summary line.
#
#   hosts/s     per cluster size: the first run (cold: every node opens its connections), then the median of REPS
#               runs (warm: the pooled connections). Node 1 alone with --local (the path without the cluster) is
#               the reference: the same work, no cluster in between.
#   notice      from the signal (SIGKILL node 3; later SIGSTOP node 2) to node 1's log saying the member left
#               (Hazelcast's "Members {size:2"), polled every 0.1 s
#   memory      VmRSS of each resident and its live heap (jcmd GC.run, GC.heap_info) after the runs, and of a resident
#               without the cluster (OUT/n0) after the same run, for the difference
#   start       `bin/conduit -c conduit:plugins` (a whole process) without and with the two jars of opt/cluster in
#               deploy/ (no etc/io.conduit.cluster.cfg: no member), alternating, median of REPS each
#
# On 2 cores this shows the cluster's overhead, not a speed-up: every node, the sshd and its sessions share them.
# Knobs: REPS [5], HB [5], OUT [bench/results/cluster], CONDUIT [launcher/target/conduit]. Every wait is bounded;
# the script stops its residents and its sshd (by their pids) when it ends.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
N="${1:-300}"
REPS="${REPS:-5}"
HB="${HB:-5}"
OUT="${OUT:-$ROOT/bench/results/cluster}"
CONDUIT="${CONDUIT:-$ROOT/launcher/target/conduit}"
[[ -x "$CONDUIT/bin/conduit" ]] || { echo "no $CONDUIT/bin/conduit; build it: ./mvnw -o -q install -DskipTests" >&2; exit 1; }
[[ "$N" =~ ^[0-9]+$ && "$REPS" =~ ^[0-9]+$ && "$HB" =~ ^[0-9]+$ ]] || { echo "usage: [REPS=5] [HB=5] $0 [N]" >&2; exit 1; }
[[ -x /usr/sbin/sshd ]] || { echo "no /usr/sbin/sshd: scripts/env/sshd.sh installs it" >&2; exit 1; }

MEMBERS=(127.0.0.1:5901 127.0.0.2:5902 127.0.0.3:5903)
ADDRESSES=16
rm -rf "$OUT"
mkdir -p "$OUT/logs" "$OUT/sshd/home"
LOG="$OUT/logs"

# ---- the sshd: 16 loopback addresses, one free port, a host key and a user key of its own -----------------------
PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
ssh-keygen -q -t ed25519 -N '' -f "$OUT/sshd/host"
ssh-keygen -q -t ed25519 -N '' -f "$OUT/sshd/client"
mkdir -p /run/sshd
{
    echo "Port $PORT"
    for i in $(seq 1 $ADDRESSES); do echo "ListenAddress 127.0.0.$i"; done
    echo "HostKey $OUT/sshd/host"
    echo "PidFile $OUT/sshd/sshd.pid"
    echo "AuthorizedKeysFile $OUT/sshd/client.pub"
    echo "PermitRootLogin prohibit-password"
    echo "PasswordAuthentication no"
    echo "KbdInteractiveAuthentication no"
    echo "UsePAM no"
    echo "UseDNS no"
    echo "StrictModes no"
    echo "MaxStartups $(( 2 * N + 100 ))"
    echo "PrintMotd no"
    echo "PrintLastLog no"
    echo "SetEnv HOME=$OUT/sshd/home"
    echo "LogLevel ERROR"
} > "$OUT/sshd/sshd_config"
/usr/sbin/sshd -D -e -f "$OUT/sshd/sshd_config" 2> "$LOG/sshd.log" &
SSHD=$!
cleanup() {  # our residents (a frozen one thawed first) and our sshd, by their pids
    local n pid
    for n in n0 n1 n2 n3; do
        pid="$(cat "$OUT/$n/data/resident/pid" 2>/dev/null)" || continue
        grep -qF "$OUT/$n" "/proc/$pid/cmdline" 2>/dev/null || continue
        kill -CONT "$pid" 2>/dev/null || true
        CONDUIT_DATA="$OUT/$n/data" timeout 60 "$OUT/$n/bin/conduit" stop > /dev/null 2>&1 || kill "$pid" 2>/dev/null || true
    done
    kill "$SSHD" 2>/dev/null || true
}
trap cleanup EXIT
for _ in $(seq 100); do (echo > "/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break; sleep 0.1; done

INV="$OUT/inventory.yaml"
{
    echo "defaults:"
    echo "  connection: ssh"
    echo "  port: $PORT"
    echo "  username: root"
    echo "  connection_options:"
    echo "    ssh:"
    echo "      extras: {private_key_file: $OUT/sshd/client, known_hosts_file: $OUT/sshd/known_hosts,"
    echo "               look_for_keys: false, host_key_checking: strict, connect_timeout: 60s}"
    echo "hosts:"
    for i in $(seq 1 "$N"); do echo "  h$i: {hostname: 127.0.0.$(( 1 + (i - 1) % ADDRESSES ))}"; done
} > "$INV"
for i in $(seq 1 $ADDRESSES); do echo "[127.0.0.$i]:$PORT $(cat "$OUT/sshd/host.pub")"; done > "$OUT/sshd/known_hosts"

# ---- the nodes ---------------------------------------------------------------------------------------------------
head -c 32 /dev/urandom > "$OUT/cluster.key"
make_node() {  # make_node NAME [MEMBER]: a copy of the distribution; with MEMBER, a member of the cluster
    local home="$OUT/$1"
    mkdir -p "$home"
    (cd "$CONDUIT" && tar cf - --exclude=./data .) | tar xf - -C "$home"
    [[ -n "${2:-}" ]] || return 0
    cp "$home"/opt/cluster/*.jar "$home/deploy/"
    cat > "$home/etc/io.conduit.cluster.cfg" <<EOF
enabled = true
cluster_name = conduit-bench
members = $(IFS=,; echo "${MEMBERS[*]}")
bind_address = ${2%:*}
port = ${2#*:}
key_file = etc/cluster.key
heartbeat_timeout = $HB
EOF
    cp "$OUT/cluster.key" "$home/etc/cluster.key"
    chmod 600 "$home/etc/cluster.key"
}
conduit() {  # conduit NAME ARGS...: bin/conduit of a node, on its own data folder (attached to its resident)
    local name="$1"; shift
    CONDUIT_DATA="$OUT/$name/data" timeout 300 "$OUT/$name/bin/conduit" "$@"
}
resident_pid() { cat "$OUT/$1/data/resident/pid"; }
start_node() {  # start_node NAME MEMBERS_EXPECTED: start the resident, wait (bounded) until its cluster has them
    conduit "$1" start > "$LOG/$1-start.log" 2>&1
    [[ -n "${2:-}" ]] || return 0
    local end=$(( SECONDS + 120 ))
    until [[ "$(conduit "$1" cluster --json 2>/dev/null | grep -c '"proven": true' || true)" == "$2" ]]; do
        (( SECONDS < end )) || { echo "$1: the cluster did not reach $2 members in 120 s" >&2; exit 1; }
        sleep 0.5
    done
}
rss_kb() { awk '/^VmRSS/{print $2}' "/proc/$1/status"; }
heap_used_kb() {  # live heap: after a full collection, the used KB of every generation (not metaspace)
    jcmd "$1" GC.run > /dev/null 2>&1 || true
    jcmd "$1" GC.heap_info 2>/dev/null | awk '/total [0-9]+K, used [0-9]+K/ && !/Metaspace/ {
        sub(/.*used /, ""); sub(/K.*/, ""); kb += $0 } END { print kb + 0 }'
}

# seconds of the run from its summary line "N hosts: ... (S s); run ID ..."
run_seconds() { grep -E '^[0-9]+ hosts: ' "$1" | tail -1 | sed -E 's/.*\(([0-9.]+) s\).*/\1/'; }
run_ok() { grep -E '^[0-9]+ hosts: ' "$1" | tail -1 | sed -E 's/^[0-9]+ hosts: ([0-9]+) ok.*/\1/'; }
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END{ if (NR == 0) print "?"; else if (NR % 2) print a[(NR+1)/2]; else printf "%.3f\n", (a[NR/2]+a[NR/2+1])/2 }'; }
hps() { awk -v n="$N" -v s="$1" 'BEGIN{ if (s > 0) printf "%.0f", n / s; else print "?" }'; }

declare -A COLD WARM
measure() {  # measure LABEL RUN-ARGS...: one cold run and REPS warm runs of `true` on the N hosts, from node 1
    local label="$1" f s all=(); shift
    f="$LOG/$label-cold.out"; conduit n1 run "$@" -i "$INV" all true > "$f" 2>&1 || true
    COLD[$label]="$(run_seconds "$f")"
    [[ "$(run_ok "$f")" == "$N" ]] || echo "warning: $label cold: not every host ok (see $f)" >&2
    for rep in $(seq 1 "$REPS"); do
        f="$LOG/$label-warm-$rep.out"; conduit n1 run "$@" -i "$INV" all true > "$f" 2>&1 || true
        s="$(run_seconds "$f")"; all+=("$s")
        [[ "$(run_ok "$f")" == "$N" ]] || echo "warning: $label rep $rep: not every host ok (see $f)" >&2
    done
    WARM[$label]="$(echo "${all[*]}" | median)"
    echo "$label: cold ${COLD[$label]} s, warm ${all[*]} s (median ${WARM[$label]})" >&2
}
# notice NAME SIGNAL: send SIGNAL to node NAME's resident, return the seconds until node 1's log shows 2 members
notice() {
    local log="$OUT/n1/data/log/conduit.log" pid from t0 t1 end
    pid="$(resident_pid "$1")"
    from="$(wc -l < "$log")"
    t0="$(date +%s%N)"
    kill -"$2" "$pid"
    end=$(( SECONDS + 120 ))
    until tail -n +"$(( from + 1 ))" "$log" | grep -q 'Members {size:2'; do
        (( SECONDS < end )) || { echo "?"; return; }
        sleep 0.1
    done
    t1="$(date +%s%N)"
    awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.1f", (b - a) / 1e9}'
}

# start STARTS: the start cost of the jars alone, alternating A B A B
start_cost() {
    local a=() b=() t0 t1 rep
    make_node plain
    make_node jars
    cp "$OUT/jars"/opt/cluster/*.jar "$OUT/jars/deploy/"
    for rep in $(seq 1 "$REPS"); do
        for n in plain jars; do
            t0="$(date +%s%N)"
            CONDUIT_RESIDENT=0 conduit "$n" -c conduit:plugins > "$LOG/start-$n-$rep.out" 2>&1 || true
            t1="$(date +%s%N)"
            if [[ "$n" == plain ]]; then a+=("$(( (t1 - t0) / 1000000 ))"); else b+=("$(( (t1 - t0) / 1000000 ))"); fi
        done
    done
    START_PLAIN="$(echo "${a[*]}" | median)"; START_JARS="$(echo "${b[*]}" | median)"
    echo "start: without ${a[*]} ms, with the jars ${b[*]} ms" >&2
}

echo "# $(date -u +%FT%TZ) N=$N REPS=$REPS heartbeat_timeout=$HB, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
start_cost
make_node n0
make_node n1 "${MEMBERS[0]}"
make_node n2 "${MEMBERS[1]}"
make_node n3 "${MEMBERS[2]}"

# a resident without the cluster: its memory after one run, the reference for a member's
start_node n0
conduit n0 run -i "$INV" all true > "$LOG/n0-run.out" 2>&1 || true
P0="$(resident_pid n0)"; RSS0="$(rss_kb "$P0")"; HEAP0="$(heap_used_kb "$P0")"
conduit n0 stop > /dev/null 2>&1 || true

start_node n1 1
measure local --local
measure 1-node
start_node n2 2
measure 2-nodes
start_node n3 3
measure 3-nodes

MEM=()
for n in n1 n2 n3; do p="$(resident_pid "$n")"; MEM+=("$n $(rss_kb "$p") $(heap_used_kb "$p")"); done

KILLED="$(notice n3 KILL)"
conduit n3 stop > /dev/null 2>&1 || true   # removes the killed resident's socket
start_node n3 3
FROZEN="$(notice n2 STOP)"
kill -CONT "$(resident_pid n2)" 2>/dev/null || true

printf '\n%s hosts, `true`, runs from node 1; %s cores (this shows overhead, not speed-up); %s\n\n' "$N" "$(nproc)" "$(date -u +%F)"
printf '| nodes | cold run (s) | cold hosts/s | warm run, median of %s (s) | warm hosts/s |\n|---|---|---|---|---|\n' "$REPS"
for label in local 1-node 2-nodes 3-nodes; do
    name="$label"; [[ "$label" == local ]] && name="1, --local (no cluster path)"
    printf '| %s | %s | %s | %s | %s |\n' "$name" "${COLD[$label]}" "$(hps "${COLD[$label]}")" "${WARM[$label]}" "$(hps "${WARM[$label]}")"
done
printf '\n| lost node | noticed after (s), heartbeat_timeout %s |\n|---|---|\n' "$HB"
printf '| killed (SIGKILL node 3) | %s |\n| frozen (SIGSTOP node 2) | %s |\n' "$KILLED" "$FROZEN"
printf '\n| bin/conduit -c conduit:plugins, whole process | median of %s (ms) |\n|---|---|\n' "$REPS"
printf '| default distribution | %s |\n| opt/cluster/*.jar in deploy/, no configuration | %s |\n' "$START_PLAIN" "$START_JARS"
printf '\n| resident | VmRSS (MB) | heap used (MB) |\n|---|---|---|\n'
printf '| without the cluster, after one run | %s | %s |\n' "$(( RSS0 / 1024 ))" "$(( ${HEAP0/\?/0} / 1024 ))"
for m in "${MEM[@]}"; do
    read -r n rss heap <<< "$m"
    printf '| %s, member of 3 | %s | %s |\n' "$n" "$(( rss / 1024 ))" "$(( ${heap/\?/0} / 1024 ))"
done
for n in n1 n2 n3; do conduit "$n" stop > /dev/null 2>&1 || true; done
