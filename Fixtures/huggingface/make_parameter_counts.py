"""Counts what transformers builds for each Hub config in hub/ and writes parameter_counts.json.

    ~/.cache/ckpt/venv-torch/bin/python Fixtures/huggingface/make_parameter_counts.py

For each config: the architecture's class built on the meta device (no memory), its unique
parameters (`model.parameters()` yields a tied parameter once, as save_pretrained saves it once)
and their element count. HuggingFaceConfigTests checks `ckpt plan` against these numbers.
"""

import json
import os

import torch
import transformers

here = os.path.dirname(os.path.abspath(__file__))
counts = {"transformers": transformers.__version__, "models": {}}
for name in sorted(os.listdir(os.path.join(here, "hub"))):
    path = os.path.join(here, "hub", name)
    config = transformers.AutoConfig.from_pretrained(path)
    cls = getattr(transformers, config.architectures[0])
    with torch.device("meta"):
        model = cls(config)
    params = list(model.parameters())
    counts["models"][name] = {"tensors": len(params), "parameters": sum(p.numel() for p in params)}
with open(os.path.join(here, "parameter_counts.json"), "w") as f:
    json.dump(counts, f, indent=2, sort_keys=True)
    f.write("\n")
print(json.dumps(counts, indent=2))
