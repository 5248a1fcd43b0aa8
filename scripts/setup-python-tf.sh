#!/usr/bin/env bash
# Creates the venv of the tf.keras (Keras 2) interop tests: tensorflow-cpu and tf-keras from PyPI
# (about 600 MB installed). The tests that need it are in the "tf.keras interop" suite, run by
# scripts/test.sh.
# Usage: scripts/setup-python-tf.sh [VENV_DIR]   (default: .venv-tf in the repository root)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
venv="${1:-$root/.venv-tf}"
python="${PYTHON:-python3}"
tf_keras="tf-keras==2.21.0"
if [ ! -x "$venv/bin/python" ]; then
  "$python" -m venv "$venv"
fi
stamp="$venv/.ckpt-requirements"
if [ -f "$stamp" ] && cmp -s "$stamp" <(cat "$root/scripts/requirements-tf.txt"; echo "$tf_keras"); then
  echo "venv $venv is up to date"
  exit 0
fi
"$venv/bin/python" -m pip install --quiet --upgrade pip
"$venv/bin/python" -m pip install --quiet -r "$root/scripts/requirements-tf.txt"
"$venv/bin/python" -m pip install --quiet --no-deps "$tf_keras"
TF_CPP_MIN_LOG_LEVEL=3 "$venv/bin/python" -c 'import tensorflow as tf, tf_keras, h5py; print("tensorflow", tf.__version__, "tf_keras", tf_keras.__version__, "h5py", h5py.__version__)'
{ cat "$root/scripts/requirements-tf.txt"; echo "$tf_keras"; } > "$stamp"
