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


def build_reversible():
    """ReversibleEmbedding: an untied one called forward and in reverse (a language model's
    input table and output head), and a tied one."""
    inp = keras.Input(shape=(12,), dtype="int32", name="tokens")
    table = layers.ReversibleEmbedding(300, 16, tie_weights=False, name="token_embedding")
    x = table(inp)
    x = layers.Dense(16, activation="gelu", name="mlp")(x)
    x = layers.LayerNormalization(name="ln")(x)
    logits = table(x, reverse=True)
    tied = layers.ReversibleEmbedding(40, 8, name="tied_embedding")(inp)
    pooled = layers.GlobalAveragePooling1D(name="pool")(tied)
    return keras.Model(inp, [logits, pooled], name="reversible")


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


def build_rnn():
    """Recurrent layers and wrappers: sub-layer keys cell, forward_layer/backward_layer, layer."""
    seq = keras.Input(shape=(10, 8), name="sequence")
    x = layers.SimpleRNN(16, return_sequences=True, name="srnn")(seq)
    x = layers.LSTM(12, return_sequences=True, unit_forget_bias=True,
                    name="lstm")(x)
    x = layers.GRU(8, reset_after=True, return_sequences=True,
                   name="gru_reset_after")(x)
    x = layers.GRU(8, reset_after=False, return_sequences=True,
                   name="gru_classic")(x)
    x = layers.Bidirectional(layers.LSTM(6, return_sequences=True),
                             name="bi_lstm")(x)
    x = layers.Bidirectional(
        layers.LSTM(5, return_sequences=True),
        backward_layer=layers.GRU(4, return_sequences=True, go_backwards=True),
        merge_mode="concat", name="bi_mixed")(x)
    x = layers.TimeDistributed(layers.Dense(7, activation="relu"),
                               name="td_dense")(x)
    x = layers.GlobalAveragePooling1D(name="seq_pool")(x)

    frames = keras.Input(shape=(4, 8, 8, 3), name="frames")
    v = layers.ConvLSTM2D(4, 3, padding="same", name="conv_lstm")(frames)
    v = layers.GlobalAveragePooling2D(name="frame_pool")(v)

    x = layers.Concatenate(name="concat")([x, v])
    out = layers.Dense(3, activation="softmax", name="classes")(x)
    return keras.Model([seq, frames], out, name="rnn")


def build_wrapped_models():
    """Models inside TimeDistributed: a Sequential, a Functional holding an LSTM, and a
    Sequential holding a TimeDistributed(Sequential) (two levels deep)."""
    clips = keras.Input(shape=(4, 6, 3), name="clips")
    rowwise = keras.Sequential([layers.Dense(8, activation="relu", name="expand"),
                                layers.Dense(5, name="project")], name="rowwise")
    x = layers.TimeDistributed(rowwise, name="td_rowwise")(clips)
    deep_inner = keras.Sequential([layers.Dense(6, activation="tanh", name="squash")],
                                  name="deep_inner")
    deep_outer = keras.Sequential(
        [layers.TimeDistributed(deep_inner, name="td_inner"),
         layers.LayerNormalization(name="inner_norm")], name="deep_outer")
    x = layers.TimeDistributed(deep_outer, name="td_deep")(x)
    steps = keras.Input(shape=(6, 6), name="steps")
    encoded = layers.LSTM(7, unit_forget_bias=True, name="encoder_lstm")(steps)
    encoder = keras.Model(steps, encoded, name="seq_encoder")
    x = layers.TimeDistributed(encoder, name="td_encoder")(x)
    x = layers.Flatten(name="flatten")(x)
    out = layers.Dense(3, activation="softmax", name="classes")(x)
    return keras.Model(clips, out, name="wrapped_models")


def build_attention():
    """A small Transformer encoder block plus the other attention layers."""
    tokens = keras.Input(shape=(8, 16), name="tokens")
    a = layers.MultiHeadAttention(num_heads=2, key_dim=8, name="mha")(
        tokens, tokens)
    x = layers.Add(name="res1")([tokens, a])
    x = layers.LayerNormalization(epsilon=1e-6, name="ln1")(x)
    h = layers.EinsumDense("abc,cd->abd", output_shape=(None, 32),
                           bias_axes="d", activation="gelu", name="ffn_up")(x)
    h = layers.EinsumDense("abd,dc->abc", output_shape=(None, 16),
                           bias_axes="c", name="ffn_down")(h)
    x = layers.Add(name="res2")([x, h])
    x = layers.LayerNormalization(epsilon=1e-6, name="ln2")(x)
    g = layers.GroupQueryAttention(head_dim=4, num_query_heads=4,
                                     num_key_value_heads=2, name="gqa")(x, x)
    d = layers.Attention(use_scale=True, score_mode="concat",
                         name="dot_attention")([g, x])
    e = layers.AdditiveAttention(use_scale=True, name="additive")([d, x])
    y = layers.GlobalAveragePooling1D(name="pool")(e)
    out = layers.Dense(4, activation="softmax", name="classes")(y)
    return keras.Model(tokens, out, name="attention")


def build_norms():
    """Normalization layers, PReLU and ConvNeXt's LayerScale."""
    from keras.src.applications.convnext import LayerScale

    image = keras.Input(shape=(8, 8, 6), name="image")
    x = layers.Normalization(axis=-1, name="adapt_norm")(image)
    x = layers.Normalization(axis=-1, mean=[0.5] * 6, variance=[0.25] * 6,
                             name="fixed_norm")(x)
    x = layers.Conv2D(12, 3, padding="same", name="conv")(x)
    x = layers.GroupNormalization(groups=3, name="group_norm")(x)
    x = layers.PReLU(shared_axes=[1, 2], name="prelu")(x)
    x = layers.RMSNormalization(name="rms_norm")(x)
    x = LayerScale(1e-6, 12, name="layer_scale")(x)
    x = layers.UnitNormalization(name="unit_norm")(x)
    x = layers.GlobalAveragePooling2D(name="pool")(x)
    out = layers.Dense(2, name="logits")(x)
    return keras.Model(image, out, name="norms")


def build_convnexttiny():
    # LayerScale (custom, registered), LayerNormalization, depthwise 7x7 convs.
    return keras.applications.ConvNeXtTiny(weights=None,
                                           input_shape=(64, 64, 3))


def build_efficientnetb0():
    # Normalization (adapt statistics, int32 count), Rescaling, swish.
    return keras.applications.EfficientNetB0(weights=None,
                                             input_shape=(64, 64, 3))


def build_efficientnetv2b0():
    return keras.applications.EfficientNetV2B0(weights=None,
                                               input_shape=(64, 64, 3))


MODELS = [
    ("mlp", build_mlp),
    ("cnn", build_cnn),
    ("resnet_block", build_resnet_block),
    ("nested", build_nested),
    ("embed", build_embed),
    ("reversible", build_reversible),
    ("respect", build_respect),
    ("resnet50", build_resnet50),
    ("mobilenetv2", build_mobilenetv2),
    ("vgg16", build_vgg16),
    ("mobilenetv3small", build_mobilenetv3small),
    ("densenet121", build_densenet121),
    ("rnn", build_rnn),
    ("attention", build_attention),
    ("wrapped_models", build_wrapped_models),
    ("norms", build_norms),
    ("convnexttiny", build_convnexttiny),
    ("efficientnetb0", build_efficientnetb0),
    ("efficientnetv2b0", build_efficientnetv2b0),
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
