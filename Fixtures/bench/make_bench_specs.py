#!/usr/bin/env python3
"""Write the Keras 3 model JSON specs of ckpt's model-scale benchmarks (issue 6).

The big models are never built in memory (a 1.3 B-parameter Keras model allocates 5 GB, a
7 B one does not fit): their `model.to_json()` text is generated directly by the functions
below. To be sure the text is exactly what Keras writes, the *same* functions are run at tiny
sizes and compared, as text, with `to_json()` of the same architecture built by Keras 3
(`--check`, on by default; it needs the venv's Keras, numpy backend).

Files written (into Fixtures/bench/ unless --out):

  gpt_1_3b.json          GPT-style, 24 blocks, d_model 2048, 16 heads × 128, MLP 8192 (gelu),
                         vocab 50257, 2048 positions; LayerNormalization pre-norm blocks with
                         MultiHeadAttention; output head tied to the token embedding (no Dense
                         head), as GPT-2/GPT-3: ≈ 1.315e9 parameters, 5.26 GB float32.
  llama_7b.json          Llama-style, 32 blocks, d_model 4096, 32 heads × 128, SwiGLU MLP 11008
                         (gate Dense silu × up Dense → down Dense), RMSNormalization, vocab
                         32000, no biases, untied Dense head: ≈ 6.74e9 parameters.
  mlp_1_3b.json          The GPT-style model with MultiHeadAttention replaced by plain Dense
                         q/k/v/o (q + k + v summed by Add, then o): every tensor has the bytes of
                         the GPT tensor it stands for (same count, same sizes), and only layers
                         ckpt's catalog has known since the start.
  small_tensors_10k.json Sequential of 5 000 Dense(8) with bias on an 8-wide input: 10 000
                         tensors of 256 and 32 bytes.
  single_tensor_10k.json One Dense with the same number of float32 values as small_tensors_10k
                         in one kernel (plus a 1-value bias): the same bytes in 2 tensors.
  llama_mlp_7b.json      The Llama-style model with Dense q/k/v/o (as mlp_1_3b) and
                         LayerNormalization(center=False) for RMSNormalization: the same bytes.
  gpt_tiny.json, llama_tiny.json, mlp_tiny.json, llama_mlp_tiny.json, small_tensors_tiny.json
                         the tiny variants the check compares with Keras.
  resnet50.json          is not copied: use Fixtures/keras/resnet50.json.

Run from the repository root:

    .venv/bin/python Fixtures/bench/make_bench_specs.py [--out DIR] [--no-check]
"""

import argparse
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

# ---------------------------------------------------------------------------------------------
# Pieces of Keras 3.15 JSON, in the key order Keras writes them.
# ---------------------------------------------------------------------------------------------

FLOAT32_POLICY = {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"},
                  "registered_name": None}
GLOROT = {"module": "keras.initializers", "class_name": "GlorotUniform",
          "config": {"seed": None, "input_axes": None, "output_axes": None}, "registered_name": None}
ZEROS = {"module": "keras.initializers", "class_name": "Zeros", "config": {}, "registered_name": None}
ONES = {"module": "keras.initializers", "class_name": "Ones", "config": {}, "registered_name": None}
EMBED_INIT = {"module": "keras.initializers", "class_name": "RandomUniform",
              "config": {"seed": None, "minval": -0.05, "maxval": 0.05}, "registered_name": None}


def tensor(layer, shape, dtype="float32"):
    """A reference to the (only) output of `layer` in an inbound node."""
    return {"class_name": "__keras_tensor__",
            "config": {"shape": list(shape), "dtype": dtype, "keras_history": [layer, 0, 0]}}


def node(*args, kwargs=None):
    return [{"args": list(args), "kwargs": kwargs or {}}]


class Graph:
    """Functional-model layers, each with its output shape, added in call order."""

    def __init__(self):
        self.layers = []
        self.shapes = {}
        self.dtypes = {}

    def ref(self, name):
        return tensor(name, self.shapes[name], self.dtypes[name])

    def add(self, name, module, class_name, config, build_config, inbound, out_shape,
            out_dtype="float32"):
        entry = {"module": module, "class_name": class_name, "config": config, "registered_name": None}
        if build_config is not None:
            entry["build_config"] = build_config
        entry["name"] = name
        entry["inbound_nodes"] = inbound
        self.layers.append(entry)
        self.shapes[name] = list(out_shape)
        self.dtypes[name] = out_dtype
        return name

    def input(self, name, shape, dtype):
        config = {"batch_shape": [None, *shape], "dtype": dtype, "sparse": False, "ragged": False,
                  "name": name, "optional": False}
        return self.add(name, "keras.layers", "InputLayer", config, None, [], [None, *shape], dtype)

    def embedding(self, name, x, input_dim, output_dim):
        config = {"name": name, "trainable": True, "dtype": FLOAT32_POLICY, "input_dim": input_dim,
                  "output_dim": output_dim, "embeddings_initializer": EMBED_INIT,
                  "embeddings_regularizer": None, "activity_regularizer": None,
                  "embeddings_constraint": None, "mask_zero": False, "quantization_config": None}
        shape = self.shapes[x]
        return self.add(name, "keras.layers", "Embedding", config, {"input_shape": shape},
                        node(self.ref(x)), [*shape, output_dim])

    def merge(self, name, class_name, xs):
        config = {"name": name, "trainable": True, "dtype": FLOAT32_POLICY}
        shapes = [self.shapes[x] for x in xs]
        return self.add(name, "keras.layers", class_name, config, {"input_shape": shapes},
                        node([self.ref(x) for x in xs]), shapes[0])

    def layer_norm(self, name, x, epsilon, center=True):
        config = {"name": name, "trainable": True, "dtype": FLOAT32_POLICY, "axis": [-1],
                  "epsilon": epsilon, "center": center, "scale": True, "rms_scaling": False,
                  "beta_initializer": ZEROS, "gamma_initializer": ONES, "beta_regularizer": None,
                  "gamma_regularizer": None, "beta_constraint": None, "gamma_constraint": None}
        shape = self.shapes[x]
        return self.add(name, "keras.layers", "LayerNormalization", config, {"input_shape": shape},
                        node(self.ref(x)), shape)

    def rms_norm(self, name, x, epsilon):
        config = {"name": name, "trainable": True, "dtype": FLOAT32_POLICY, "axis": [-1], "epsilon": epsilon}
        shape = self.shapes[x]
        return self.add(name, "keras.layers", "RMSNormalization", config, {"input_shape": shape},
                        node(self.ref(x)), shape)

    def dense(self, name, x, units, activation="linear", use_bias=True):
        shape = self.shapes[x]
        return self.add(name, "keras.layers", "Dense", dense_config(name, units, activation, use_bias),
                        {"input_shape": shape}, node(self.ref(x)), [*shape[:-1], units])

    def attention(self, name, x, num_heads, key_dim, use_bias=True):
        config = {"name": name, "trainable": True, "dtype": FLOAT32_POLICY, "num_heads": num_heads,
                  "key_dim": key_dim, "value_dim": key_dim, "dropout": 0.0, "use_bias": use_bias,
                  "use_gate": False, "output_shape": None, "attention_axes": [1], "sliding_window": None,
                  "kernel_initializer": GLOROT, "bias_initializer": ZEROS, "kernel_regularizer": None,
                  "bias_regularizer": None, "activity_regularizer": None, "kernel_constraint": None,
                  "bias_constraint": None, "seed": None}
        shape = self.shapes[x]
        build = {"shapes_dict": {"query_shape": shape, "value_shape": shape}}
        return self.add(name, "keras.layers", "MultiHeadAttention", config, build,
                        node(self.ref(x), self.ref(x), kwargs={"use_causal_mask": True}), shape)

    def functional(self, name, inputs, output):
        config = {"name": name, "trainable": True, "layers": self.layers,
                  "input_layers": ([[i, 0, 0] for i in inputs] if len(inputs) > 1 else [inputs[0], 0, 0]),
                  "output_layers": [output, 0, 0]}
        return {"module": "keras.src.models.functional", "class_name": "Functional", "config": config,
                "registered_name": "Functional", "build_config": {"input_shape": None}, "compile_config": {}}


def dense_config(name, units, activation="linear", use_bias=True):
    return {"name": name, "trainable": True, "dtype": FLOAT32_POLICY, "units": units,
            "activation": activation, "use_bias": use_bias, "kernel_initializer": GLOROT,
            "bias_initializer": ZEROS, "kernel_regularizer": None, "bias_regularizer": None,
            "kernel_constraint": None, "bias_constraint": None, "quantization_config": None}


# ---------------------------------------------------------------------------------------------
# The architectures, as JSON (generated) and as Keras models (for the check at tiny sizes).
# ---------------------------------------------------------------------------------------------

def gpt_json(name, vocab, positions, d, layers, heads, mlp, attention="mha"):
    """GPT-style pre-norm decoder. attention="mha": MultiHeadAttention; "dense": Dense q/k/v
    summed by Add, then Dense o (the same bytes with only Dense layers)."""
    g = Graph()
    tok = g.input("token_ids", [None], "int32")
    pos = g.input("position_ids", [None], "int32")
    x = g.merge("embed_sum", "Add", [g.embedding("token_embedding", tok, vocab, d),
                                     g.embedding("position_embedding", pos, positions, d)])
    for i in range(layers):
        h = g.layer_norm(f"block{i}_ln1", x, 1e-5)
        if attention == "mha":
            a = g.attention(f"block{i}_attention", h, heads, d // heads)
        else:
            qkv = [g.dense(f"block{i}_{p}", h, d) for p in ("query", "key", "value")]
            a = g.dense(f"block{i}_attention_output", g.merge(f"block{i}_qkv_sum", "Add", qkv), d)
        x = g.merge(f"block{i}_add1", "Add", [x, a])
        h = g.layer_norm(f"block{i}_ln2", x, 1e-5)
        h = g.dense(f"block{i}_mlp_proj", g.dense(f"block{i}_mlp_fc", h, mlp, "gelu"), d)
        x = g.merge(f"block{i}_add2", "Add", [x, h])
    out = g.layer_norm("final_ln", x, 1e-5)
    return g.functional(name, [tok, pos], out)


def gpt_keras(name, vocab, positions, d, layers, heads, mlp, attention="mha"):
    import keras
    from keras import layers as L
    tok = keras.Input(shape=(None,), dtype="int32", name="token_ids")
    pos = keras.Input(shape=(None,), dtype="int32", name="position_ids")
    x = L.Add(name="embed_sum")([L.Embedding(vocab, d, name="token_embedding")(tok),
                                 L.Embedding(positions, d, name="position_embedding")(pos)])
    for i in range(layers):
        h = L.LayerNormalization(epsilon=1e-5, name=f"block{i}_ln1")(x)
        if attention == "mha":
            a = L.MultiHeadAttention(heads, d // heads, name=f"block{i}_attention")(h, h, use_causal_mask=True)
        else:
            qkv = [L.Dense(d, name=f"block{i}_{p}")(h) for p in ("query", "key", "value")]
            a = L.Dense(d, name=f"block{i}_attention_output")(L.Add(name=f"block{i}_qkv_sum")(qkv))
        x = L.Add(name=f"block{i}_add1")([x, a])
        h = L.LayerNormalization(epsilon=1e-5, name=f"block{i}_ln2")(x)
        h = L.Dense(d, name=f"block{i}_mlp_proj")(L.Dense(mlp, activation="gelu", name=f"block{i}_mlp_fc")(h))
        x = L.Add(name=f"block{i}_add2")([x, h])
    out = L.LayerNormalization(epsilon=1e-5, name="final_ln")(x)
    return keras.Model([tok, pos], out, name=name)


def llama_json(name, vocab, d, layers, heads, mlp, attention="mha"):
    """Llama-style decoder. attention="dense": Dense q/k/v (summed by Add) and o instead of
    MultiHeadAttention, and LayerNormalization(center=False) instead of RMSNormalization (one
    scale vector each): the same bytes with layers ckpt has always known."""
    g = Graph()

    def norm(name, x):
        return g.rms_norm(name, x, 1e-6) if attention == "mha" else g.layer_norm(name, x, 1e-6, center=False)

    tok = g.input("token_ids", [None], "int32")
    x = g.embedding("token_embedding", tok, vocab, d)
    for i in range(layers):
        h = norm(f"layer{i}_attention_norm", x)
        if attention == "mha":
            a = g.attention(f"layer{i}_attention", h, heads, d // heads, use_bias=False)
        else:
            qkv = [g.dense(f"layer{i}_{p}", h, d, use_bias=False) for p in ("query", "key", "value")]
            a = g.dense(f"layer{i}_attention_output", g.merge(f"layer{i}_qkv_sum", "Add", qkv), d, use_bias=False)
        x = g.merge(f"layer{i}_add1", "Add", [x, a])
        h = norm(f"layer{i}_mlp_norm", x)
        gate = g.dense(f"layer{i}_mlp_gate", h, mlp, "silu", use_bias=False)
        up = g.dense(f"layer{i}_mlp_up", h, mlp, use_bias=False)
        h = g.dense(f"layer{i}_mlp_down", g.merge(f"layer{i}_mlp_mul", "Multiply", [gate, up]), d, use_bias=False)
        x = g.merge(f"layer{i}_add2", "Add", [x, h])
    x = norm("final_norm", x)
    out = g.dense("lm_head", x, vocab, use_bias=False)
    return g.functional(name, [tok], out)


def llama_keras(name, vocab, d, layers, heads, mlp, attention="mha"):
    import keras
    from keras import layers as L

    def norm(name):
        if attention == "mha":
            return L.RMSNormalization(epsilon=1e-6, name=name)
        return L.LayerNormalization(epsilon=1e-6, center=False, name=name)

    tok = keras.Input(shape=(None,), dtype="int32", name="token_ids")
    x = L.Embedding(vocab, d, name="token_embedding")(tok)
    for i in range(layers):
        h = norm(f"layer{i}_attention_norm")(x)
        if attention == "mha":
            a = L.MultiHeadAttention(heads, d // heads, use_bias=False, name=f"layer{i}_attention")(h, h, use_causal_mask=True)
        else:
            qkv = [L.Dense(d, use_bias=False, name=f"layer{i}_{p}")(h) for p in ("query", "key", "value")]
            a = L.Dense(d, use_bias=False, name=f"layer{i}_attention_output")(L.Add(name=f"layer{i}_qkv_sum")(qkv))
        x = L.Add(name=f"layer{i}_add1")([x, a])
        h = norm(f"layer{i}_mlp_norm")(x)
        gate = L.Dense(mlp, activation="silu", use_bias=False, name=f"layer{i}_mlp_gate")(h)
        up = L.Dense(mlp, use_bias=False, name=f"layer{i}_mlp_up")(h)
        h = L.Dense(d, use_bias=False, name=f"layer{i}_mlp_down")(L.Multiply(name=f"layer{i}_mlp_mul")([gate, up]))
        x = L.Add(name=f"layer{i}_add2")([x, h])
    x = norm("final_norm")(x)
    out = L.Dense(vocab, use_bias=False, name="lm_head")(x)
    return keras.Model(tok, out, name=name)


def stack_json(name, width, count):
    """Sequential of `count` Dense(width) with bias on a `width`-wide input."""
    policy_layers = [{"module": "keras.layers", "class_name": "InputLayer",
                      "config": {"batch_shape": [None, width], "dtype": "float32", "sparse": False,
                                 "ragged": False, "name": "x", "optional": False},
                      "registered_name": None}]
    for i in range(count):
        policy_layers.append({"module": "keras.layers", "class_name": "Dense",
                              "config": dense_config(f"dense{i}", width), "registered_name": None,
                              "build_config": {"input_shape": [None, width]}})
    config = {"name": name, "trainable": True, "dtype": FLOAT32_POLICY, "layers": policy_layers,
              "build_input_shape": [None, width]}
    return {"module": "keras", "class_name": "Sequential", "config": config, "registered_name": None,
            "build_config": {"input_shape": [None, width]}, "compile_config": {}}


def stack_keras(name, width, count):
    import keras
    from keras import layers as L
    return keras.Sequential([keras.Input(shape=(width,), name="x")]
                            + [L.Dense(width, name=f"dense{i}") for i in range(count)], name=name)


def single_json(name, values):
    """One Dense holding `values` float32 kernel values: a 1-wide input, `values` units, no bias."""
    g = Graph()
    x = g.input("x", [1], "float32")
    out = g.dense("dense", x, values, use_bias=False)
    return g.functional(name, [x], out)


# ---------------------------------------------------------------------------------------------
# Parameter counts (from the architecture, not from Keras).
# ---------------------------------------------------------------------------------------------

def gpt_params(vocab, positions, d, layers, heads, mlp, **_):
    block = 2 * d + (4 * d * d + 4 * d) + 2 * d + (d * mlp + mlp) + (mlp * d + d)
    return vocab * d + positions * d + layers * block + 2 * d


def llama_params(vocab, d, layers, heads, mlp, **_):
    block = d + 4 * d * d + d + 3 * d * mlp
    return vocab * d + layers * block + d + d * vocab


def json_text(model):
    return json.dumps(model)


MODELS = {
    # name: (generator, keras builder, parameter counter, arguments)
    "gpt_tiny": (gpt_json, gpt_keras, gpt_params,
                 dict(vocab=100, positions=32, d=64, layers=2, heads=4, mlp=256)),
    "mlp_tiny": (gpt_json, gpt_keras, gpt_params,
                 dict(vocab=100, positions=32, d=64, layers=2, heads=4, mlp=256, attention="dense")),
    "llama_tiny": (llama_json, llama_keras, llama_params, dict(vocab=100, d=64, layers=2, heads=4, mlp=172)),
    "llama_mlp_tiny": (llama_json, llama_keras, llama_params,
                       dict(vocab=100, d=64, layers=2, heads=4, mlp=172, attention="dense")),
    "small_tensors_tiny": (stack_json, stack_keras, lambda width, count: count * (width * width + width),
                           dict(width=8, count=50)),
    "gpt_1_3b": (gpt_json, None, gpt_params,
                 dict(vocab=50257, positions=2048, d=2048, layers=24, heads=16, mlp=8192)),
    "mlp_1_3b": (gpt_json, None, gpt_params,
                 dict(vocab=50257, positions=2048, d=2048, layers=24, heads=16, mlp=8192, attention="dense")),
    "llama_7b": (llama_json, None, llama_params, dict(vocab=32000, d=4096, layers=32, heads=32, mlp=11008)),
    "llama_mlp_7b": (llama_json, None, llama_params,
                     dict(vocab=32000, d=4096, layers=32, heads=32, mlp=11008, attention="dense")),
    "small_tensors_10k": (stack_json, None, lambda width, count: count * (width * width + width),
                          dict(width=8, count=5000)),
    "single_tensor_10k": (single_json, None, lambda values: values, dict(values=5000 * (8 * 8 + 8))),
}


def check_against_keras(name, generator, builder, args):
    os.environ.setdefault("KERAS_BACKEND", "numpy")
    import keras
    keras.backend.clear_session()
    model = builder(name, **args)
    ours, theirs = json_text(generator(name, **args)), model.to_json()
    if ours != theirs:
        a, b = json.loads(ours), json.loads(theirs)
        where = next((i for i, (x, y) in enumerate(zip(ours, theirs)) if x != y), min(len(ours), len(theirs)))
        raise SystemExit(f"{name}: generated JSON differs from Keras's to_json() at character {where} "
                         f"(parsed equal: {a == b}):\n  ours:  …{ours[max(0, where - 120):where + 120]}\n"
                         f"  keras: …{theirs[max(0, where - 120):where + 120]}")
    # The text round-trips through Keras and the weights are what the counter says.
    rebuilt = keras.models.model_from_json(ours)
    count = sum(int(w.numpy().size) for w in rebuilt.weights)
    return count, len(rebuilt.weights)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=HERE)
    parser.add_argument("--no-check", action="store_true", help="skip the comparison with Keras")
    options = parser.parse_args()
    for name, (generator, builder, counter, args) in MODELS.items():
        params = counter(**args)
        text = json_text(generator(name, **args))
        line = f"{name:20s} {params:>15,d} parameters  {params * 4 / 1e9:7.3f} GB float32  {params * 2 / 1e9:7.3f} GB bf16"
        if builder is not None and not options.no_check:
            keras_params, tensors = check_against_keras(name, generator, builder, args)
            if keras_params != params:
                raise SystemExit(f"{name}: Keras counts {keras_params} parameters, the formula {params}")
            line += f"  = keras.Model(...).to_json() text; model_from_json: {keras_params} params, {tensors} tensors"
        with open(os.path.join(options.out, name + ".json"), "w") as f:
            f.write(text)
        print(line)


if __name__ == "__main__":
    sys.exit(main())
