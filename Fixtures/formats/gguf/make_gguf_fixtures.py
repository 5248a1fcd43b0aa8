#!/usr/bin/env python3
"""Writes gguf_py_llama.gguf with the real gguf package (llama.cpp's gguf-py), for
GGUFTests.readsAFileGGUFPyWrote: a one-block `llama` model of 32 wide, 2 heads, 1 key/value
head, whose tensors hold value(i) = (i % 61) * 0.5 - 15 for element i of the Hugging Face
layout (C order), with Q and K permuted as convert_hf_to_gguf.py's LlamaModel.permute does;
types F32, F16, BF16 and Q8_0, and metadata arrays (tokens, scores) as a converter writes.

    ~/.cache/ckpt/venv-torch/bin/python Fixtures/formats/gguf/make_gguf_fixtures.py
"""

import os

import numpy as np

import gguf
from gguf import GGMLQuantizationType as Q

HERE = os.path.dirname(os.path.abspath(__file__))


def values(shape):
    n = int(np.prod(shape))
    return ((np.arange(n) % 61) * 0.5 - 15).astype(np.float32).reshape(shape)


def permute(w, n_head, n_head_kv):
    if n_head_kv is not None and n_head != n_head_kv:
        n_head = n_head_kv
    return (w.reshape(n_head, 2, w.shape[0] // n_head // 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape))


def main():
    path = os.path.join(HERE, "gguf_py_llama.gguf")
    w = gguf.GGUFWriter(path, "llama")
    w.add_name("gguf-py fixture")
    w.add_vocab_size(4)
    w.add_context_length(64)
    w.add_embedding_length(32)
    w.add_block_count(1)
    w.add_feed_forward_length(8)
    w.add_head_count(2)
    w.add_head_count_kv(1)
    w.add_rope_freq_base(10000.0)
    w.add_layer_norm_rms_eps(1e-5)
    w.add_file_type(gguf.LlamaFileType.MOSTLY_Q8_0)
    w.add_token_list(["<s>", "</s>", "a", "b"])
    w.add_token_scores([0.0, -1.0, -2.5, -3.0])
    w.add_bool("ckpt.fixture.flag", True)
    w.add_int64("ckpt.fixture.i64", -(1 << 40))
    w.add_array("ckpt.fixture.ints", [1, -2, 3])
    # Hugging Face shapes ([out, in]); GGUF stores them reversed.
    w.add_tensor("token_embd.weight", values((4, 32)))
    w.add_tensor("blk.0.attn_norm.weight", values((32,)))
    w.add_tensor("blk.0.attn_q.weight", permute(values((32, 32)), 2, 2).astype(np.float16))
    w.add_tensor("blk.0.attn_k.weight", gguf.quants.quantize(permute(values((16, 32)), 2, 1), Q.BF16), raw_dtype=Q.BF16)
    w.add_tensor("blk.0.attn_q.bias", permute(values((32,)), 2, 2))
    w.add_tensor("blk.0.ffn_up.weight", gguf.quants.quantize(values((8, 32)), Q.Q8_0), raw_dtype=Q.Q8_0)
    w.add_tensor("output_norm.weight", values((32,)))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    print("wrote", path, os.path.getsize(path), "bytes")


if __name__ == "__main__":
    main()
