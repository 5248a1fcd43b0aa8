#!/usr/bin/env bash
# Creates the Python venv that ckpt's interop tests and fixture script use:
# Keras 3 (numpy backend for loading; jax + scipy because keras.applications and
# some layers import them), h5py, NumPy, safetensors.
# Usage: scripts/setup-python.sh [VENV_DIR]   (default: .venv in the repository root)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
venv="${1:-$root/.venv}"
python="${PYTHON:-python3}"
if [ ! -x "$venv/bin/python" ]; then
  "$python" -m venv "$venv"
fi
stamp="$venv/.ckpt-requirements"
if [ -f "$stamp" ] && cmp -s "$stamp" "$root/scripts/requirements.txt"; then
  echo "venv $venv is up to date"
  exit 0
fi
"$venv/bin/python" -m pip install --quiet --upgrade pip
"$venv/bin/python" -m pip install --quiet -r "$root/scripts/requirements.txt"
# Keras picks its backend at import time (default "tensorflow", which is not
# installed); ckpt's scripts use the numpy backend.
KERAS_BACKEND="${KERAS_BACKEND:-numpy}" "$venv/bin/python" -c 'import keras, h5py, numpy, safetensors; print("keras", keras.__version__, "backend", keras.backend.backend(), "h5py", h5py.__version__, "numpy", numpy.__version__)'
cp "$root/scripts/requirements.txt" "$stamp"
