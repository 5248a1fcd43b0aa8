#!/usr/bin/env python3
"""Layout equivalence of `ckpt convert --layout torch|keras` with the real Keras 3 and torch
(the venv of scripts/setup-python-torch.sh; KERAS_BACKEND=jax).

  check_layouts.py layers --ckpt BIN [--only NAME,...]
  check_layouts.py models --ckpt BIN [--only NAME,...]

For every case, both directions:
  keras -> torch: a Keras model with random weights is saved (save_weights), ckpt converts it with
      --layout torch, torch's module loads the result with load_state_dict(strict=True), and the two
      give the same outputs on a random input.
  torch -> keras: the torch module with random weights is saved with torch.save(module.state_dict())
      (an OrderedDict with _metadata), ckpt converts it with --layout keras and --spec (the model's
      to_json()), Keras loads it (load_weights or load_model), and the two give the same outputs.
Outputs are equal when max |keras - torch| <= 1e-5 * max(1, max |torch|).
Prints "PASS name direction" or "FAIL name direction: why" per check, then "N passed, M failed";
exits non-zero on any failure.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

os.environ.setdefault("KERAS_BACKEND", "jax")

import numpy as np  # noqa: E402
import keras  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402

TOLERANCE = 1e-5
torch.set_default_dtype(torch.float32)


# --- Input and output layouts: Keras is channels-last, torch channels-first. ---------------

def channels_first(x):
    return np.ascontiguousarray(np.moveaxis(x, -1, 1))


def channels_last(y):
    return np.moveaxis(y, 1, -1)


def same(x):
    return x


class Case:
    """One Keras model and the torch module equivalent to it."""

    def __init__(self, name, keras_model, torch_module, shape, to_torch=same, from_torch=same,
                 integer_input=None, keras_target=".weights.h5", torch_target=".bin"):
        self.name = name
        self.keras_model = keras_model  # () -> keras.Model
        self.torch_module = torch_module  # () -> nn.Module
        self.shape = shape  # input shape without the batch
        self.to_torch = to_torch
        self.from_torch = from_torch
        self.integer_input = integer_input  # vocabulary size for token inputs
        self.keras_target = keras_target
        self.torch_target = torch_target


def sequential(shape, *layers, dtype=None):
    inputs = keras.Input(shape=shape, dtype=dtype) if dtype else keras.Input(shape=shape)
    x = inputs
    for layer in layers:
        x = layer(x)
    return keras.Model(inputs, x)


def rnn_output(module):
    class Output(nn.Module):
        def __init__(self):
            super().__init__()
            self.inner = module

        def forward(self, x):
            return self.inner(x)[0]

    return Output()


class Named(nn.Module):
    """A torch module whose children carry the Keras layer names, run in order."""

    def __init__(self, **children):
        super().__init__()
        self.order = list(children)
        for name, child in children.items():
            setattr(self, name, child)

    def forward(self, x):
        for name in self.order:
            x = getattr(self, name)(x)
            if isinstance(x, tuple):
                x = x[0]
        return x


class Attention(nn.Module):
    def __init__(self, embed, heads, bias=True):
        super().__init__()
        self.mha = nn.MultiheadAttention(embed, heads, batch_first=True, bias=bias)

    def forward(self, x):
        return self.mha(x, x, x, need_weights=False)[0]


def layer_cases():
    L = keras.layers
    return [
        Case("dense", lambda: sequential((7,), L.Dense(5, name="m")), lambda: Named(m=nn.Linear(7, 5)), (7,)),
        Case("dense_no_bias_rank3", lambda: sequential((4, 7), L.Dense(5, use_bias=False, name="m")),
             lambda: Named(m=nn.Linear(7, 5, bias=False)), (4, 7)),
        Case("time_distributed_dense", lambda: sequential((4, 7), L.TimeDistributed(L.Dense(5), name="m")),
             lambda: Named(m=nn.Linear(7, 5)), (4, 7)),
        Case("conv1d", lambda: sequential((10, 4), L.Conv1D(6, 3, name="m")), lambda: Named(m=nn.Conv1d(4, 6, 3)), (10, 4),
             channels_first, channels_last),
        Case("conv2d_groups_strides", lambda: sequential((9, 9, 4), L.Conv2D(6, 3, strides=2, groups=2, name="m")),
             lambda: Named(m=nn.Conv2d(4, 6, 3, stride=2, groups=2)), (9, 9, 4), channels_first, channels_last),
        Case("conv2d_same", lambda: sequential((8, 8, 3), L.Conv2D(5, 3, padding="same", dilation_rate=2, name="m")),
             lambda: Named(m=nn.Conv2d(3, 5, 3, padding="same", dilation=2)), (8, 8, 3), channels_first, channels_last),
        Case("conv3d", lambda: sequential((5, 5, 5, 3), L.Conv3D(4, 2, name="m")), lambda: Named(m=nn.Conv3d(3, 4, 2)),
             (5, 5, 5, 3), channels_first, channels_last),
        Case("depthwise_conv1d", lambda: sequential((10, 3), L.DepthwiseConv1D(3, depth_multiplier=2, name="m")),
             lambda: Named(m=nn.Conv1d(3, 6, 3, groups=3)), (10, 3), channels_first, channels_last),
        Case("depthwise_conv2d", lambda: sequential((8, 8, 3), L.DepthwiseConv2D(3, depth_multiplier=2, name="m")),
             lambda: Named(m=nn.Conv2d(3, 6, 3, groups=3)), (8, 8, 3), channels_first, channels_last),
        Case("conv1d_transpose", lambda: sequential((6, 4), L.Conv1DTranspose(5, 3, strides=2, name="m")),
             lambda: Named(m=nn.ConvTranspose1d(4, 5, 3, stride=2)), (6, 4), channels_first, channels_last),
        Case("conv2d_transpose", lambda: sequential((5, 6, 4), L.Conv2DTranspose(5, (3, 2), strides=2, name="m")),
             lambda: Named(m=nn.ConvTranspose2d(4, 5, (3, 2), stride=2)), (5, 6, 4), channels_first, channels_last),
        Case("conv3d_transpose", lambda: sequential((3, 3, 3, 2), L.Conv3DTranspose(3, 2, strides=2, name="m")),
             lambda: Named(m=nn.ConvTranspose3d(2, 3, 2, stride=2)), (3, 3, 3, 2), channels_first, channels_last),
        Case("batch_norm_1d", lambda: sequential((6,), L.BatchNormalization(name="m")),
             lambda: Named(m=nn.BatchNorm1d(6, eps=1e-3, momentum=0.01)), (6,)),
        Case("batch_norm_2d", lambda: sequential((5, 5, 4), L.BatchNormalization(epsilon=1e-5, name="m")),
             lambda: Named(m=nn.BatchNorm2d(4)), (5, 5, 4), channels_first, channels_last),
        Case("batch_norm_3d_no_affine", lambda: sequential((3, 3, 3, 2), L.BatchNormalization(center=False, scale=False, name="m")),
             lambda: Named(m=nn.BatchNorm3d(2, eps=1e-3, affine=False)), (3, 3, 3, 2), channels_first, channels_last),
        Case("layer_norm", lambda: sequential((5, 8), L.LayerNormalization(name="m")),
             lambda: Named(m=nn.LayerNorm(8, eps=1e-3)), (5, 8)),
        Case("layer_norm_two_axes", lambda: sequential((5, 4, 3), L.LayerNormalization(axis=[-2, -1], name="m")),
             lambda: Named(m=nn.LayerNorm((4, 3), eps=1e-3)), (5, 4, 3)),
        Case("rms_norm", lambda: sequential((5, 8), L.RMSNormalization(name="m")),
             lambda: Named(m=nn.RMSNorm(8, eps=1e-6)), (5, 8)),
        Case("group_norm", lambda: sequential((6, 6, 4), L.GroupNormalization(groups=2, name="m")),
             lambda: Named(m=nn.GroupNorm(2, 4, eps=1e-3)), (6, 6, 4), channels_first, channels_last),
        Case("embedding", lambda: sequential((5,), L.Embedding(20, 6, name="m"), dtype="int32"),
             lambda: Named(m=nn.Embedding(20, 6)), (5,), integer_input=20),
        Case("simple_rnn", lambda: sequential((7, 3), L.SimpleRNN(5, return_sequences=True, name="m")),
             lambda: Named(m=nn.RNN(3, 5, batch_first=True)), (7, 3)),
        Case("simple_rnn_relu", lambda: sequential((7, 3), L.SimpleRNN(5, activation="relu", return_sequences=True, name="m")),
             lambda: Named(m=nn.RNN(3, 5, nonlinearity="relu", batch_first=True)), (7, 3)),
        Case("lstm", lambda: sequential((7, 3), L.LSTM(5, return_sequences=True, name="m")),
             lambda: Named(m=nn.LSTM(3, 5, batch_first=True)), (7, 3)),
        Case("gru", lambda: sequential((7, 3), L.GRU(5, return_sequences=True, name="m")),
             lambda: Named(m=nn.GRU(3, 5, batch_first=True)), (7, 3)),
        Case("bidirectional_lstm", lambda: sequential((7, 3), L.Bidirectional(L.LSTM(5, return_sequences=True), name="m")),
             lambda: Named(m=nn.LSTM(3, 5, batch_first=True, bidirectional=True)), (7, 3)),
        Case("bidirectional_gru", lambda: sequential((7, 3), L.Bidirectional(L.GRU(4, return_sequences=True), name="m")),
             lambda: Named(m=nn.GRU(3, 4, batch_first=True, bidirectional=True)), (7, 3)),
        Case("multi_head_attention", lambda: self_attention((6, 8), L.MultiHeadAttention(2, 4, name="mha")),
             lambda: Attention(8, 2), (6, 8)),
        Case("multi_head_attention_no_bias", lambda: self_attention((5, 12), L.MultiHeadAttention(3, 4, use_bias=False, name="mha")),
             lambda: Attention(12, 3, bias=False), (5, 12)),
    ]


def self_attention(shape, layer):
    inputs = keras.Input(shape=shape)
    return keras.Model(inputs, layer(inputs, inputs))


# --- Whole models -----------------------------------------------------------------------

class TorchCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, padding="same")
        self.bn1 = nn.BatchNorm2d(8, eps=1e-3, momentum=0.01)
        self.conv2 = nn.Conv2d(8, 16, 3)
        self.bn2 = nn.BatchNorm2d(16, eps=1e-3, momentum=0.01)
        self.head = nn.Linear(16, 5)

    def forward(self, x):
        x = torch.relu(self.bn1(self.conv1(x)))
        x = nn.functional.max_pool2d(x, 2)
        x = torch.relu(self.bn2(self.conv2(x)))
        return self.head(x.mean(dim=(2, 3)))


def keras_cnn():
    L = keras.layers
    return sequential((12, 12, 3), L.Conv2D(8, 3, padding="same", name="conv1"), L.BatchNormalization(name="bn1"), L.ReLU(),
                      L.MaxPooling2D(2), L.Conv2D(16, 3, name="conv2"), L.BatchNormalization(name="bn2"), L.ReLU(),
                      L.GlobalAveragePooling2D(), L.Dense(5, name="head"))


class TorchTagger(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(30, 8)
        self.lstm = nn.LSTM(8, 6, batch_first=True)
        self.gru = nn.GRU(6, 5, batch_first=True, bidirectional=True)
        self.tags = nn.Linear(10, 4)

    def forward(self, x):
        x = self.lstm(self.embed(x))[0]
        return self.tags(self.gru(x)[0])


def keras_tagger():
    L = keras.layers
    return sequential((7,), L.Embedding(30, 8, name="embed"), L.LSTM(6, return_sequences=True, name="lstm"),
                      L.Bidirectional(L.GRU(5, return_sequences=True), name="gru"), L.Dense(4, name="tags"), dtype="int32")


class TorchEncoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.mha = nn.MultiheadAttention(8, 2, batch_first=True)
        self.norm1 = nn.LayerNorm(8, eps=1e-6)
        self.ffn_up = nn.Linear(8, 16)
        self.ffn_down = nn.Linear(16, 8)
        self.norm2 = nn.LayerNorm(8, eps=1e-6)

    def forward(self, x):
        x = self.norm1(x + self.mha(x, x, x, need_weights=False)[0])
        return self.norm2(x + self.ffn_down(torch.relu(self.ffn_up(x))))


def keras_encoder():
    L = keras.layers
    inputs = keras.Input(shape=(6, 8))
    x = L.MultiHeadAttention(2, 4, name="mha")(inputs, inputs)
    x = L.LayerNormalization(epsilon=1e-6, name="norm1")(L.Add()([inputs, x]))
    y = L.Dense(8, name="ffn_down")(L.Dense(16, activation="relu", name="ffn_up")(x))
    return keras.Model(inputs, L.LayerNormalization(epsilon=1e-6, name="norm2")(L.Add()([x, y])))


class TorchNested(nn.Module):
    def __init__(self):
        super().__init__()
        self.block = Named(fc1=nn.Linear(6, 5))
        self.out = nn.Linear(5, 3)

    def forward(self, x):
        return self.out(torch.tanh(self.block(x)))


def keras_nested():
    L = keras.layers
    block = keras.Sequential([keras.Input(shape=(6,)), L.Dense(5, name="fc1")], name="block")
    return sequential((6,), block, L.Activation("tanh"), L.Dense(3, name="out"))


def model_cases():
    return [
        Case("cnn_batch_norm", keras_cnn, TorchCNN, (12, 12, 3), channels_first, same,
             keras_target=".keras", torch_target=".safetensors"),
        Case("lstm_gru_tagger", keras_tagger, TorchTagger, (7,), integer_input=30,
             keras_target=".weights.h5", torch_target=".bin"),
        Case("transformer_encoder", keras_encoder, TorchEncoder, (6, 8), keras_target=".keras", torch_target=".npz"),
        Case("nested_model", keras_nested, TorchNested, (6,), keras_target=".weights.h5", torch_target=".bin"),
    ]


# --- The checks -------------------------------------------------------------------------

def random_input(case, rng):
    if case.integer_input:
        return rng.integers(0, case.integer_input, size=(3,) + case.shape).astype("int32")
    return rng.standard_normal((3,) + case.shape).astype("float32")


def randomize_keras(model, rng):
    values = []
    for variable in model.weights:
        shape = tuple(variable.shape)
        if "moving_variance" in variable.path:
            values.append(rng.uniform(0.5, 1.5, shape).astype("float32"))
        else:
            values.append((0.4 * rng.standard_normal(shape)).astype("float32"))
    model.set_weights(values)


def randomize_torch(module, rng):
    with torch.no_grad():
        for name, tensor in module.state_dict().items():
            if not tensor.is_floating_point():
                continue
            if name.endswith("running_var"):
                value = rng.uniform(0.5, 1.5, tuple(tensor.shape))
            else:
                value = 0.4 * rng.standard_normal(tuple(tensor.shape))
            tensor.copy_(torch.from_numpy(value.astype("float32")))


def keras_output(model, x):
    return np.asarray(model(x, training=False))


def torch_output(case, module, x):
    module.eval()
    with torch.no_grad():
        tensor = torch.from_numpy(case.to_torch(x).astype("int64" if case.integer_input else "float32"))
        return case.from_torch(module(tensor).numpy())


def compare(a, b):
    if a.shape != b.shape:
        return f"output shapes differ: keras {a.shape}, torch {b.shape}"
    error = float(np.max(np.abs(a - b))) if a.size else 0.0
    scale = max(1.0, float(np.max(np.abs(b))) if b.size else 1.0)
    if error > TOLERANCE * scale:
        return f"max |keras - torch| = {error:.3g} (scale {scale:.3g})"
    return None


def ckpt(binary, *arguments):
    result = subprocess.run([binary, "convert", *arguments, "--quiet"], capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"ckpt convert {' '.join(arguments)}: {result.stderr.strip()}")
    return result.stderr


def load_torch_file(path):
    if path.endswith(".safetensors"):
        from safetensors.torch import load_file
        return load_file(path)
    if path.endswith(".npz"):
        with np.load(path) as arrays:
            return {name: torch.from_numpy(arrays[name].copy()) for name in arrays.files}
    return torch.load(path, weights_only=True)


def keras_to_torch(case, binary, folder, rng):
    model = case.keras_model()
    randomize_keras(model, rng)
    spec = os.path.join(folder, "model.json")
    with open(spec, "w") as f:
        f.write(model.to_json())
    source = os.path.join(folder, "keras.weights.h5")
    model.save_weights(source)
    target = os.path.join(folder, "torch" + case.torch_target)
    ckpt(binary, source, target, "--spec", spec, "--layout", "torch")
    module = case.torch_module()
    x = random_input(case, rng)
    # A control: the module as torch initialised it does not match (the comparison can fail).
    if compare(keras_output(model, x), torch_output(case, module, x)) is None:
        return "the unconverted torch module already matches Keras; the check proves nothing"
    module.load_state_dict(load_torch_file(target), strict=True)
    return compare(keras_output(model, x), torch_output(case, module, x))


def torch_to_keras(case, binary, folder, rng):
    module = case.torch_module()
    randomize_torch(module, rng)
    source = os.path.join(folder, "state_dict.bin")
    state = module.state_dict()
    if not hasattr(state, "_metadata"):
        return "torch's state_dict has no _metadata (the BUILD opcode this should exercise)"
    torch.save(state, source)
    model = case.keras_model()
    spec = os.path.join(folder, "model.json")
    with open(spec, "w") as f:
        f.write(model.to_json())
    target = os.path.join(folder, "keras" + case.keras_target)
    ckpt(binary, source, target, "--spec", spec, "--layout", "keras")
    if case.keras_target == ".keras":
        model = keras.saving.load_model(target)
    else:
        model.load_weights(target)
    x = random_input(case, rng)
    return compare(keras_output(model, x), torch_output(case, module, x))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("group", choices=["layers", "models"])
    parser.add_argument("--ckpt", required=True)
    parser.add_argument("--only", default="")
    args = parser.parse_args()
    cases = layer_cases() if args.group == "layers" else model_cases()
    if args.only:
        wanted = set(args.only.split(","))
        cases = [case for case in cases if case.name in wanted]
    passed, failed = 0, 0
    for number, case in enumerate(cases):
        for direction, check in (("keras->torch", keras_to_torch), ("torch->keras", torch_to_keras)):
            rng = np.random.default_rng(1000 + number)
            torch.manual_seed(number)
            with tempfile.TemporaryDirectory() as folder:
                try:
                    problem = check(case, args.ckpt, folder, rng)
                except Exception as error:  # a failed conversion or load is this check's failure
                    problem = f"{type(error).__name__}: {error}"
            if problem:
                failed += 1
                print(f"FAIL {case.name} {direction}: {problem}")
            else:
                passed += 1
                print(f"PASS {case.name} {direction}")
            sys.stdout.flush()
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed or not cases else 0)


if __name__ == "__main__":
    main()
