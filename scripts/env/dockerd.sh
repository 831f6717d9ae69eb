#!/usr/bin/env bash
# Environment for docker.bundle's tests: a running dockerd and two local test images.
# Used by: docker.bundle's JUnit tests (DockerConnectionTest, TlsTest, LifecycleTest, DockerInventorySourceTest).
# Idempotent and quiet on success; exits non-zero with a message on failure. Runs as root, no stdin.
#   - installs docker.io, busybox-static (and openssl, tar) when missing (no registry is reachable, so images are built here)
#   - starts `dockerd --bridge=none --iptables=false` in the background when no daemon answers
#   - conduit-test:busybox  a busybox rootfs (sh, cat, id, kill, ...) with users root and conduit (1000)
#   - conduit-test:noshell  no /bin/sh at all: one static binary hard-linked as sleep, cat, echo, id
set -euo pipefail

DEADLINE_SECONDS=${DOCKERD_WAIT_SECONDS:-60}
LOG=${DOCKERD_LOG:-/var/log/conduit-dockerd.log}
fail() { echo "scripts/env/dockerd.sh: $*" >&2; exit 1; }

export DEBIAN_FRONTEND=noninteractive
missing=()
command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
[ -x /bin/busybox ] && dpkg -s busybox-static >/dev/null 2>&1 || missing+=(busybox-static)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)   # the TLS test makes its CA and keys with it
command -v tar >/dev/null 2>&1 || missing+=(tar)           # the tar test checks interoperability with GNU tar
if [ ${#missing[@]} -gt 0 ]; then
    apt-get update -qq >/dev/null || fail "apt-get update failed"
    # policy-rc.d 101: the package must not try to start the service itself (no init system in CI)
    apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1 || fail "apt-get install -y ${missing[*]} failed"
fi
command -v docker >/dev/null 2>&1 || fail "no docker CLI after installing docker.io"

if ! docker info >/dev/null 2>&1; then
    if [ -n "${DOCKER_HOST:-}" ] && [ "${DOCKER_HOST}" != "unix:///var/run/docker.sock" ]; then
        fail "DOCKER_HOST=${DOCKER_HOST} does not answer; start that daemon or unset DOCKER_HOST"
    fi
    command -v containerd >/dev/null 2>&1 || fail "containerd missing; apt-get install -y containerd"
    nohup dockerd --bridge=none --iptables=false --ip6tables=false >>"$LOG" 2>&1 </dev/null &
    end=$((SECONDS + DEADLINE_SECONDS))
    until docker info >/dev/null 2>&1; do
        if [ $SECONDS -ge $end ]; then
            fail "dockerd did not answer on /var/run/docker.sock within ${DEADLINE_SECONDS}s; see $LOG"
        fi
        if ! kill -0 $! 2>/dev/null; then
            fail "dockerd exited at start; last lines of $LOG:
$(tail -n 20 "$LOG")"
        fi
        sleep 0.5
    done
fi

build() { # $1 image, $2 directory holding the rootfs
    tar -C "$2" -c . | docker import --change 'CMD ["/bin/sleep","1000000"]' - "$1" >/dev/null \
        || fail "docker import of $1 failed"
}

if ! docker image inspect conduit-test:busybox >/dev/null 2>&1; then
    root=$(mktemp -d)
    trap 'rm -rf "$root"' EXIT
    mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc,tmp,root,home/conduit,proc,sys,dev,var}
    chmod 1777 "$root/tmp"
    cp /bin/busybox "$root/bin/busybox"
    for applet in $(/bin/busybox --list); do
        [ -e "$root/bin/$applet" ] || ln -s busybox "$root/bin/$applet"
    done
    printf 'root:x:0:0:root:/root:/bin/sh\nconduit:x:1000:1000:conduit:/home/conduit:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$root/etc/passwd"
    printf 'root:x:0:\nconduit:x:1000:\nnogroup:x:65534:\n' >"$root/etc/group"
    chown 1000:1000 "$root/home/conduit"
    build conduit-test:busybox "$root"
    rm -rf "$root"
    trap - EXIT
fi

if ! docker image inspect conduit-test:noshell >/dev/null 2>&1; then
    root=$(mktemp -d)
    trap 'rm -rf "$root"' EXIT
    mkdir -p "$root"/{bin,tmp,etc}
    chmod 1777 "$root/tmp"
    cp /bin/busybox "$root/bin/sleep"
    for tool in cat echo id; do ln "$root/bin/sleep" "$root/bin/$tool"; done
    printf 'root:x:0:0:root:/:/bin/false\n' >"$root/etc/passwd"
    build conduit-test:noshell "$root"
    rm -rf "$root"
    trap - EXIT
fi
