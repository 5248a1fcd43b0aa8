#!/usr/bin/env bash
# Runs every ckpt test: unit, round-trip, statistical, end-to-end (the release binary),
# interop with Keras 3 / h5py / NumPy (the venv from scripts/setup-python.sh) and with tf.keras
# (tf-keras and tensorflow-cpu, the venv from scripts/setup-python-tf.sh), with torch, transformers and gguf
# (the venv from scripts/setup-python-torch.sh, kept in ~/.cache/ckpt because it is 5.6 GB), then every
# example in README.md and docs/ (Tests/Docs/run_docs.py). Arguments go to `swift test`; with
# any, the docs test is left out.
# Installs what it needs: Debian packages and the Python venvs.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
scripts/install-deps.sh --docs
scripts/setup-python.sh
scripts/setup-python-tf.sh
scripts/setup-python-torch.sh
swift build -c release --product ckpt
export CKPT_BINARY="$root/.build/release/ckpt"
swift test "$@"
# Every example in README.md and docs/, run as a reader would (not with a --filter).
if [ $# -eq 0 ]; then
  python3 Tests/Docs/run_docs.py --self-test --ckpt "$CKPT_BINARY" --venv "${CKPT_VENV:-$root/.venv}"
fi
