#!/usr/bin/env bash
# bench/ssh-tuning.sh N REPS VARIANT...  -- the ssh plugin alone (FanoutHarness) over N loopback hosts, the
# variants alternated run by run (A B A B ...), each run's client CPU (user+sys seconds), wall and max RSS
# recorded with /usr/bin/time. Results: bench/results/ssh-tuning.csv (one line per run) and a median table.
#
# A VARIANT is NAME=JVM-OPTIONS-AND-HARNESS-ARGS, e.g.
#   'base='   'workers8=-Dorg.apache.sshd.config.nio-workers=8' (a MINA property, from system properties)
#   'bc=@bc'  (BouncyCastle instead of net.i2p EdDSA)   'old=@classes=/tmp/main-classes' (another build of
#   ssh.bundle/target/classes: save one with cp -a before a change)
# Harness arguments go after '--' inside the variant: 'noprobe=-- --probe false'.
#
# Needs the sshd of ../shared/bench/setup-sshd.sh (PEERS_STATE, PEERS_PORT) and a built tree
# (./mvnw -o -q install -DskipTests). Bounded: each run has the harness's own timeouts and `timeout 600`.
# Example: PEERS_STATE=/tmp/peers-sshfast PEERS_PORT=2232 bench/ssh-tuning.sh 500 3 base= 'bc=@bc'
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
N="${1:?usage: ssh-tuning.sh N REPS VARIANT...}"; REPS="${2:?}"; shift 2
PEERS_STATE="${PEERS_STATE:-/tmp/peers-bench}"; PORT="${PEERS_PORT:-2222}"
FORKS="${FORKS:-100}"; M2="${M2:-$HOME/.m2/repository}"
OUT="${OUT:-$ROOT/bench/results}"; mkdir -p "$OUT"
INV="$PEERS_STATE/inv/$N"; [[ -s "$INV/hosts.txt" ]] || { echo "no $INV/hosts.txt: run setup-sshd.sh $N" >&2; exit 1; }
CP_FILE="$OUT/ssh-tuning.cp"
(cd "$ROOT" && ./mvnw -B -q -ntp -o -Dmaven.repo.local="$M2" test-compile -pl ssh.bundle \
    && ./mvnw -B -q -ntp -o -Dmaven.repo.local="$M2" dependency:build-classpath -pl ssh.bundle \
        -Dmdep.includeScope=test -Dmdep.outputFile="$CP_FILE") >&2
base_cp="$ROOT/ssh.bundle/target/test-classes:$ROOT/ssh.bundle/target/classes:$(cat "$CP_FILE")"
bc_cp="$(find "$M2/org/bouncycastle" -name 'bcprov-jdk18on-*.jar' | sort | tail -1)"
CSV="$OUT/ssh-tuning.csv"
[[ -s "$CSV" ]] || echo "date,variant,n,forks,wall_s,user_s,sys_s,cpu_s,maxrss_kb,cold_ms,warm2_ms,warm3_ms,heap_per_conn_kb,cold_ok,warm3_ok,load1" > "$CSV"
for ((r = 1; r <= REPS; r++)); do
    for v in "$@"; do
        name="${v%%=*}"; spec="${v#*=}"; jvm="${spec%%--*}"; hargs=""
        [[ "$spec" == *--* ]] && hargs="${spec#*--}"
        cp="$base_cp"
        if [[ "$jvm" =~ @classes=([^ ]+) ]]; then   # another build of ssh.bundle's classes (A/B of code)
            cp="${cp/$ROOT\/ssh.bundle\/target\/classes/${BASH_REMATCH[1]}}"; jvm="${jvm/@classes=${BASH_REMATCH[1]}/}"
        fi
        if [[ "$jvm" == *@bc* ]]; then   # BouncyCastle's EdDSA instead of net.i2p's
            cp="$(echo "$cp" | tr ':' '\n' | grep -v '/eddsa-' | paste -sd:):$bc_cp"; jvm="${jvm//@bc/}"
        fi
        load="$(cut -d' ' -f1 /proc/loadavg)"
        res="$( (ulimit -Sn "$(ulimit -Hn)"; timeout 600 /usr/bin/time -f 'TIME %e %U %S %M' java $jvm \
            -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$cp" io.conduit.ssh.FanoutHarness \
            --hosts "$INV/hosts.txt" --port "$PORT" --user root --key "$PEERS_STATE/client/id_ed25519" \
            --known-hosts "$INV/known_hosts" --forks "$FORKS" --cmd true $hargs) 2>&1 | grep -E '^(RESULT|TIME|host)' )"
        t=($(echo "$res" | grep '^TIME')); kv() { echo "$res" | grep -o " $1=[0-9.]*" | cut -d= -f2; }
        cpu="$(echo "${t[2]} + ${t[3]}" | bc)"
        line="$(date -u +%FT%TZ),$name,$N,$FORKS,${t[1]},${t[2]},${t[3]},$cpu,${t[4]},$(kv cold_ms),$(kv warm2_ms),$(kv warm3_ms),$(kv heap_per_conn_kb),$(kv cold_ok),$(kv warm3_ok),$load"
        echo "$line" | tee -a "$CSV" >&2
        echo "$res" | grep '^host' >&2 || true
    done
done
python3 - "$CSV" "$@" <<'PY'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1])))
names = [v.split('=', 1)[0] for v in sys.argv[2:]]
print(f"{'variant':<14}{'runs':>5}{'cpu_s':>8}{'wall_s':>8}{'cold_ms':>9}{'warm_ms':>9}{'rss_MB':>8}{'heap/conn KiB':>15}")
for n in names:
    rs = [r for r in rows if r['variant'] == n][-int(len(rows)):]
    if not rs: continue
    med = lambda k: statistics.median(float(r[k]) for r in rs if r[k])
    print(f"{n:<14}{len(rs):>5}{med('cpu_s'):>8.2f}{med('wall_s'):>8.2f}{med('cold_ms'):>9.0f}{med('warm3_ms'):>9.0f}"
          f"{med('maxrss_kb')/1024:>8.0f}{med('heap_per_conn_kb'):>15.1f}")
PY
