"""Reference facts for ckpt's structured initializers, from JAX itself.

Run with the project venv: .venv/bin/python Fixtures/initializers/make_structured_fixtures.py
Writes structured_patterns.json next to this script:
- delta_orthogonal: for each kernel shape, the spatial index of the only nonzero (C_in, C_out)
  block of jax.nn.initializers.delta_orthogonal, and whether that block has orthonormal rows.
- orthogonal_column_axis: for jax.nn.initializers.orthogonal(column_axis=a), whether the slices
  along `a` (the columns) are orthonormal (rows ≥ cols) or the fibres along `a` are (rows < cols).
Values are not compared (JAX draws differ from ckpt's); the structure is.
"""
import json
import os

import jax
import jax.numpy as jnp
import numpy as np

jax.config.update("jax_enable_x64", True)
key = jax.random.key(0)
out = {"jax_version": jax.__version__, "delta_orthogonal": [], "orthogonal_column_axis": []}

for shape in [(3, 4, 6), (4, 3, 5), (2, 4, 2, 3), (3, 4, 4, 4), (2, 3, 4, 2, 2)]:
    w = np.asarray(jax.nn.initializers.delta_orthogonal()(key, shape, jnp.float64))
    spatial = [list(i) for i in np.argwhere(np.abs(w).sum(axis=(-2, -1)) > 0)]
    block = w[tuple(spatial[0])]
    gram = block @ block.T
    out["delta_orthogonal"].append({
        "shape": list(shape), "nonzero_spatial": [[int(x) for x in s] for s in spatial],
        "rows_orthonormal": bool(np.allclose(gram, np.eye(shape[-2]), atol=1e-12)),
    })

for shape, axis in [((3, 4, 5), 0), ((3, 4, 5), 1), ((6, 2, 3), 0), ((2, 3, 4), -1), ((2, 8, 3), 1)]:
    w = np.asarray(jax.nn.initializers.orthogonal(column_axis=axis)(key, shape, jnp.float64))
    m = np.moveaxis(w, axis, -1).reshape(-1, shape[axis])  # rows: the other axes in order
    rows, cols = m.shape
    gram = m.T @ m if rows >= cols else m @ m.T
    out["orthogonal_column_axis"].append({
        "shape": list(shape), "axis": axis, "rows": rows, "cols": cols,
        "orthonormal": bool(np.allclose(gram, np.eye(min(rows, cols)), atol=1e-12)),
    })

path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "structured_patterns.json")
with open(path, "w") as f:
    json.dump(out, f, indent=1)
    f.write("\n")
print(path)
