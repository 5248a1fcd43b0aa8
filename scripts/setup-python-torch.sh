#!/usr/bin/env bash
# Creates the venv of the PyTorch, Hugging Face and GGUF interop tests: torch, transformers, gguf,
# safetensors, NumPy, and Keras 3 with h5py, jax and scipy (the layout-equivalence tests run a Keras layer and a
# torch module side by side). torch from PyPI pulls its CUDA wheels: about 5.6 GB downloaded, so
# the venv lives outside the repository and is shared by every clone and worktree of this user:
# $CKPT_VENV_TORCH, default ~/.cache/ckpt/venv-torch. It is rebuilt only when
# scripts/requirements-torch.txt changes.
# Usage: scripts/setup-python-torch.sh [VENV_DIR]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
venv="${1:-${CKPT_VENV_TORCH:-$HOME/.cache/ckpt/venv-torch}}"
python="${PYTHON:-python3}"
mkdir -p "$(dirname "$venv")"
# One installer at a time: several worktrees may call this at once.
exec 9>"$venv.lock"
flock 9
if [ ! -x "$venv/bin/python" ]; then
  "$python" -m venv "$venv"
fi
stamp="$venv/.ckpt-requirements"
if [ -f "$stamp" ] && cmp -s "$stamp" "$root/scripts/requirements-torch.txt"; then
  echo "venv $venv is up to date"
  exit 0
fi
"$venv/bin/python" -m pip install --quiet --upgrade pip
"$venv/bin/python" -m pip install --quiet -r "$root/scripts/requirements-torch.txt"
KERAS_BACKEND=numpy "$venv/bin/python" -c 'import torch, transformers, gguf, safetensors, keras; print("torch", torch.__version__, "transformers", transformers.__version__, "gguf", gguf.__version__ if hasattr(gguf, "__version__") else "?", "keras", keras.__version__)'
cp "$root/scripts/requirements-torch.txt" "$stamp"
