"""Checks `ckpt analyze` against Keras 3 itself (run in a venv with keras, jax and numpy).

forward:  with the same weights (a .weights.h5 from `ckpt init`) and the same input (.npy), each
          layer's output mean and variance from `ckpt analyze --json` match Keras's intermediate
          outputs within 1e-3 relative (1e-6 absolute for means near 0). BatchNormalization runs
          with batch statistics (training=True), as ckpt analyze does by default.
backward: with KERAS_BACKEND=jax, jax.vjp through Keras's own graph (each layer's output plus a
          zero tap whose cotangent is dL/d(output)), L = sum(output * G): the variance of every
          layer's output gradient and every trainable weight's gradient match within 1e-3 relative.

Prints one line per check and a summary "N passed, M failed"; exits 1 when any failed.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np


def run(cmd):
    result = subprocess.run(cmd, capture_output=True, text=True)
    if result.returncode != 0:
        print("command failed:", " ".join(cmd), "\n", result.stdout, result.stderr)
        sys.exit(1)
    return result.stdout


def close(a, b, rel=1e-3, abs_=0.0):
    return abs(a - b) <= abs_ + rel * max(abs(a), abs(b))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--ckpt", required=True)
    parser.add_argument("--spec", required=True)
    parser.add_argument("--mode", choices=["forward", "backward"], required=True)
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--bn", default="batch")
    args = parser.parse_args()

    import keras

    work = tempfile.mkdtemp(prefix="check_analyze_")
    weights = os.path.join(work, "m.weights.h5")
    run([args.ckpt, "init", args.spec, "-o", weights, "--seed", str(args.seed), "--quiet"])
    # ckpt analyze runs dropout and noise layers as the identity; Keras applies them under
    # training=True (needed for BatchNormalization's batch statistics), so zero their rates here.
    spec = json.load(open(args.spec))

    def quiet(node):
        if isinstance(node, dict):
            if node.get("class_name") in ("Dropout", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D",
                                          "GaussianDropout", "AlphaDropout") and isinstance(node.get("config"), dict):
                node["config"]["rate"] = 0.0
            if node.get("class_name") == "GaussianNoise" and isinstance(node.get("config"), dict):
                node["config"]["stddev"] = 0.0
            for value in node.values():
                quiet(value)
        elif isinstance(node, list):
            for value in node:
                quiet(value)

    quiet(spec)
    model = keras.models.model_from_json(json.dumps(spec))
    model.load_weights(weights)

    rng = np.random.default_rng(args.seed)
    inputs = model.inputs
    arrays = {}
    input_args = []
    for tensor in inputs:
        shape = [args.batch] + [int(d) for d in tensor.shape[1:]]
        name = tensor.name if hasattr(tensor, "name") else "input"
        if "int" in str(tensor.dtype):
            # the smallest vocabulary among the model's Embedding layers
            vocab = min(l.input_dim for l in model.layers if l.__class__.__name__ == "Embedding")
            x = rng.integers(0, vocab, size=shape).astype(np.int32)
        else:
            x = rng.standard_normal(shape).astype(np.float32)
        arrays[name] = x
    layer_of_input = {}
    for layer in model.layers:
        if layer.__class__.__name__ == "InputLayer":
            layer_of_input[layer.output.name] = layer.name
    for i, (name, x) in enumerate(arrays.items()):
        path = os.path.join(work, f"x{i}.npy")
        np.save(path, x)
        input_args += ["--input", f"{layer_of_input.get(name, name)}={path}" if len(arrays) > 1 else path]
    xs = list(arrays.values())
    x_in = xs[0] if len(xs) == 1 else xs

    training = args.bn == "batch" and any(l.__class__.__name__ == "BatchNormalization" for l in model.layers)
    passed = failed = 0

    def check(label, ok, detail):
        nonlocal passed, failed
        if ok:
            passed += 1
        else:
            failed += 1
            print("FAIL", label, detail)

    layers = [l for l in model.layers]
    if args.mode == "forward":
        report = json.loads(run([args.ckpt, "analyze", args.spec, "--weights", weights, "--json", "--bn", args.bn] + input_args))
        ours = {l["name"]: l for l in report["layers"]}
        probe = keras.Model(model.inputs, [l.output for l in layers])
        outs = probe(x_in, training=training)
        for layer, out in zip(layers, outs):
            y = np.asarray(keras.ops.convert_to_numpy(out), dtype=np.float64)
            mine = ours.get(layer.name)
            if mine is None:
                check(layer.name, False, "missing from ckpt analyze")
                continue
            f = mine["forward"]
            check(f"{layer.name} shape", list(y.shape) == mine["output_shape"], f"{list(y.shape)} vs {mine['output_shape']}")
            check(f"{layer.name} mean", close(f["mean"], y.mean(), abs_=1e-6), f"ckpt {f['mean']} keras {y.mean()}")
            check(f"{layer.name} var", close(f["var"], y.var()), f"ckpt {f['var']} keras {y.var()}")
            print(f"  {layer.name:20s} mean {f['mean']: .6g} / {y.mean(): .6g}  var {f['var']:.6g} / {y.var():.6g}")
    else:
        import jax
        import jax.numpy as jnp
        from keras.src.models.functional import operation_fn as keras_operation_fn

        functional = model._functional if hasattr(model, "_functional") and model._functional is not None else model
        out_shape = [args.batch] + [int(d) for d in model.outputs[0].shape[1:]]
        g = rng.standard_normal(out_shape).astype(np.float32)
        gpath = os.path.join(work, "g.npy")
        np.save(gpath, g)
        report = json.loads(run([args.ckpt, "analyze", args.spec, "--weights", weights, "--json", "--bn", args.bn,
                                 "--output-grad", gpath] + input_args))
        ours = {l["name"]: l for l in report["layers"]}
        tvars = model.trainable_variables
        ntvars = model.non_trainable_variables
        names = [l.name for l in layers if l.__class__.__name__ != "InputLayer"]
        probe = keras.Model(model.inputs, [l.output for l in layers if l.__class__.__name__ != "InputLayer"])
        shapes = [tuple(int(d) for d in ([args.batch] + list(o.shape[1:]))) for o in probe.outputs]

        def loss(tvals, taps):
            mapping = list(zip(tvars, tvals)) + [(v, v.value) for v in ntvars]
            with keras.StatelessScope(state_mapping=mapping):
                def op_fn(op):
                    base = keras_operation_fn(op, training=training)
                    def call(*a, **k):
                        y = base(*a, **k)
                        return y + taps[op.name] if op.name in taps else y
                    return call
                out = functional._run_through_graph(x_in, operation_fn=op_fn)
                if isinstance(out, (list, tuple)):
                    out = out[0]
            return jnp.sum(out * g)

        taps = {n: jnp.zeros(s, jnp.float32) for n, s in zip(names, shapes)}
        grads_w, grads_t = jax.grad(loss, argnums=(0, 1))([v.value for v in tvars], taps)
        for n in names:
            mine = ours[n].get("backward", {}).get("var")
            theirs = float(np.var(np.asarray(grads_t[n], dtype=np.float64)))
            check(f"{n} dL/dy var", mine is not None and close(mine, theirs), f"ckpt {mine} jax {theirs}")
            print(f"  {n:20s} grad var {mine} / {theirs:.6g}")
        ours_w = {w["name"]: w["grad_var"] for l in report["layers"] for w in l.get("weights", [])}
        theirs_w = [float(np.var(np.asarray(gw, dtype=np.float64))) for gw in grads_w]
        # A gradient that is zero in exact arithmetic (a bias before BatchNormalization with batch
        # statistics) is round-off in both: compare it against the largest weight gradient.
        floor = 1e-9 * max(theirs_w + [0.0])
        for v, theirs in zip(tvars, theirs_w):
            mine = ours_w.get(v.path)
            check(f"{v.path} grad var", mine is not None and close(mine, theirs, abs_=floor), f"ckpt {mine} jax {theirs}")
            print(f"  {v.path:28s} grad var {mine} / {theirs:.6g}")
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
