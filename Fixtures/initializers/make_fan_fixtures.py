#!/usr/bin/env python3
"""Record the fans every framework computes for each FanSemantics case (Fixtures/initializers/fans.json).

For each case (a weight with a known role in its layer) this writes the (fan_in, fan_out) that

  keras     keras.src.initializers.random_initializers.compute_fans on the Keras kernel,
            with input_axes/output_axes where Keras 3.15 EinsumDense passes them
            (EinsumDense, MultiHeadAttention projections);
  torch     torch.nn.init._calculate_fan_in_and_fan_out on the weight as PyTorch lays it
            out (Linear (out, in), Conv (C_out, C_in/g, k...), ConvTranspose
            (C_in, C_out/g, k...), depthwise (C*m, 1, k...), LSTM weight_ih (4H, in),
            Embedding (V, D)); null when PyTorch raises;
  jax       jax._src.nn.initializers._compute_fans on the kernel as Flax lays it out
            (ConvTranspose (k..., C_in, C_out), depthwise Conv with feature_group_count
            (k..., 1, C*m), recurrent cells one Dense (rows, H) per gate, ConvLSTMCell one
            packed Conv, Embed with out_axis=0); null when JAX raises;
  semantic, semantic-packed
            ckpt's forward-pass fans. No framework computes these; they are written
            here from the formulas of docs/initializers.md as an independent check.

If torch is not importable, the torch column is computed from the formula of
torch/nn/init.py _calculate_fan_in_and_fan_out and "torch_source" says so.

Run from the repository root:

    .venv/bin/python Fixtures/initializers/make_fan_fixtures.py
"""

import json
import math
import os
import sys

os.environ.setdefault("KERAS_BACKEND", "numpy")

from keras.src.initializers.random_initializers import compute_fans  # noqa: E402
from jax._src.nn.initializers import _compute_fans  # noqa: E402
import keras  # noqa: E402
import jax  # noqa: E402

try:
    import torch

    def torch_fans(shape):
        try:
            return list(torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(shape)))
        except ValueError:
            return None

    TORCH_SOURCE = f"torch {torch.__version__} torch.nn.init._calculate_fan_in_and_fan_out"
except ImportError:  # the formula of torch/nn/init.py
    def torch_fans(shape):
        if len(shape) < 2:
            return None
        rf = math.prod(shape[2:])
        return [shape[1] * rf, shape[0] * rf]

    TORCH_SOURCE = "formula of torch/nn/init.py _calculate_fan_in_and_fan_out (torch not installed)"


def keras_fans(shape, input_axes=None, output_axes=None):
    return list(compute_fans(shape, input_axes, output_axes))


def jax_fans(shape, in_axis=-2, out_axis=-1):
    try:
        return [float(x) for x in _compute_fans(tuple(shape), in_axis, out_axis)]
    except ValueError:
        return None


def prod(xs):
    return math.prod(xs) if xs else 1


cases = []


def add(name, keras_shape, semantics, keras, torch_layout, jax_layout, semantic, semantic_packed=None, jax_axes=(-2, -1)):
    cases.append({
        "name": name,
        "keras_shape": keras_shape,
        "semantics": semantics,
        "layouts": {"torch": torch_layout, "jax": jax_layout},
        "fans": {
            "keras": keras,
            "torch": torch_fans(torch_layout) if torch_layout is not None else None,
            "jax": jax_fans(jax_layout, *jax_axes) if jax_layout is not None else None,
            "semantic": semantic,
            "semantic-packed": semantic_packed if semantic_packed is not None else semantic,
        },
    })


# shapeOnly: each framework's shape rule; PyTorch and Flax read a Keras (..., in, out) kernel in their own layout.
for shape in ([], [7], [5, 3], [3, 3, 4, 8]):
    torch_layout = [shape[-1], shape[-2]] + shape[:-2] if len(shape) >= 2 else shape
    add(f"shape_only_rank{len(shape)}", shape, {"kind": "shapeOnly"},
        keras_fans(shape), torch_layout, shape, keras_fans(shape))

add("dense", [784, 256], {"kind": "dense", "inputs": 784, "outputs": 256},
    keras_fans([784, 256]), [256, 784], [784, 256], [784, 256])

# EinsumDense "abc,cde->abde": kernel (64, 8, 16), input axis 0, output axes 1, 2.
add("einsum_in_out", [64, 8, 16], {"kind": "einsum", "inputAxes": [0], "outputAxes": [1, 2]},
    keras_fans([64, 8, 16], [0], [1, 2]), [128, 64, 1], [1, 64, 128], [64, 128])
add("einsum_two_inputs", [8, 16, 64], {"kind": "einsum", "inputAxes": [0, 1], "outputAxes": [2]},
    keras_fans([8, 16, 64], [0, 1], [2]), [64, 128, 1], [1, 128, 64], [128, 64])

for name, kernel, cin, cout, groups in (("conv2d", [3, 3], 16, 64, 1), ("conv2d_grouped", [3, 3], 16, 64, 4),
                                         ("conv1d", [5], 8, 12, 1), ("conv3d_grouped", [2, 3, 3], 4, 6, 2)):
    k = prod(kernel)
    keras_shape = kernel + [cin // groups, cout]
    add(name, keras_shape,
        {"kind": "convolution", "kernel": kernel, "inputChannels": cin, "outputChannels": cout, "groups": groups},
        keras_fans(keras_shape), [cout, cin // groups] + kernel, keras_shape,
        [cin // groups * k, cout // groups * k])

for name, kernel, cin, cout, strides in (("conv2d_transpose", [3, 3], 64, 32, [2, 2]),
                                          ("conv1d_transpose", [4], 8, 16, [2]),
                                          ("conv2d_transpose_wide_stride", [2, 2], 8, 4, [3, 3])):
    k = prod(kernel)
    keras_shape = kernel + [cout, cin]
    taps = prod([max(1.0, size / stride) for size, stride in zip(kernel, strides)])
    add(name, keras_shape,
        {"kind": "transposedConvolution", "kernel": kernel, "inputChannels": cin, "outputChannels": cout, "strides": strides},
        keras_fans(keras_shape), [cin, cout] + kernel, kernel + [cin, cout], [cin * taps, cout * k])

for name, kernel, channels, multiplier in (("depthwise2d", [3, 3], 4, 1), ("depthwise1d_multiplier", [5], 8, 2)):
    k = prod(kernel)
    keras_shape = kernel + [channels, multiplier]
    add(name, keras_shape, {"kind": "depthwise", "kernel": kernel, "channels": channels, "multiplier": multiplier},
        keras_fans(keras_shape), [channels * multiplier, 1] + kernel, kernel + [1, channels * multiplier],
        [k, multiplier * k])

# MultiHeadAttention: query/key/value kernels (E, heads, head_dim) "abc,cde->abde"; output (heads, head_dim, E) "abcd,cde->abe".
for dim, heads, head_dim in ((64, 8, 16), (32, 4, 16)):
    projected = heads * head_dim
    add(f"attention_query_{dim}_{heads}x{head_dim}", [dim, heads, head_dim],
        {"kind": "attention", "modelDim": dim, "heads": heads, "headDim": head_dim, "isOutput": False},
        keras_fans([dim, heads, head_dim], [0], [1, 2]), [projected, dim], [dim, projected], [dim, projected])
    add(f"attention_output_{dim}_{heads}x{head_dim}", [heads, head_dim, dim],
        {"kind": "attention", "modelDim": dim, "heads": heads, "headDim": head_dim, "isOutput": True},
        keras_fans([heads, head_dim, dim], [0, 1], [2]), [dim, projected], [projected, dim], [projected, dim])

for cls, gates in (("lstm", 4), ("gru", 3), ("simple_rnn", 1)):
    inputs, units = 20, 32
    for recurrent in (False, True):
        rows = units if recurrent else inputs
        keras_shape = [rows, gates * units]
        add(f"{cls}_{'recurrent_kernel' if recurrent else 'kernel'}", keras_shape,
            {"kind": "recurrent", "inputs": inputs, "units": units, "gates": gates, "kernel": [], "isRecurrentKernel": recurrent},
            keras_fans(keras_shape), [gates * units, rows], [rows, units], [rows, units], [rows, gates * units])

for recurrent in (False, True):
    kernel, inputs, units, gates = [3, 3], 3, 8, 4
    rows = units if recurrent else inputs
    k = prod(kernel)
    keras_shape = kernel + [rows, gates * units]
    add(f"conv_lstm2d_{'recurrent_kernel' if recurrent else 'kernel'}", keras_shape,
        {"kind": "recurrent", "inputs": inputs, "units": units, "gates": gates, "kernel": kernel, "isRecurrentKernel": recurrent},
        keras_fans(keras_shape), [gates * units, rows] + kernel, keras_shape, [rows * k, units * k], [rows * k, gates * units * k])

add("embedding", [1000, 32], {"kind": "embedding", "vocabulary": 1000, "dim": 32},
    keras_fans([1000, 32]), [1000, 32], [1000, 32], [1, 32], jax_axes=(-2, 0))

for case in cases:
    for key, value in case["fans"].items():
        if value is not None:
            case["fans"][key] = [float(x) for x in value]

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fans.json")
with open(out, "w") as f:
    json.dump({
        "keras": keras.__version__, "jax": jax.__version__, "torch_source": TORCH_SOURCE,
        "cases": cases,
    }, f, indent=1)
    f.write("\n")
print(f"wrote {out}: {len(cases)} cases")
