#!/usr/bin/env bash
# Environment for ssh.bundle's tests: Debian's OpenSSH server binary and sudo.
# Idempotent and quiet on success; exits non-zero with a message on failure. Runs as root, no stdin.
#   - installs openssh-server (the interop tests start their OWN /usr/sbin/sshd on a free 127.0.0.1 port
#     with a generated config and host keys, and stop it afterwards; no system sshd is started here)
#   - installs sudo (the become test creates a local user and a sudoers.d entry for it)
#   - openssh-client for ssh-keygen (key files of every type, hashed known_hosts)
# The benchmark's peers (pssh, ansible, clush, pdsh) are installed by bench/run.sh, not here.
set -euo pipefail
fail() { echo "scripts/env/sshd.sh: $*" >&2; exit 1; }

export DEBIAN_FRONTEND=noninteractive
missing=()
[ -x /usr/sbin/sshd ] || missing+=(openssh-server)
command -v ssh-keygen >/dev/null 2>&1 || missing+=(openssh-client)
command -v sudo >/dev/null 2>&1 || missing+=(sudo)
command -v useradd >/dev/null 2>&1 || missing+=(passwd)
if [ ${#missing[@]} -gt 0 ]; then
    apt-get update -qq >/dev/null || fail "apt-get update failed"
    # no init system in CI: the package's postinst must not start a system sshd (policy-rc.d 101 or not)
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1 \
        || fail "apt-get install -y ${missing[*]} failed"
fi
[ -x /usr/sbin/sshd ] || fail "no /usr/sbin/sshd after installing openssh-server"
command -v sudo >/dev/null 2>&1 || fail "no sudo after installing it"
# privilege separation directory Debian's sshd checks at start
[ -d /run/sshd ] || { mkdir -p /run/sshd && chmod 755 /run/sshd; } || fail "cannot create /run/sshd"
