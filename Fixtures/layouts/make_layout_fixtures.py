#!/usr/bin/env python3
"""Writes the torch-layout fixtures of `ckpt convert --layout keras`: the state_dict of a small
torch module saved by torch.save(module.state_dict()) (an OrderedDict with the `_metadata`
attribute, which the pickle sets with BUILD), the Keras model it is the state_dict of (a compact
spec, layer names = module names), and the tensors as torch.load(weights_only=True) gave them
(<name>.expected.npz).

Run with the torch venv: ~/.cache/ckpt/venv-torch/bin/python Fixtures/layouts/make_layout_fixtures.py
(scripts/setup-python-torch.sh makes it). Deterministic: fixed seed, torch's own writer.
"""
import json
import os

import numpy as np
import torch
from torch import nn

here = os.path.dirname(os.path.abspath(__file__))


class Small(nn.Module):
    """conv1 → bn1 → (pool) → lstm → head, the Keras model of small.json."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv1d(3, 4, 3)
        self.bn1 = nn.BatchNorm1d(4, eps=1e-3, momentum=0.01)
        self.lstm = nn.LSTM(4, 5, batch_first=True)
        self.head = nn.Linear(5, 2)


SPEC = {
    "ckpt_spec": 1,
    "name": "small",
    "input": [8, 3],
    "layers": [
        {"Conv1D": {"filters": 4, "kernel_size": 3}, "name": "conv1"},
        {"BatchNormalization": {}, "name": "bn1"},
        {"LSTM": {"units": 5}, "name": "lstm"},
        {"Dense": {"units": 2}, "name": "head"},
    ],
}


def main():
    torch.manual_seed(7)
    module = Small()
    with torch.no_grad():
        module.bn1.running_mean.uniform_(-1, 1)
        module.bn1.running_var.uniform_(0.5, 1.5)
        module.bn1.num_batches_tracked.fill_(12)
    state = module.state_dict()
    assert hasattr(state, "_metadata")
    path = os.path.join(here, "small_state_dict.bin")
    torch.save(state, path)
    loaded = torch.load(path, weights_only=True)
    np.savez(os.path.join(here, "small_state_dict.expected.npz"), **{k: v.numpy() for k, v in loaded.items()})
    with open(os.path.join(here, "small.json"), "w") as f:
        json.dump(SPEC, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
