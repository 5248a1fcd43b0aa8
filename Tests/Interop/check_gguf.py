"""Reads a GGUF file that ckpt wrote with the real gguf package (llama.cpp's gguf-py).

    check_gguf.py --gguf FILE --config CONFIG --reference REF.safetensors [--quantize q8_0] [--dtype float16|bfloat16]

REF is the same model written by ckpt as safetensors (Hugging Face names, float32 unless
--dtype). Checks, printing one line per failure and "N checked, K failed" at the end:
- gguf.GGUFReader reads the file; it is version 3 and its alignment is general.alignment;
- general.architecture is the one convert_hf_to_gguf.py uses for the config's model_type,
  every tensor name is one of gguf.MODEL_TENSORS[arch] (gguf.TENSOR_NAMES, .weight/.bias),
  and the names are exactly what gguf.TensorNameMap gives for REF's tensors;
- every shape is REF's reversed (ggml's ne); 1-D tensors are F32, matrices F32/F16/BF16 as
  --dtype says, or Q8_0 with --quantize (F16 where a row is not whole blocks);
- the metadata llama.cpp reads equals the config's values (transformers' defaults where absent);
- values: F32/F16/BF16 equal REF exactly after LlamaModel.permute of Q and K (llama) and
  Gemma's norm + 1; Q8_0
  dequantized by gguf.quants.dequantize is within d/2 (+ the float16 rounding of d) of REF,
  and its bytes equal gguf.quants.quantize of REF.

Run by Tests/CkptKitTests/Interop/GGUFInteropTests.swift with the venv that
scripts/setup-python-torch.sh creates.
"""

import argparse
import json
import re
import sys

import numpy as np
import torch
from safetensors.torch import load_file

import gguf
from gguf import GGMLQuantizationType as Q

ARCH = {"llama": gguf.MODEL_ARCH.LLAMA, "mistral": gguf.MODEL_ARCH.LLAMA, "mixtral": gguf.MODEL_ARCH.LLAMA,
        "qwen3_moe": gguf.MODEL_ARCH.QWEN3MOE,
        "qwen2": gguf.MODEL_ARCH.QWEN2, "qwen3": gguf.MODEL_ARCH.QWEN3,
        "gemma": gguf.MODEL_ARCH.GEMMA, "gemma2": gguf.MODEL_ARCH.GEMMA2, "phi3": gguf.MODEL_ARCH.PHI3}
PERMUTES = {gguf.MODEL_ARCH.LLAMA}
CONTEXT_DEFAULT = {"llama": 2048, "mistral": 131072, "qwen2": 32768, "qwen3": 32768, "gemma": 8192, "gemma2": 8192, "phi3": 4096,
                   "mixtral": 131072, "qwen3_moe": 32768}
EPSILON_DEFAULT = {"phi3": 1e-5, "mixtral": 1e-5}
ROPE_DEFAULT = {"mixtral": 1e6}
# The per-expert names of the Hub, and the stacked name convert_hf_to_gguf.py maps
# (LlamaModel: layers.N.feed_forward.experts.wK; Qwen3MoeModel: model.layers.N.mlp.experts.P).
EXPERT = re.compile(r"^model\.layers\.(\d+)\.(?:block_sparse_moe|mlp)\.experts\.(\d+)\.(\w+)\.weight$")
# convert_hf_to_gguf.py's GemmaModel and Gemma2Model store norm weights + 1 (x·(1 + w)).
NORM_SHIFT = {gguf.MODEL_ARCH.GEMMA, gguf.MODEL_ARCH.GEMMA2}
HEAD_DIM_DEFAULT = {"qwen3": 128, "qwen3_moe": 128, "gemma": 256, "gemma2": 256}

failures = []
checked = 0


def check(ok, message):
    global checked
    checked += 1
    if not ok:
        failures.append(message)
        print("FAIL", message)


def permute(w, n_head, n_head_kv):
    # convert_hf_to_gguf.py LlamaModel.permute
    if n_head_kv is not None and n_head != n_head_kv:
        n_head = n_head_kv
    return (w.reshape(n_head, 2, w.shape[0] // n_head // 2, *w.shape[1:])
            .swapaxes(1, 2).reshape(w.shape))


def field_value(reader, key):
    field = reader.fields.get(key)
    if field is None:
        return None
    return field.contents()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--gguf", required=True)
    parser.add_argument("--config", required=True)
    parser.add_argument("--reference", required=True)
    parser.add_argument("--quantize", choices=["q8_0"])
    parser.add_argument("--dtype", choices=["float16", "bfloat16"])
    args = parser.parse_args()

    config = json.load(open(args.config))
    model_type = config["model_type"]
    arch = ARCH[model_type]
    arch_name = gguf.MODEL_ARCH_NAMES[arch]
    reader = gguf.GGUFReader(args.gguf)
    reference = {k: v.float().numpy() for k, v in load_file(args.reference).items()}

    # The header.
    version = field_value(reader, "GGUF.version")
    check(version == 3, f"version {version}, expected 3")
    alignment = field_value(reader, "general.alignment")
    check(alignment == reader.alignment == 32, f"general.alignment {alignment}, reader alignment {reader.alignment}")
    check(field_value(reader, "general.architecture") == arch_name,
          f"general.architecture {field_value(reader, 'general.architecture')!r}, expected {arch_name!r}")
    check(isinstance(field_value(reader, "general.name"), str), "general.name is missing")

    # The metadata llama.cpp reads.
    heads = config["num_attention_heads"]
    kv = config.get("num_key_value_heads", heads)
    head_dim = config.get("head_dim") or HEAD_DIM_DEFAULT.get(model_type, config["hidden_size"] // heads)
    rope = config.get("rope_theta", (config.get("rope_parameters") or {}).get("rope_theta", ROPE_DEFAULT.get(model_type, 10000.0)))
    k = gguf.Keys
    expected = {
        k.LLM.BLOCK_COUNT: config["num_hidden_layers"],
        k.LLM.CONTEXT_LENGTH: config.get("max_position_embeddings", CONTEXT_DEFAULT[model_type]),
        k.LLM.EMBEDDING_LENGTH: config["hidden_size"],
        k.LLM.FEED_FORWARD_LENGTH: config["intermediate_size"],
        k.LLM.VOCAB_SIZE: config["vocab_size"],
        k.Attention.HEAD_COUNT: heads,
        k.Attention.HEAD_COUNT_KV: kv,
        k.Attention.KEY_LENGTH: head_dim,
        k.Attention.VALUE_LENGTH: head_dim,
        k.Rope.DIMENSION_COUNT: head_dim if model_type != "phi3" else int(config.get("partial_rotary_factor", 1.0) * config["hidden_size"]) // heads,
    }
    if model_type == "mixtral":
        expected[k.LLM.EXPERT_COUNT] = config.get("num_local_experts", 8)
        expected[k.LLM.EXPERT_USED_COUNT] = config.get("num_experts_per_tok", 2)
    if model_type == "qwen3_moe":
        expected[k.LLM.EXPERT_COUNT] = config.get("num_experts", 128)
        expected[k.LLM.EXPERT_USED_COUNT] = config.get("num_experts_per_tok", 8)
        expected[k.LLM.EXPERT_FEED_FORWARD_LENGTH] = config.get("moe_intermediate_size", 768)
    if model_type == "phi3":
        expected[k.Rope.SCALING_ORIG_CTX_LEN] = config.get("original_max_position_embeddings", 4096)
        expected[k.Attention.SLIDING_WINDOW] = config.get("sliding_window") or 0
    for key, value in expected.items():
        key = key.format(arch=arch_name)
        check(field_value(reader, key) == value, f"{key} = {field_value(reader, key)}, expected {value}")
    floats = {k.Rope.FREQ_BASE: rope, k.Attention.LAYERNORM_RMS_EPS: config.get("rms_norm_eps", EPSILON_DEFAULT.get(model_type, 1e-6))}
    for key, value in floats.items():
        key = key.format(arch=arch_name)
        got = field_value(reader, key)
        check(got is not None and np.float32(got) == np.float32(value), f"{key} = {got}, expected {value}")
    file_type = {None: gguf.LlamaFileType.ALL_F32, "float16": gguf.LlamaFileType.MOSTLY_F16,
                 "bfloat16": gguf.LlamaFileType.MOSTLY_BF16}[args.dtype]
    if args.quantize:
        file_type = gguf.LlamaFileType.MOSTLY_Q8_0
    check(field_value(reader, "general.file_type") == file_type,
          f"general.file_type {field_value(reader, 'general.file_type')}, expected {int(file_type)}")

    # Names: valid for the architecture, and what TensorNameMap gives for REF's tensors.
    blocks = config["num_hidden_layers"]
    valid = set()
    for tensor in gguf.MODEL_TENSORS[arch]:
        template = gguf.TENSOR_NAMES[tensor]
        for bid in range(blocks) if "{bid}" in template else [None]:
            base = template.format(bid=bid) if bid is not None else template
            valid |= {base + ".weight", base + ".bias"}
    names = gguf.get_tensor_name_map(arch, blocks)
    mapped = {}
    stacks = {}
    for hf in list(reference):
        m = EXPERT.match(hf)
        if not m:
            continue
        layer, expert, proj = int(m.group(1)), int(m.group(2)), m.group(3)
        merged = f"layers.{layer}.feed_forward.experts.{proj}.weight" if model_type == "mixtral" else f"model.layers.{layer}.mlp.experts.{proj}.weight"
        stacks.setdefault(merged, {})[expert] = reference.pop(hf)
    for merged, experts in stacks.items():
        reference[merged] = np.stack([experts[e] for e in sorted(experts)])
    for hf in reference:
        name = names.get_name(hf, try_suffixes=(".weight", ".bias"))
        check(name is not None, f"gguf's TensorNameMap has no name for {hf}")
        if name is not None:
            mapped[name] = hf
    ours = [t.name for t in reader.tensors]
    check(len(ours) == len(set(ours)), "a tensor name appears twice")
    for name in ours:
        check(name in valid, f"{name} is not a tensor of {arch_name} (gguf.MODEL_TENSORS)")
    check(set(ours) == set(mapped), f"names differ from TensorNameMap's: only ours {sorted(set(ours) - set(mapped))[:5]}, only theirs {sorted(set(mapped) - set(ours))[:5]}")

    # Shapes, types, values.
    plain = {None: Q.F32, "float16": Q.F16, "bfloat16": Q.BF16}[args.dtype]
    for tensor in reader.tensors:
        hf = mapped.get(tensor.name)
        if hf is None:
            continue
        ref = reference[hf]
        check(list(tensor.shape) == list(reversed(ref.shape)), f"{tensor.name}: ne {list(tensor.shape)}, expected {list(reversed(ref.shape))}")
        if ref.ndim <= 1 or ".ffn_gate_inp." in tensor.name:
            want = Q.F32
        elif args.quantize:
            want = Q.Q8_0 if ref.shape[-1] % 32 == 0 else Q.F16
        else:
            want = plain
        check(tensor.tensor_type == want, f"{tensor.name}: type {tensor.tensor_type.name}, expected {want.name}")
        if arch in PERMUTES and (hf.endswith("q_proj.weight") or hf.endswith("q_proj.bias")):
            ref = permute(ref, heads, heads)
        if arch in PERMUTES and (hf.endswith("k_proj.weight") or hf.endswith("k_proj.bias")):
            ref = permute(ref, heads, kv)
        if arch in NORM_SHIFT and hf.endswith("norm.weight"):
            ref = ref + np.float32(1)
        values = gguf.quants.dequantize(tensor.data, tensor.tensor_type).astype(np.float32).reshape(ref.shape)
        if tensor.tensor_type == Q.Q8_0:
            blocks_ref = ref.astype(np.float32).reshape(-1, 32)
            values = values.reshape(ref.shape)
            d = np.abs(blocks_ref).max(axis=1, keepdims=True) / np.float32(127)
            d16 = d.astype(np.float16).astype(np.float32)
            bound = d / 2 + 127 * np.abs(d - d16) + d * 1e-6
            error = np.abs(values.reshape(-1, 32) - blocks_ref)
            check(bool((error <= bound).all()), f"{tensor.name}: Q8_0 error {error.max()} beyond its bound")
            theirs = gguf.quants.quantize(ref.astype(np.float32), Q.Q8_0)
            check(np.array_equal(np.asarray(tensor.data).reshape(-1), theirs.reshape(-1)),
                  f"{tensor.name}: Q8_0 bytes differ from gguf.quants.quantize")
        else:
            check(np.array_equal(values, ref), f"{tensor.name}: values differ from the reference (max {np.abs(values - ref).max()})")

    print(f"{checked} checked, {len(failures)} failed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
