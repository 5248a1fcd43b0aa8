#!/usr/bin/env python3
"""Benchmark peer: write a model's tensors with NumPy, tensor by tensor (streaming).

    peer_numpy.py SPEC OUTPUT {h5|safetensors|npz} [--dtype float32|bfloat16]

h5: h5py, one dataset per tensor, each generated with np.random.default_rng().standard_normal
and written, then dropped (peak memory: one tensor). safetensors: the safetensors library needs
every tensor at once (save_file(dict)), so this holds the whole model (its real cost).
npz: np.savez of the whole dict (likewise). The file is fsynced before exit, as ckpt does.
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from shapes import tensors  # noqa: E402


def main():
    spec, output, fmt = sys.argv[1:4]
    dtype = sys.argv[sys.argv.index("--dtype") + 1] if "--dtype" in sys.argv else "float32"
    rng = np.random.default_rng(0)

    def make(shape):
        values = rng.standard_normal(shape, dtype=np.float32)
        if dtype == "bfloat16":
            import ml_dtypes
            values = values.astype(ml_dtypes.bfloat16)
        return values

    if fmt == "h5":
        import h5py
        with h5py.File(output, "w") as f:
            for name, shape in tensors(spec):
                f.create_dataset(name, data=make(shape))
    elif fmt == "safetensors":
        from safetensors.numpy import save_file
        save_file({name: make(shape) for name, shape in tensors(spec)}, output)
    elif fmt == "npz":
        np.savez(output, **{name: make(shape) for name, shape in tensors(spec)})
    else:
        raise SystemExit(f"unknown format {fmt}")
    fd = os.open(output, os.O_RDONLY)
    os.fsync(fd)
    os.close(fd)


if __name__ == "__main__":
    main()
