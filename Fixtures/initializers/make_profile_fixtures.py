#!/usr/bin/env python3
"""Record what PyTorch and Flax themselves give the layers of Fixtures/keras/{mlp,cnn,embed}.json
(Fixtures/initializers/profiles.json), to check `ckpt plan --profile torch|flax`.

Every Keras layer of those models is rebuilt as the equivalent PyTorch module and Flax linen
module with its default initialization (torch: nn.Linear, nn.ConvNd with groups, nn.ConvTransposeNd,
depthwise = nn.ConvNd(groups=C), separable = depthwise + 1x1 pointwise, nn.Embedding,
nn.BatchNorm2d, nn.LayerNorm; flax: nn.Dense, nn.Conv(feature_group_count), nn.ConvTranspose,
nn.Embed, nn.BatchNorm, nn.LayerNorm). Each tensor is initialized REPEATS times with fresh
seeds and the values pooled; the file records their mean and standard deviation (float64) and
the largest absolute value, keyed by ckpt's canonical tensor name (layer/variable).

Run from the repository root:

    .venv/bin/python Fixtures/initializers/make_profile_fixtures.py
"""

import json
import os

os.environ.setdefault("KERAS_BACKEND", "numpy")

import numpy as np  # noqa: E402
import torch  # noqa: E402
import jax  # noqa: E402
import flax  # noqa: E402
import flax.linen as nn  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
TARGET = 200_000  # pooled values per tensor (at least)


def stats(samples):
    values = np.concatenate([np.asarray(s, dtype=np.float64).ravel() for s in samples])
    return {"mean": float(values.mean()), "std": float(values.std()), "max_abs": float(np.abs(values).max()),
            "count": int(values.size)}


def repeats(numel, cap=4000):
    return min(cap, max(1, -(-TARGET // max(1, numel))))


def torch_modules(cls, c, shape):
    """(variable name → callable returning a fresh tensor) for the PyTorch equivalent."""
    channels = shape[-1]
    if cls == "Dense":
        make = lambda: torch.nn.Linear(shape[-1], c["units"])
        return {"kernel": lambda: make().weight, "bias": lambda: make().bias}
    if cls in ("Conv1D", "Conv2D", "Conv3D"):
        conv = getattr(torch.nn, f"Conv{cls[4]}d")
        make = lambda: conv(channels, c["filters"], c["kernel_size"], groups=c.get("groups", 1))
        return {"kernel": lambda: make().weight, "bias": lambda: make().bias}
    if cls.endswith("Transpose"):
        conv = getattr(torch.nn, f"ConvTranspose{cls[4]}d")
        make = lambda: conv(channels, c["filters"], c["kernel_size"])
        return {"kernel": lambda: make().weight, "bias": lambda: make().bias}
    if cls.startswith("DepthwiseConv"):
        conv = getattr(torch.nn, f"Conv{cls[13]}d")
        m = c.get("depth_multiplier", 1)
        make = lambda: conv(channels, channels * m, c["kernel_size"], groups=channels)
        return {"kernel": lambda: make().weight, "bias": lambda: make().bias}
    if cls.startswith("SeparableConv"):
        rank = int(cls[13])
        conv = getattr(torch.nn, f"Conv{rank}d")
        m = c.get("depth_multiplier", 1)
        return {
            "depthwise_kernel": lambda: conv(channels, channels * m, c["kernel_size"], groups=channels, bias=False).weight,
            "pointwise_kernel": lambda: conv(channels * m, c["filters"], 1).weight,
            "bias": lambda: conv(channels * m, c["filters"], 1).bias,
        }
    if cls == "Embedding":
        return {"embeddings": lambda: torch.nn.Embedding(c["input_dim"], c["output_dim"]).weight}
    if cls == "BatchNormalization":
        make = lambda: torch.nn.BatchNorm2d(channels)
        return {"gamma": lambda: make().weight, "beta": lambda: make().bias,
                "moving_mean": lambda: make().running_mean, "moving_variance": lambda: make().running_var}
    if cls == "LayerNormalization":
        make = lambda: torch.nn.LayerNorm(channels)
        return {"gamma": lambda: make().weight, "beta": lambda: make().bias}
    return {}


def flax_params(cls, c, shape):
    """(variable name → function of a PRNG key returning a fresh tensor) for the Flax equivalent."""
    x = jax.numpy.zeros([1] + [d for d in shape[1:]])
    def init(module, collection="params"):
        return lambda key: module.init(key, x)[collection]
    if cls == "Dense":
        f = init(nn.Dense(c["units"]))
        return {"kernel": lambda k: f(k)["kernel"], "bias": lambda k: f(k)["bias"]}
    if cls in ("Conv1D", "Conv2D", "Conv3D"):
        f = init(nn.Conv(c["filters"], tuple(c["kernel_size"]), feature_group_count=c.get("groups", 1), padding="VALID"))
        return {"kernel": lambda k: f(k)["kernel"], "bias": lambda k: f(k)["bias"]}
    if cls.endswith("Transpose"):
        f = init(nn.ConvTranspose(c["filters"], tuple(c["kernel_size"]), strides=tuple(c["strides"])))
        return {"kernel": lambda k: f(k)["kernel"], "bias": lambda k: f(k)["bias"]}
    if cls.startswith("DepthwiseConv"):
        m = c.get("depth_multiplier", 1)
        f = init(nn.Conv(shape[-1] * m, tuple(c["kernel_size"]), feature_group_count=shape[-1], padding="VALID"))
        return {"kernel": lambda k: f(k)["kernel"], "bias": lambda k: f(k)["bias"]}
    if cls.startswith("SeparableConv"):
        m = c.get("depth_multiplier", 1)
        dw = init(nn.Conv(shape[-1] * m, tuple(c["kernel_size"]), feature_group_count=shape[-1], use_bias=False, padding="VALID"))
        rank = int(cls[13])
        pw_x = jax.numpy.zeros([1] + [3] * rank + [shape[-1] * m])
        pw = lambda key: nn.Conv(c["filters"], (1,) * rank).init(key, pw_x)["params"]
        return {"depthwise_kernel": lambda k: dw(k)["kernel"], "pointwise_kernel": lambda k: pw(k)["kernel"],
                "bias": lambda k: pw(k)["bias"]}
    if cls == "Embedding":
        embed = nn.Embed(c["input_dim"], c["output_dim"])
        ids = jax.numpy.zeros((1, 1), dtype=jax.numpy.int32)
        return {"embeddings": lambda k: embed.init(k, ids)["params"]["embedding"]}
    if cls == "BatchNormalization":
        module = nn.BatchNorm(use_running_average=True)
        return {"gamma": lambda k: module.init(k, x)["params"]["scale"], "beta": lambda k: module.init(k, x)["params"]["bias"],
                "moving_mean": lambda k: module.init(k, x)["batch_stats"]["mean"],
                "moving_variance": lambda k: module.init(k, x)["batch_stats"]["var"]}
    if cls == "LayerNormalization":
        module = nn.LayerNorm()
        return {"gamma": lambda k: module.init(k, x)["params"]["scale"], "beta": lambda k: module.init(k, x)["params"]["bias"]}
    return {}


result = {"torch": torch.__version__, "flax": flax.__version__, "models": {}}
torch.manual_seed(0)
key = jax.random.PRNGKey(0)
for model in ("mlp", "cnn", "embed"):
    spec = json.load(open(os.path.join(ROOT, "Fixtures", "keras", f"{model}.json")))
    tensors = {}
    for layer in spec["config"]["layers"]:
        cls, c = layer["class_name"], layer["config"]
        shape = (layer.get("build_config") or {}).get("input_shape")
        if shape is None:
            continue
        with torch.no_grad():
            for variable, make in torch_modules(cls, c, shape).items():
                first = make().detach().numpy()
                samples = [first] + [make().detach().numpy() for _ in range(repeats(first.size) - 1)]
                tensors.setdefault(f"{c['name']}/{variable}", {})["torch"] = stats(samples)
        for variable, make in flax_params(cls, c, shape).items():
            key, sub = jax.random.split(key)
            first = np.asarray(make(sub))
            keys = jax.random.split(key, repeats(first.size))
            key = keys[0]
            samples = [np.asarray(jax.jit(jax.vmap(make))(keys[1:]))] if len(keys) > 1 else []
            tensors.setdefault(f"{c['name']}/{variable}", {})["flax"] = stats([first] + samples)
    result["models"][model] = tensors

out = os.path.join(HERE, "profiles.json")
with open(out, "w") as f:
    json.dump(result, f, indent=1, sort_keys=True)
    f.write("\n")
print(f"wrote {out}")
