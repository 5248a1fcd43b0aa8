"""Loads a Hugging Face folder that ckpt wrote with the real transformers and torch.

    check_huggingface.py --config CONFIG --dir DIR [--profile hf|vllm-dummy] [--dtype bfloat16|float16]

Checks, printing one line per failure and "N checked, K failed" at the end:
- from_pretrained(DIR, output_loading_info=True) reports no missing, unexpected or
  mismatched keys and no error messages, and transformers logs no warning about weights;
- every safetensors file has {"format": "pt"} in its metadata; a sharded folder's index
  lists every tensor once, in the shard that holds it, and its total_size is their bytes;
- with --dtype: every floating-point tensor on disk has that dtype, and the model loaded with
  from_pretrained(DIR, dtype=...) has every parameter in it;
- a forward pass gives finite logits;
- every tensor's std is within 5% of a fresh transformers init of the same config (tensors of
  256+ elements; 4/√n for tensors under 6400 elements), constant tensors equal the fresh init exactly, and rows that the fresh init
  zeroes (padding rows) are zero (profile hf); every value is within ±1e-3 (vllm-dummy).

Run by Tests/CkptKitTests/Interop/HuggingFaceInteropTests.swift with the venv that
scripts/setup-python-torch.sh creates.
"""

import argparse
import io
import json
import logging
import os
import sys
import tempfile

import torch
import transformers
from safetensors import safe_open


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", required=True)
    parser.add_argument("--dir", required=True)
    parser.add_argument("--profile", default="hf")
    parser.add_argument("--dtype", choices=["bfloat16", "float16"])
    args = parser.parse_args()
    dtype = getattr(torch, args.dtype) if args.dtype else None
    failures = []
    checked = 0

    def check(ok, message):
        nonlocal checked
        checked += 1
        if not ok:
            failures.append(message)

    config = transformers.AutoConfig.from_pretrained(args.dir)
    cls = getattr(transformers, config.architectures[0])

    # Every log line transformers writes while loading (the "Some weights ... were not used",
    # "newly initialized" and "MISSING/UNEXPECTED" reports go through its logger).
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger = logging.getLogger("transformers")
    logger.addHandler(handler)
    transformers.logging.set_verbosity_warning()
    extra = {"dtype": dtype} if dtype is not None else {}
    model, info = cls.from_pretrained(args.dir, output_loading_info=True, **extra)
    logger.removeHandler(handler)
    for key in ("missing_keys", "unexpected_keys", "mismatched_keys", "error_msgs"):
        check(not info.get(key), f"{key}: {info.get(key)}")
    log = stream.getvalue()
    check(not any(word in log for word in ("weight", "Weight", "MISSING", "UNEXPECTED", "MISMATCH")),
          f"transformers logged about weights: {log.strip()}")

    # The files.
    names = sorted(os.listdir(args.dir))
    shards = [n for n in names if n.endswith(".safetensors")]
    stored = {}
    for shard in shards:
        with safe_open(os.path.join(args.dir, shard), "pt") as f:
            check((f.metadata() or {}).get("format") == "pt", f"{shard}: metadata format is not pt: {f.metadata()}")
            for key in f.keys():
                check(key not in stored, f"{key} is in two files")
                stored[key] = (shard, f.get_tensor(key))
    if "model.safetensors.index.json" in names:
        index = json.load(open(os.path.join(args.dir, "model.safetensors.index.json")))
        check(index["weight_map"] == {k: v[0] for k, v in stored.items()}, "the index's weight_map disagrees with the shards")
        total = sum(t.numel() * t.element_size() for _, t in stored.values())
        check(index["metadata"]["total_size"] == total, f"total_size {index['metadata']['total_size']} != {total}")
        check("model.safetensors" not in names, "a sharded folder also has model.safetensors")
    else:
        check(shards == ["model.safetensors"], f"expected model.safetensors, found {shards}")

    if dtype is not None:
        wrong = [k for k, (_, t) in stored.items() if t.is_floating_point() and t.dtype != dtype]
        check(not wrong, f"tensors on disk not in {args.dtype}: {wrong[:5]}")
        wrong = [k for k, p in model.named_parameters() if p.dtype != dtype]
        check(not wrong, f"parameters not loaded in {args.dtype}: {wrong[:5]}")

    # A forward pass.
    model.eval()
    with torch.no_grad():
        if config.model_type == "vit":
            out = model(pixel_values=torch.randn(1, config.num_channels, config.image_size, config.image_size))
        else:
            ids = torch.arange(8).unsqueeze(0) % config.vocab_size
            extra = {"decoder_input_ids": ids} if config.is_encoder_decoder else {}
            out = model(input_ids=ids, **extra)
        check(torch.isfinite(out.logits).all().item(), "the logits are not all finite")

    # Against a fresh transformers init of the same config, as save_pretrained saves it (the
    # names on disk: transformers 5 splits fused MoE experts back into the Hub's per-expert ones).
    torch.manual_seed(0)
    fresh = {}
    with tempfile.TemporaryDirectory() as saved:
        cls(config).save_pretrained(saved)
        for name in sorted(os.listdir(saved)):
            if name.endswith(".safetensors"):
                with safe_open(os.path.join(saved, name), "pt") as f:
                    for key in f.keys():
                        fresh[key] = f.get_tensor(key)
    check(set(fresh) == set(stored), f"saved names differ from a fresh save_pretrained: only ckpt {sorted(set(stored) - set(fresh))[:5]}, only transformers {sorted(set(fresh) - set(stored))[:5]}")
    for key, (_, tensor) in stored.items():
        check(key in fresh, f"{key} is not in a fresh {cls.__name__}'s saved folder")
        if key not in fresh:
            continue
        ref = fresh[key].float()
        ours = tensor.float()
        check(list(ref.shape) == list(ours.shape), f"{key}: shape {list(ours.shape)}, transformers {list(ref.shape)}")
        if list(ref.shape) != list(ours.shape):
            continue
        if args.profile == "vllm-dummy":
            check(ours.abs().max().item() <= 1e-3 + 1e-9, f"{key}: values beyond ±1e-3")
            continue
        flat = ref.flatten()
        if flat.numel() and bool((flat == flat[0]).all()):
            check(torch.equal(ours, ref), f"{key}: constant {flat[0].item()} in transformers, ckpt differs")
        elif ref.numel() >= 256:
            # 5%, or four standard errors of the difference of two sample stds (√(1/n) relative)
            # for small tensors, where 5% would be under 2σ.
            rs, os_ = ref.std().item(), ours.std().item()
            tolerance = max(0.05, 4 * (1 / ref.numel()) ** 0.5)
            check(abs(os_ - rs) <= tolerance * rs, f"{key}: std {os_:.5f}, transformers {rs:.5f}")
        if ref.dim() == 2:
            zero_rows = (ref == 0).all(dim=1).nonzero().flatten().tolist()
            for row in zero_rows:
                check(bool((ours[row] == 0).all()), f"{key}: row {row} is zero in transformers, not in ckpt")
    print("\n".join(failures))
    print(f"{os.path.basename(args.config)}: {checked} checked, {len(failures)} failed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
