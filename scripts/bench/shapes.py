"""Tensor names and shapes of a Keras model JSON, for the benchmark peers, without building it.

Only the layer classes the benchmark specs use are known: InputLayer, Embedding, Dense,
LayerNormalization, RMSNormalization, MultiHeadAttention, Add, Multiply, and (for ResNet50 and
other applications) Conv2D, BatchNormalization and the weightless ones. The order is the
layers' order in the JSON, each layer's variables in Keras's order.
"""

import json

WEIGHTLESS = {"InputLayer", "Add", "Multiply", "Activation", "ZeroPadding2D", "MaxPooling2D",
              "GlobalAveragePooling2D", "AveragePooling2D", "Flatten", "Dropout", "Concatenate", "ReLU"}


def _last(shape):
    return shape[-1]


def tensors(spec_path):
    """[(name, shape)] in save order."""
    model = json.load(open(spec_path))
    layers = model["config"]["layers"]
    out = []
    width = None  # Sequential: the running last dimension
    for layer in layers:
        cls, cfg = layer["class_name"], layer["config"]
        name = cfg.get("name", layer.get("name"))
        shape = (layer.get("build_config") or {}).get("input_shape")
        if shape is None and "build_config" in layer and "shapes_dict" in layer["build_config"]:
            shape = layer["build_config"]["shapes_dict"]["query_shape"]
        if cls == "InputLayer":
            width = cfg["batch_shape"][-1]
            continue
        if cls in WEIGHTLESS:
            continue
        if shape is None:
            shape = [None, width]
        if cls == "Embedding":
            out.append((f"{name}/embeddings", (cfg["input_dim"], cfg["output_dim"])))
        elif cls == "Dense":
            out.append((f"{name}/kernel", (_last(shape), cfg["units"])))
            if cfg["use_bias"]:
                out.append((f"{name}/bias", (cfg["units"],)))
            width = cfg["units"]
        elif cls == "LayerNormalization":
            d = _last(shape)
            if cfg.get("scale", True):
                out.append((f"{name}/gamma", (d,)))
            if cfg.get("center", True):
                out.append((f"{name}/beta", (d,)))
        elif cls == "RMSNormalization":
            out.append((f"{name}/scale", (_last(shape),)))
        elif cls == "MultiHeadAttention":
            d, h, k = _last(shape), cfg["num_heads"], cfg["key_dim"]
            for part in ("query", "key", "value"):
                out.append((f"{name}/{part}/kernel", (d, h, k)))
                if cfg["use_bias"]:
                    out.append((f"{name}/{part}/bias", (h, k)))
            out.append((f"{name}/attention_output/kernel", (h, k, d)))
            if cfg["use_bias"]:
                out.append((f"{name}/attention_output/bias", (d,)))
        elif cls == "Conv2D":
            k = cfg["kernel_size"]
            groups = cfg.get("groups", 1)
            out.append((f"{name}/kernel", (k[0], k[1], _last(shape) // groups, cfg["filters"])))
            if cfg["use_bias"]:
                out.append((f"{name}/bias", (cfg["filters"],)))
        elif cls == "BatchNormalization":
            d = _last(shape)
            for v in ("gamma", "beta", "moving_mean", "moving_variance"):
                out.append((f"{name}/{v}", (d,)))
        else:
            raise SystemExit(f"{spec_path}: layer class {cls} is not known to scripts/bench/shapes.py")
    return out
