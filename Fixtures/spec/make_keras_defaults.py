#!/usr/bin/env python3
"""Regenerate Sources/CkptKit/Spec/KerasLayerDefaults+Table.swift: the Keras 3 `get_config()`
of every layer class a compact spec may use, with Keras's defaults for every optional key, so
`ckpt export-keras` writes the full configs `model.to_json()` would.

Run from the repository root with ckpt's venv (Keras 3.15.1):

    KERAS_BACKEND=numpy .venv/bin/python Fixtures/spec/make_keras_defaults.py

For each class the constructor's required arguments (no default in `__init__`) are filled with
two different placeholder values; a config key that comes out the same both times is a default
and recorded, a key that differs depends on the required arguments: it is recorded as `null`
when the constructor's default is None (Keras derives it again when it loads the JSON), and as
required otherwise. The layer's `name` is not recorded; `snake` is the auto-name prefix Keras
uses (`keras.src.utils.naming.to_snake_case`). `probe` calls each class once in a small model
and records what Keras's JSON says about the call: `call` (one tensor, a list, or positional
tensors), the node's `kwargs` for a one-tensor call (or two, for `list`/`args`), `builds`
(whether a `build_config` is written) and `inner_names` (auto-name prefixes the layer uses for
layers it makes inside, which shift the user's later names).
"""
import inspect
import json
import os
import sys

os.environ.setdefault("KERAS_BACKEND", "numpy")
import keras  # noqa: E402
from keras.src.utils.naming import to_snake_case  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "Sources/CkptKit/Spec/KerasLayerDefaults+Table.swift")

CLASSES = """Activation ActivityRegularization Add AdditiveAttention AlphaDropout Attention Average
AveragePooling1D AveragePooling2D AveragePooling3D BatchNormalization Bidirectional CenterCrop
Concatenate Conv1D Conv1DTranspose Conv2D Conv2DTranspose Conv3D Conv3DTranspose ConvLSTM1D
ConvLSTM2D ConvLSTM3D Cropping1D Cropping2D Cropping3D Dense DepthwiseConv1D DepthwiseConv2D Dot
Dropout ELU EinsumDense Embedding Flatten GRU GaussianDropout GaussianNoise GlobalAveragePooling1D
GlobalAveragePooling2D GlobalAveragePooling3D GlobalMaxPooling1D GlobalMaxPooling2D
GlobalMaxPooling3D GroupNormalization GroupQueryAttention Identity LSTM LayerNormalization LeakyReLU
Masking MaxPooling1D MaxPooling2D MaxPooling3D Maximum Minimum MultiHeadAttention Multiply
Normalization PReLU Permute RMSNormalization ReLU RepeatVector Rescaling Reshape Resizing
ReversibleEmbedding
SeparableConv1D SeparableConv2D SimpleRNN Softmax SpatialDropout1D SpatialDropout2D
SpatialDropout3D Subtract TimeDistributed UnitNormalization UpSampling1D UpSampling2D UpSampling3D
ZeroPadding1D ZeroPadding2D ZeroPadding3D""".split()

# Two placeholder values per required argument name.
PLACEHOLDERS = {
    "units": (3, 5), "filters": (3, 5), "kernel_size": (3, 5), "input_dim": (3, 5),
    "output_dim": (3, 5), "num_heads": (2, 4), "key_dim": (3, 5), "rate": (0.25, 0.5),
    "target_shape": ((3,), (5,)), "n": (3, 5), "dims": ((1,), (1,)), "axes": (1, 2),
    "height": (3, 5), "width": (3, 5), "stddev": (0.25, 0.5), "scale": (0.25, 0.5),
    "activation": ("relu", "tanh"), "equation": ("ab,bc->ac", "ab,bc->ac"),
    "output_shape": (3, 5), "head_dim": (3, 5), "num_query_heads": (2, 4),
    "num_key_value_heads": (1, 2), "l1": (0.0, 0.0), "pool_size": (2, 3),
}


def build(cls, pick):
    signature = inspect.signature(cls.__init__)
    required = [p.name for p in list(signature.parameters.values())[1:]
                if p.default is inspect.Parameter.empty
                and p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)]
    kwargs = {}
    for name in required:
        if name in ("layer",):
            kwargs[name] = keras.layers.LSTM(3) if cls.__name__ == "Bidirectional" else keras.layers.Dense(3)
        else:
            kwargs[name] = PLACEHOLDERS[name][pick]
    return cls(**kwargs), required, signature


def probe(name, cls):
    """Calls a fresh layer in a small Functional model and reads back what Keras's JSON records
    for it: the node's `kwargs` (`mask`, `training`, …), whether it has a `build_config`, and
    the automatic names the layer takes for layers it makes inside (MultiHeadAttention's
    `dropout` and `softmax`), which shift the names of the user's later layers."""
    candidates = [
        ("one", [(8,)]), ("one", [(6, 8)]), ("one", [(6, 6, 8)]), ("one", [(4, 4, 4, 8)]), ("one", [(3, 4, 4, 4, 8)]), ("one", [(6, 32)]), ("one", [(3,)]),
        ("list", [(6, 8), (6, 8)]), ("args", [(6, 8), (6, 8)]),
    ]
    for kind, shapes in candidates:
        keras.utils.clear_session()
        try:
            layer, _, _ = build(cls, 0)
            before = dict(naming_uids())
            inputs = [keras.Input(s, dtype="int32" if name == "Embedding" else "float32") for s in shapes]
            if kind == "one":
                out = layer(inputs[0])
            elif kind == "list":
                out = layer(inputs)
            else:
                out = layer(*inputs)
            model = keras.Model(inputs if len(inputs) > 1 else inputs[0], out)
            entry = [e for e in json.loads(model.to_json())["config"]["layers"] if e["name"] == layer.name][0]
        except Exception:
            continue
        after = naming_uids()
        inner = {p: after[p] - before.get(p, 0) for p in after if after[p] != before.get(p, 0)}
        # The probe's own model, inputs and tensors are not the layer's.
        for prefix in (to_snake_case(name), "input_layer", "keras_tensor", "functional"):
            inner.pop(prefix, None)
        node = entry["inbound_nodes"][0]
        return {"call": kind, "kwargs": node["kwargs"], "builds": "build_config" in entry,
                "inner_names": inner}
    print(f"note: cannot call {name} on any probe input; recorded as a plain one-input layer",
          file=sys.stderr)
    return {"call": "one", "kwargs": {}, "builds": True, "inner_names": {}}


def naming_uids():
    from keras.src.backend.common import global_state
    return dict(global_state.get_global_attribute("object_name_uids", default={}) or {})


def main():
    table = {}
    for name in CLASSES:
        cls = getattr(keras.layers, name)
        a, required, signature = build(cls, 0)
        b, _, _ = build(cls, 1)
        ca, cb = a.get_config(), b.get_config()
        config = {}
        for key, value in ca.items():
            if key == "name":
                continue
            if key in required:
                config[key] = None
                continue
            if cb.get(key) != value:
                parameter = signature.parameters.get(key)
                if parameter is not None and parameter.default is None:
                    config[key] = None
                    continue
                required.append(key)
                config[key] = None
                continue
            config[key] = value
        table[name] = {
            "module": a.__class__.__module__.startswith("keras") and "keras.layers" or a.__class__.__module__,
            "snake": to_snake_case(name),
            "required": [k for k in required if k in ca],
            **probe(name, cls),
            "config": config,
        }
    text = json.dumps(table, separators=(", ", ": "))
    assert '"""' not in text
    with open(OUT, "w") as f:
        f.write("// Generated by Fixtures/spec/make_keras_defaults.py from Keras "
                f"{keras.__version__}; do not edit.\n\n")
        f.write("extension KerasLayerDefaults {\n")
        f.write("    /// Per class: `module`, `snake` (auto-name prefix), `required` keys, `builds` and the full\n")
        f.write("    /// `get_config()` with Keras's defaults (`name` left out).\n")
        f.write('    static let tableJSON = #"""\n')
        f.write(text + "\n")
        f.write('"""#\n}\n')
    print(f"wrote {OUT}: {len(table)} classes", file=sys.stderr)


if __name__ == "__main__":
    main()
