#!/usr/bin/env python3
"""Writes the torch.save fixtures the PyTorch reader is tested against, and each file's values
as loaded by torch.load(weights_only=True), in an .npz beside it (<name>.expected.npz, tensors
by the dotted path ckpt names them; bfloat16 stored as its uint16 bits, under `<name>@bf16`).

Run with the torch venv: ~/.cache/ckpt/venv-torch/bin/python Fixtures/torch/make_torch_fixtures.py
(scripts/setup-python-torch.sh makes it). Deterministic: fixed seeds, torch's own writer.
"""
import collections
import json
import os
import sys

import numpy as np
import torch

here = os.path.dirname(os.path.abspath(__file__))


def expected(path, tensors):
    arrays = {}
    for name, t in tensors.items():
        t = t.detach().contiguous()
        if t.dtype == torch.bfloat16:
            arrays[name + "@bf16"] = t.view(torch.int16).numpy().view(np.uint16)
        else:
            arrays[name] = t.numpy()
    np.savez(path[: -len(os.path.splitext(path)[1])] + ".expected.npz", **arrays)


OPTIMIZER_KEYS = {"optimizer_states", "lr_schedulers", "optimizer", "optimizer_state_dict", "optim"}


def flat(obj, prefix=""):
    """The tensors of a loaded object by dotted path, as the ckpt reader names them: a
    Lightning checkpoint's state_dict under its own names, optimizer states left out."""
    out = {}
    if not prefix and isinstance(obj, dict) and isinstance(obj.get("state_dict"), dict):
        return flat(obj["state_dict"])
    if isinstance(obj, torch.Tensor):
        out[prefix] = obj
    elif isinstance(obj, dict):
        for k, v in obj.items():
            if str(k) in OPTIMIZER_KEYS:
                continue
            out.update(flat(v, f"{prefix}.{k}" if prefix else str(k)))
    elif isinstance(obj, (list, tuple)):
        for i, v in enumerate(obj):
            out.update(flat(v, f"{prefix}.{i}" if prefix else str(i)))
    return out


def save(name, obj, **kwargs):
    path = os.path.join(here, name)
    torch.save(obj, path, **kwargs)
    # torch's own weights_only unpickler has no FRAME opcode (protocol 4+: "Unsupported operand
    # 149"), so the protocol-4 file is loaded in full; it is our own file, just written.
    loaded = torch.load(path, weights_only=kwargs.get("pickle_protocol", 2) < 4)
    expected(path, flat(loaded))


def main():
    g = torch.Generator().manual_seed(18)
    sd = collections.OrderedDict()
    sd["conv1.weight"] = torch.randn(4, 3, 3, 3, generator=g)
    sd["conv1.bias"] = torch.randn(4, generator=g)
    sd["bn1.running_mean"] = torch.randn(4, generator=g)
    sd["bn1.num_batches_tracked"] = torch.tensor(7, dtype=torch.int64)
    sd["fc.weight"] = torch.randn(5, 6, generator=g).to(torch.float16)
    sd["fc.bias"] = torch.randn(5, generator=g).to(torch.bfloat16)
    sd["emb.weight"] = torch.randn(3, 2, generator=g).to(torch.float64)
    sd["mask"] = torch.tensor([True, False, True])
    sd["ids"] = torch.arange(6, dtype=torch.int32).reshape(2, 3)
    sd["small"] = torch.tensor([-3, 4], dtype=torch.int8)
    sd["bytes"] = torch.tensor([1, 255], dtype=torch.uint8)
    sd["short"] = torch.tensor([-300, 300], dtype=torch.int16)
    sd["empty"] = torch.zeros(0, 3)
    # A module's state_dict has Parameters and buffers; keep one to get _rebuild_parameter.
    lin = torch.nn.Linear(3, 2)
    with torch.no_grad():
        lin.weight.copy_(torch.randn(2, 3, generator=g))
        lin.bias.zero_()
    sd["lin.weight"] = lin.weight
    save("torch_zip.pt", sd)
    save("torch_protocol4.pt", sd, pickle_protocol=4)
    save("torch_legacy.pt", sd, _use_new_zipfile_serialization=False)

    # Shared storages and views: a tensor and its slices, a transposed (non-contiguous) view kept
    # apart in torch_noncontiguous.pt.
    base = torch.arange(24, dtype=torch.float32).reshape(4, 6)
    shared = collections.OrderedDict()
    shared["base"] = base
    shared["rows"] = base[1:3]        # storage offset 6
    shared["row"] = base[2]           # offset 12
    shared["same"] = base             # the same tensor twice
    shared["flat"] = base.view(24)
    save("torch_shared.pt", shared)
    save("torch_shared_legacy.pt", shared, _use_new_zipfile_serialization=False)
    save("torch_noncontiguous.pt", {"t": base.t()})
    # Non-contiguous views of every kind, which ckpt copies with --copy-strided: a transpose, a
    # strided slice at an offset, one column, a 3-D permutation, a float16 transpose; zip and legacy.
    strided = collections.OrderedDict()
    strided["t"] = base.t()
    strided["cols"] = base[1:, ::2]   # offset 6, stride (6, 2)
    strided["col"] = base[:, 3]       # offset 3, stride (6,)
    strided["perm"] = torch.arange(24, dtype=torch.float32).reshape(2, 3, 4).permute(2, 0, 1)
    strided["half"] = torch.arange(12, dtype=torch.float16).reshape(3, 4).t()
    save("torch_strided.pt", strided)
    save("torch_strided_legacy.pt", strided, _use_new_zipfile_serialization=False)

    # Lightning: a dict with the state dict, counters and an optimizer state.
    model = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU(), torch.nn.Linear(3, 2))
    opt = torch.optim.Adam(model.parameters())
    model(torch.randn(2, 4, generator=g)).sum().backward()
    opt.step()
    lightning = {
        "epoch": 3,
        "global_step": 120,
        "pytorch-lightning_version": "2.4.0",
        "state_dict": collections.OrderedDict(("model." + k, v) for k, v in model.state_dict().items()),
        "optimizer_states": [opt.state_dict()],
        "lr_schedulers": [],
        "hyper_parameters": {"lr": 0.001, "betas": (0.9, 0.999), "name": "tiny"},
    }
    save("lightning.ckpt", lightning)

    # A sharded pytorch_model.bin, as transformers' save_pretrained(safe_serialization=False)
    # writes it: shards named -0000k-of-0000N.bin and an index with the safetensors index's shape.
    folder = os.path.join(here, "sharded")
    os.makedirs(folder, exist_ok=True)
    names = list(sd.keys())
    parts = [names[: len(names) // 2], names[len(names) // 2 :]]
    weight_map = {}
    everything = collections.OrderedDict()
    for k, part in enumerate(parts):
        shard = f"pytorch_model-{k + 1:05d}-of-{len(parts):05d}.bin"
        piece = collections.OrderedDict((n, sd[n].detach().clone()) for n in part)
        torch.save(piece, os.path.join(folder, shard))
        for n in part:
            weight_map[n] = shard
            everything[n] = piece[n]
    total = sum(t.numel() * t.element_size() for t in everything.values())
    with open(os.path.join(folder, "pytorch_model.bin.index.json"), "w") as f:
        json.dump({"metadata": {"total_size": total}, "weight_map": weight_map}, f, indent=2, sort_keys=True)
        f.write("\n")
    expected(os.path.join(folder, "pytorch_model.bin"), everything)


if __name__ == "__main__":
    main()
