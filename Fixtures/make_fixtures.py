#!/usr/bin/env python3
"""Regenerate ckpt's Keras fixtures (Fixtures/keras/).

For every model below this writes

  <name>.json            model.to_json(), byte-for-byte as Keras produced it
  <name>.reference.json  per-tensor statistics of Keras's *own* freshly
                         initialized variables: the model is rebuilt from that
                         JSON with keras.models.model_from_json after
                         keras.utils.set_random_seed(1234), saved with
                         model.save_weights(...weights.h5), and every dataset of
                         that file is summarised (float64 statistics).

Run from the repository root:

    .venv/bin/python Fixtures/make_fixtures.py [--only mlp,cnn] [--out DIR]

Uses the numpy backend (KERAS_BACKEND=numpy unless already set). Needs no
network: keras.applications models are built with weights=None.
"""

import argparse
import json
import os
import sys
import tempfile

os.environ.setdefault("KERAS_BACKEND", "numpy")

import h5py  # noqa: E402
import numpy as np  # noqa: E402

import keras  # noqa: E402
from keras import layers, initializers  # noqa: E402

SEED = 1234
HERE = os.path.dirname(os.path.abspath(__file__))


# --------------------------------------------------------------------------
# Models. Each builder returns a fresh, built model. Builders run after
# keras.backend.clear_session(), so auto-generated names are reproducible.
# --------------------------------------------------------------------------

def build_mlp():
    # Top-level Sequential (its leading InputLayer is not in model.layers).
    return keras.Sequential(
        [
            keras.Input(shape=(784,), name="pixels"),
            layers.Dense(256, activation="relu", name="hidden1"),
            layers.Dense(128, activation="tanh", name="hidden2"),
            layers.Dense(10, activation="softmax", name="logits"),
        ],
        name="mlp",
    )


def build_cnn():
    inp = keras.Input(shape=(32, 32, 3), name="image")
    x = layers.Conv2D(32, 3, activation="relu", name="conv1")(inp)
    x = layers.Conv2D(64, 3, groups=2, name="conv2_grouped")(x)  # linear
    x = layers.BatchNormalization(name="bn2")(x)
    x = layers.Activation("relu", name="relu2")(x)
    x = layers.MaxPooling2D(name="pool2")(x)
    x = layers.DepthwiseConv2D(3, padding="same", name="dw3")(x)
    x = layers.SeparableConv2D(64, 3, padding="same", activation="relu",
                               name="sep4")(x)
    x = layers.Conv2DTranspose(32, 3, strides=2, padding="same",
                               activation="relu", name="up5")(x)
    x = layers.GlobalAveragePooling2D(name="gap")(x)
    out = layers.Dense(10, activation="softmax", name="classes")(x)
    return keras.Model(inp, out, name="cnn")


def build_resnet_block():
    inp = keras.Input(shape=(16, 16, 3), name="image")
    stem = layers.Conv2D(16, 3, padding="same", activation="relu",
                         name="stem")(inp)
    x = layers.Conv2D(16, 3, padding="same", name="block_conv1")(stem)
    x = layers.BatchNormalization(name="block_bn1")(x)
    x = layers.ReLU(name="block_relu1")(x)
    x = layers.Conv2D(16, 3, padding="same", name="block_conv2")(x)
    x = layers.BatchNormalization(name="block_bn2")(x)
    x = layers.Add(name="block_add")([x, stem])
    x = layers.Activation("relu", name="block_out")(x)
    x = layers.LayerNormalization(name="ln")(x)
    x = layers.MaxPooling2D(4, name="pool")(x)
    x = layers.Flatten(name="flatten")(x)
    out = layers.Dense(10, activation="softmax", name="classes")(x)
    return keras.Model(inp, out, name="resnet_block")


def build_nested():
    left = keras.Input(shape=(20,), name="left")
    right = keras.Input(shape=(20,), name="right")
    shared = layers.Dense(32, activation="relu", name="shared_dense")
    a = shared(left)   # the same layer object is called twice
    b = shared(right)
    x = layers.Concatenate(name="concat")([a, b])
    head = keras.Sequential(
        [
            keras.Input(shape=(64,)),
            layers.Dense(32, activation="relu", name="head_dense1"),
            layers.BatchNormalization(name="head_bn"),
            layers.Dense(4, name="head_dense2"),
        ],
        name="head",
    )
    x = head(x)
    out = layers.Dense(1, activation="sigmoid", name="score")(x)
    return keras.Model([left, right], out, name="nested")


def build_embed():
    inp = keras.Input(shape=(16,), dtype="int32", name="tokens")
    x = layers.Embedding(1000, 32, name="embedding")(inp)
    x = layers.Conv1D(64, 3, activation="relu", name="conv")(x)
    x = layers.LayerNormalization(name="ln")(x)
    x = layers.GlobalMaxPooling1D(name="pool")(x)
    x = layers.Dense(32, activation="selu", name="selu_dense")(x)
    out = layers.Dense(1, activation="sigmoid", name="prob")(x)
    return keras.Model(inp, out, name="embed")


def build_respect():
    """Layers whose configs carry non-default initializers (for --respect-config)."""
    tokens = keras.Input(shape=(12,), dtype="int32", name="tokens")
    feats = keras.Input(shape=(8, 8, 4), name="features")

    e = layers.Embedding(500, 16, embeddings_initializer="uniform",
                         name="emb_uniform")(tokens)
    e = layers.Conv1D(32, 3, kernel_initializer="he_normal",
                      bias_initializer=initializers.Constant(0.1),
                      activation="relu", name="conv_he_const")(e)
    e = layers.GlobalAveragePooling1D(name="seq_pool")(e)

    f = layers.Conv2D(16, 3, kernel_initializer=initializers.VarianceScaling(
        scale=2.0, mode="fan_out", distribution="uniform"),
        name="conv_vs_fanout")(feats)
    f = layers.BatchNormalization(gamma_initializer="zeros",
                                  name="bn_zero_gamma")(f)
    f = layers.GlobalAveragePooling2D(name="img_pool")(f)

    x = layers.Concatenate(name="concat")([e, f])
    x = layers.Dense(64, kernel_initializer=initializers.RandomNormal(
        stddev=0.02), activation="relu", name="dense_normal002")(x)
    x = layers.Dense(64, kernel_initializer=initializers.TruncatedNormal(),
                     activation="relu", name="dense_truncnorm")(x)
    x = layers.Dense(32, kernel_initializer=initializers.GlorotNormal(),
                     name="dense_glorot_normal")(x)
    out = layers.Dense(5, kernel_initializer=initializers.LecunUniform(),
                       bias_initializer="ones", name="dense_lecun_uniform")(x)
    return keras.Model([tokens, feats], out, name="respect")


def build_resnet50():
    return keras.applications.ResNet50(weights=None)


def build_mobilenetv2():
    return keras.applications.MobileNetV2(weights=None)


def build_vgg16():
    return keras.applications.VGG16(weights=None)


def build_mobilenetv3small():
    # Op layers (x * hard_sigmoid(x) as keras.src.ops.numpy.Multiply/Add) and Rescaling.
    return keras.applications.MobileNetV3Small(weights=None)


def build_densenet121():
    # Concatenate-heavy; BatchNormalization → ReLU before every convolution.
    return keras.applications.DenseNet121(weights=None)


MODELS = [
    ("mlp", build_mlp),
    ("cnn", build_cnn),
    ("resnet_block", build_resnet_block),
    ("nested", build_nested),
    ("embed", build_embed),
    ("respect", build_respect),
    ("resnet50", build_resnet50),
    ("mobilenetv2", build_mobilenetv2),
    ("vgg16", build_vgg16),
    ("mobilenetv3small", build_mobilenetv3small),
    ("densenet121", build_densenet121),
]


# --------------------------------------------------------------------------

def h5_datasets(path):
    """[(path-without-leading-slash, numpy array)] in h5py visit order."""
    out = []
    with h5py.File(path, "r") as f:
        def visit(name, obj):
            if isinstance(obj, h5py.Dataset):
                out.append((name, obj[()]))
        f.visititems(visit)
    return out


def tensor_stats(keras_path, arr):
    a = np.asarray(arr, dtype=np.float64)
    flat = a.reshape(-1)
    lo, hi = float(flat.min()), float(flat.max())
    return {
        "keras_path": keras_path,
        "shape": list(arr.shape),
        "dtype": str(arr.dtype),
        "count": int(flat.size),
        "mean": float(flat.mean()),
        "std": float(flat.std()),
        "min": lo,
        "max": hi,
        "constant": lo if lo == hi else None,
    }


def reference_for(name, json_text, tmpdir):
    keras.backend.clear_session()
    keras.utils.set_random_seed(SEED)
    model = keras.models.model_from_json(json_text)
    path = os.path.join(tmpdir, name + ".weights.h5")
    model.save_weights(path)
    tensors = [tensor_stats(k, v) for k, v in h5_datasets(path)]
    os.remove(path)
    return {
        "model": name,
        "keras_version": keras.__version__,
        "backend": keras.backend.backend(),
        "seed": SEED,
        "tensors": tensors,
    }


def dump_reference(ref):
    """JSON with one tensor per line (small, diff-friendly)."""
    head = {k: v for k, v in ref.items() if k != "tensors"}
    lines = ["{"]
    for k, v in head.items():
        lines.append(f"  {json.dumps(k)}: {json.dumps(v)},")
    lines.append('  "tensors": [')
    body = [
        "    " + json.dumps(t, separators=(", ", ": "))
        for t in ref["tensors"]
    ]
    lines.append(",\n".join(body))
    lines.append("  ]")
    lines.append("}")
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=os.path.join(HERE, "keras"))
    ap.add_argument("--only", default="",
                    help="comma-separated model names (default: all)")
    args = ap.parse_args()
    wanted = [n for n in args.only.split(",") if n]
    unknown = set(wanted) - {n for n, _ in MODELS}
    if unknown:
        sys.exit(f"unknown model(s): {sorted(unknown)}")
    os.makedirs(args.out, exist_ok=True)

    with tempfile.TemporaryDirectory() as tmpdir:
        for name, build in MODELS:
            if wanted and name not in wanted:
                continue
            keras.backend.clear_session()
            keras.utils.set_random_seed(SEED)
            model = build()
            text = model.to_json()
            del model
            with open(os.path.join(args.out, name + ".json"), "w",
                      encoding="utf-8") as f:
                f.write(text)  # exact Keras text, no trailing newline added
            ref = reference_for(name, text, tmpdir)
            with open(os.path.join(args.out, name + ".reference.json"), "w",
                      encoding="utf-8") as f:
                f.write(dump_reference(ref))
            n_params = sum(t["count"] for t in ref["tensors"])
            print(f"{name}: {len(ref['tensors'])} tensors, "
                  f"{n_params} parameters")
    print(f"keras {keras.__version__} backend {keras.backend.backend()} "
          f"numpy {np.__version__} h5py {h5py.__version__}")


if __name__ == "__main__":
    main()
