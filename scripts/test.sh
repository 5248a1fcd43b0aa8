#!/usr/bin/env bash
# Runs every ckpt test: unit, round-trip, statistical, end-to-end (the release binary) and
# interop with Keras 3 / h5py / NumPy (the venv from scripts/setup-python.sh).
# Installs what it needs: Debian packages and the Python venv.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
scripts/install-deps.sh
scripts/setup-python.sh
swift build -c release --product ckpt
export CKPT_BINARY="$root/.build/release/ckpt"
swift test "$@"
