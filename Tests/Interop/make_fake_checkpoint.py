#!/usr/bin/env python3
"""Write a checkpoint the way a correct external writer (like ckpt) would.

    make_fake_checkpoint.py --model M.json --out DIR/stem [--seed 0]
                            [--perturb drop|shape|std|npz]

Writes DIR/stem.weights.h5 (datasets only: no attributes, no empty groups),
DIR/stem.plan.json (the `ckpt plan --json` schema) and DIR/stem.npz (keys =
plan names). Values are drawn with NumPy from the Keras initializer formulas
(keras/src/initializers/random_initializers.py; docs/initializers.md) using
each layer's configured initializer.

Keras is used only to *discover* the structure (which variable lives at which
.weights.h5 path, its shape and configured initializer), never to produce
values. --perturb corrupts the output on purpose, to test check_keras.py:
  drop   remove one dataset from the .weights.h5
  shape  store one kernel with a wrong (transposed) shape (h5 and npz)
  std    scale the largest random tensor by 1.2 (h5 and npz)
  npz    change one element of one npz array
"""

import argparse
import json
import math
import os
import sys
import tempfile

os.environ.setdefault("KERAS_BACKEND", "numpy")

import h5py  # noqa: E402
import numpy as np  # noqa: E402
import keras  # noqa: E402

TRUNC = 0.87962566103423978
VS_DEFAULTS = {  # class -> (scale, mode, distribution)
    "GlorotUniform": (1.0, "fan_avg", "uniform"),
    "GlorotNormal": (1.0, "fan_avg", "truncated_normal"),
    "LecunUniform": (1.0, "fan_in", "uniform"),
    "LecunNormal": (1.0, "fan_in", "truncated_normal"),
    "HeUniform": (2.0, "fan_in", "uniform"),
    "HeNormal": (2.0, "fan_in", "truncated_normal"),
}


def compute_fans(shape):
    if len(shape) == 0:
        return 1.0, 1.0
    if len(shape) == 1:
        return float(shape[0]), float(shape[0])
    if len(shape) == 2:
        return float(shape[0]), float(shape[1])
    rf = math.prod(shape[:-2])
    return float(shape[-2] * rf), float(shape[-1] * rf)


def describe(init, shape):
    """-> (name, params, expected_mean, expected_std, bounds, sampler)."""
    ser = keras.initializers.serialize(init)
    cls = ser["class_name"]
    cfg = dict(ser.get("config") or {})
    params = {k: v for k, v in cfg.items()
              if k not in ("seed", "input_axes", "output_axes")}
    fan_in, fan_out = compute_fans(shape)
    if cls in VS_DEFAULTS or cls == "VarianceScaling":
        scale, mode, dist = VS_DEFAULTS.get(
            cls, (cfg.get("scale", 1.0), cfg.get("mode", "fan_in"),
                  cfg.get("distribution", "truncated_normal")))
        n = {"fan_in": fan_in, "fan_out": fan_out,
             "fan_avg": (fan_in + fan_out) / 2}[mode]
        s = scale / max(1.0, n)
        params = {"scale": scale, "mode": mode, "distribution": dist}
        if dist in ("truncated_normal", "normal"):
            sigma = math.sqrt(s) / TRUNC
            return (cls, params, 0.0, math.sqrt(s), [-2 * sigma, 2 * sigma],
                    lambda rng: truncated(rng, 0.0, sigma, shape))
        if dist == "untruncated_normal":
            return (cls, params, 0.0, math.sqrt(s), None,
                    lambda rng: rng.normal(0.0, math.sqrt(s), shape))
        lim = math.sqrt(3 * s)
        return (cls, params, 0.0, lim / math.sqrt(3), [-lim, lim],
                lambda rng: rng.uniform(-lim, lim, shape))
    if cls == "RandomUniform":
        a, b = float(cfg.get("minval", -0.05)), float(cfg.get("maxval", 0.05))
        return (cls, params, (a + b) / 2, (b - a) / math.sqrt(12), [a, b],
                lambda rng: rng.uniform(a, b, shape))
    if cls == "RandomNormal":
        m, sd = float(cfg.get("mean", 0.0)), float(cfg.get("stddev", 0.05))
        return (cls, params, m, sd, None, lambda rng: rng.normal(m, sd, shape))
    if cls == "TruncatedNormal":
        m, sd = float(cfg.get("mean", 0.0)), float(cfg.get("stddev", 0.05))
        return (cls, params, m, sd * TRUNC, [m - 2 * sd, m + 2 * sd],
                lambda rng: truncated(rng, m, sd, shape))
    if cls in ("Zeros", "Ones", "Constant"):
        v = {"Zeros": 0.0, "Ones": 1.0}.get(cls, float(cfg.get("value", 0.0)))
        return (cls, params, v, 0.0, None, lambda rng: np.full(shape, v))
    raise SystemExit(f"make_fake_checkpoint: unsupported initializer {cls}")


def truncated(rng, mean, sd, shape):
    x = rng.normal(0.0, 1.0, shape)
    bad = np.abs(x) > 2.0
    while bad.any():
        x[bad] = rng.normal(0.0, 1.0, int(bad.sum()))
        bad = np.abs(x) > 2.0
    return mean + sd * x


def initializer_of(layer, vname):
    for attr in (f"{vname}_initializer",
                 vname.replace("_kernel", "") + "_initializer",
                 "depthwise_initializer" if vname == "kernel" else None):
        if attr and getattr(layer, attr, None) is not None:
            return getattr(layer, attr)
    raise SystemExit(f"make_fake_checkpoint: no initializer for "
                     f"{layer.name}/{vname} ({type(layer).__name__})")


def owned_variables(model, prefix=""):
    """[(variable, owning layer, chained name)] for all (nested) layers."""
    out = []
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            out += owned_variables(layer, prefix + layer.name + "/")
            continue
        for v in layer.weights:
            out.append((v, layer, f"{prefix}{layer.name}/{v.name}"))
    return out


def keras_paths(model, tmpdir):
    """{id(variable): .weights.h5 path} by tagging every variable."""
    variables = model.weights
    for i, v in enumerate(variables):
        v.assign(np.full(v.shape, i, dtype=v.dtype))
    tmp = os.path.join(tmpdir, "tag.weights.h5")
    model.save_weights(tmp)
    out = {}
    with h5py.File(tmp, "r") as f:
        def visit(name, obj):
            if isinstance(obj, h5py.Dataset):
                out[id(variables[int(np.asarray(obj[()]).reshape(-1)[0])])] = name
        f.visititems(visit)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", required=True)
    ap.add_argument("--out", required=True, help="output prefix DIR/stem")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--perturb", choices=["drop", "shape", "std", "npz"])
    args = ap.parse_args()

    with open(args.model, encoding="utf-8") as fh:
        model = keras.models.model_from_json(fh.read())
    with tempfile.TemporaryDirectory() as tmpdir:
        paths = keras_paths(model, tmpdir)
    rng = np.random.default_rng(args.seed)

    tensors, arrays = [], {}
    for v, layer, name in owned_variables(model):
        shape = tuple(int(d) for d in v.shape)
        init = initializer_of(layer, v.name)
        iname, params, mean, std, bounds, draw = describe(init, shape)
        fan_in, fan_out = compute_fans(shape)
        dtype = keras.backend.standardize_dtype(v.dtype)
        arrays[name] = np.asarray(draw(rng), dtype=dtype).reshape(shape)
        tensors.append({
            "name": name, "keras_path": paths[id(v)], "layer": layer.name,
            "layer_class": type(layer).__name__, "variable": v.name,
            "shape": list(shape), "dtype": dtype,
            "role": v.name, "trainable": bool(v.trainable),
            "fan_in": fan_in, "fan_out": fan_out,
            "initializer": {"name": iname, "parameters": params},
            "expected_mean": mean, "expected_std": std, "bounds": bounds,
            "reason": "layer config (make_fake_checkpoint)",
        })
    if len({t["keras_path"] for t in tensors}) != len(tensors):
        raise SystemExit("make_fake_checkpoint: a variable was found twice")
    tensors.sort(key=lambda t: t["keras_path"])

    h5_arrays = {t["keras_path"]: arrays[t["name"]] for t in tensors}
    npz_arrays = dict(arrays)
    if args.perturb:
        random_big = [t for t in tensors if t["expected_std"] > 0
                      and math.prod(t["shape"]) >= 256]
        victim = max(random_big, key=lambda t: math.prod(t["shape"]))
        path, name = victim["keras_path"], victim["name"]
        if args.perturb == "drop":
            del h5_arrays[path]
        elif args.perturb == "shape":
            bad = h5_arrays[path].T.copy()
            if bad.shape == h5_arrays[path].shape:
                bad = np.concatenate([bad, bad[..., :1]], axis=-1)
            h5_arrays[path] = npz_arrays[name] = bad
        elif args.perturb == "std":
            h5_arrays[path] = npz_arrays[name] = (
                h5_arrays[path] * np.float32(1.2))
        else:
            bad = npz_arrays[name].copy()
            bad.reshape(-1)[0] += 1
            npz_arrays[name] = bad
        print(f"perturbed ({args.perturb}): {path} ({name})", file=sys.stderr)

    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with h5py.File(args.out + ".weights.h5", "w") as f:
        for path, arr in h5_arrays.items():
            f.create_dataset(path, data=arr)
    np.savez(args.out + ".npz", **npz_arrays)
    plan = {
        "ckpt_version": "0.0.0-fake",
        "model": model.name,
        "tensors": tensors,
        "totals": {
            "tensors": len(tensors),
            "parameters": sum(math.prod(t["shape"]) for t in tensors),
            "bytes": sum(a.nbytes for a in arrays.values()),
        },
    }
    with open(args.out + ".plan.json", "w", encoding="utf-8") as fh:
        json.dump(plan, fh, indent=1)
        fh.write("\n")
    print(f"{args.out}: {len(tensors)} tensors", file=sys.stderr)


if __name__ == "__main__":
    main()
