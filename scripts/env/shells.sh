#!/usr/bin/env bash
# Environment for the launcher's completion test: zsh, so that `conduit completion zsh` is sourced in a real zsh
# (without it that part of ScriptCommandLineIT is skipped). Idempotent and quiet on success; runs as root.
set -euo pipefail
command -v zsh >/dev/null 2>&1 && exit 0
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null || { echo "scripts/env/shells.sh: apt-get update failed" >&2; exit 1; }
apt-get install -y -qq zsh >/dev/null || { echo "scripts/env/shells.sh: installing zsh failed" >&2; exit 1; }
