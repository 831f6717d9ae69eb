#!/usr/bin/env bash
# The stop and become figures (issue 8): su's success rate over 50 logins, and for every way a command ends
# early (its timeout, an interrupt, the connection closed under it) and every become (none as root or a user,
# sudo with a password, sudo NOPASSWD, su), how many processes survive 2 s after the result, over ROUNDS rounds of
# 12 commands at once, against Debian's OpenSSH sshd on 127.0.0.1. Needs root (it adds test users and sudo rules).
#   SU=50 ROUNDS=10 bench/stop.sh        prints the RESULT lines
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/env/sshd.sh
./mvnw -B -q -ntp install -DskipTests -pl api.bundle,ssh.bundle -am >&2
./mvnw -B -ntp -pl ssh.bundle test -Dtest='StopSoak#soak*' -Dsurefire.failIfNoSpecifiedTests=false \
    -Dsoak.su="${SU:-50}" -Dsoak.rounds="${ROUNDS:-10}" | grep -E '^RESULT|su run'
