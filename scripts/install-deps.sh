#!/usr/bin/env bash
# Installs the Debian packages ckpt builds against, when they are missing:
# libhdf5 (serial), pkgconf, zlib, OpenBLAS (loaded by ckpt with dlopen when an orthogonal QR runs),
# strace (the PyTorch tests show that reading a hostile pickle spawns nothing).
# Usage: scripts/install-deps.sh [--docs]
set -euo pipefail
packages=(libhdf5-dev pkgconf zlib1g-dev libopenblas0-pthread strace)
# --docs: also what the docs test runs (Tests/Docs/run_docs.py): GNU parallel, for docs/batch.md.
[ "${1:-}" = "--docs" ] && packages+=(parallel)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing Debian packages: ${missing[*]}" >&2
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
