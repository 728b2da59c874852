#!/usr/bin/env python3
"""Writes a Hugging Face LlamaForCausalLM directory with random bf16 weights (N(0, 0.02), norms 1) in
TinyLlama-1.1B's shape (d 2048, 22 layers, 32 heads, 4 KV heads, d_ff 5632, vocab 32,000), sharded as
transformers saves it, plus a tokenizer.json / tokenizer_config.json copied from TOKENIZER_DIR (a Llama 2
tokenizer, vocabulary 32,000). For measuring how `kiln finetune` loads a 1.1B checkpoint, not for training
anything meaningful. Needs numpy.

usage: random-llama.py OUT_DIR TOKENIZER_DIR [--layers N]
"""
import json
import os
import shutil
import struct
import sys

import numpy as np

D, LAYERS, HEADS, KV_HEADS, FF, VOCAB = 2048, 22, 32, 4, 5632, 32000
SHARD_BYTES = 1 << 30


def bf16(shape, rng, fill=None):
    if fill is not None:
        x = np.full(shape, fill, dtype=np.float32)
    else:
        x = rng.standard_normal(shape, dtype=np.float32) * np.float32(0.02)
    return (x.view(np.uint32) >> 16).astype(np.uint16)      # truncation is fine for random weights


def tensors(layers):
    kv = D // HEADS * KV_HEADS
    yield "model.embed_tokens.weight", (VOCAB, D), None
    for i in range(layers):
        p = "model.layers.%d." % i
        yield p + "input_layernorm.weight", (D,), 1.0
        yield p + "self_attn.q_proj.weight", (D, D), None
        yield p + "self_attn.k_proj.weight", (kv, D), None
        yield p + "self_attn.v_proj.weight", (kv, D), None
        yield p + "self_attn.o_proj.weight", (D, D), None
        yield p + "post_attention_layernorm.weight", (D,), 1.0
        yield p + "mlp.gate_proj.weight", (FF, D), None
        yield p + "mlp.up_proj.weight", (FF, D), None
        yield p + "mlp.down_proj.weight", (D, FF), None
    yield "model.norm.weight", (D,), 1.0
    yield "lm_head.weight", (VOCAB, D), None


def write_shard(path, items):
    header, offset = {"__metadata__": {"format": "pt"}}, 0
    for name, arr in items:
        header[name] = {"dtype": "BF16", "shape": list(arr.shape), "data_offsets": [offset, offset + arr.nbytes]}
        offset += arr.nbytes
    text = json.dumps(header).encode("utf-8")
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for _, arr in items:
            f.write(arr.tobytes())


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    out, tok = sys.argv[1], sys.argv[2]
    layers = int(sys.argv[sys.argv.index("--layers") + 1]) if "--layers" in sys.argv else LAYERS
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(1234)
    shards, current, size = [], [], 0
    for name, shape, fill in tensors(layers):
        arr = bf16(shape, rng, fill)
        if current and size + arr.nbytes > SHARD_BYTES:
            shards.append(current)
            current, size = [], 0
        current.append((name, arr))
        size += arr.nbytes
    shards.append(current)
    weight_map, total = {}, 0
    for k, items in enumerate(shards):
        fname = "model-%05d-of-%05d.safetensors" % (k + 1, len(shards))
        write_shard(os.path.join(out, fname), items)
        for name, arr in items:
            weight_map[name] = fname
            total += arr.nbytes
        print("wrote", fname, flush=True)
    with open(os.path.join(out, "model.safetensors.index.json"), "w") as f:
        json.dump({"metadata": {"total_size": total}, "weight_map": weight_map}, f, indent=2)
    config = {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": D, "intermediate_size": FF,
              "num_hidden_layers": layers, "num_attention_heads": HEADS, "num_key_value_heads": KV_HEADS,
              "vocab_size": VOCAB, "max_position_embeddings": 2048, "rms_norm_eps": 1e-5, "rope_theta": 10000.0,
              "hidden_act": "silu", "tie_word_embeddings": False, "torch_dtype": "bfloat16",
              "bos_token_id": 1, "eos_token_id": 2}
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
    for name in ("tokenizer.json", "tokenizer_config.json"):
        shutil.copy(os.path.join(tok, name), os.path.join(out, name))


if __name__ == "__main__":
    main()
