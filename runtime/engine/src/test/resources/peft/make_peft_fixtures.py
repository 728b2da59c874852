#!/usr/bin/env python3
"""PEFT-layout adapters for the tiny Hugging Face fixtures in ../hf/, and the outputs PEFT would give.

PEFT cannot be installed here (no torch), so this script writes the files exactly as PEFT's
``save_pretrained`` does and computes the adapted forward passes in numpy. It follows, from PEFT's
source (v0.13):

* ``src/peft/utils/save_and_load.py`` (``get_peft_model_state_dict``): the saved keys drop the adapter
  name (``...c_attn.lora_A.default.weight`` -> ``base_model.model....c_attn.lora_A.weight``,
  ``ia3_l.default`` -> ``.ia3_l``); a prompt-learning adapter is the one tensor ``prompt_embeddings``
  (the prompt encoder's ``embedding.weight``); ``save_pretrained`` writes it with safetensors'
  ``save_file(..., metadata={"format": "pt"})`` beside ``adapter_config.json``
  (``json.dumps(config.to_dict(), indent=2, sort_keys=True)``).
* ``src/peft/tuners/lora/layer.py`` (``Linear.forward``): ``base(x) + lora_B(lora_A(x)) * lora_alpha / r``,
  the same for GPT-2's Conv1D (``fan_in_fan_out`` only transposes the merged delta).
* ``src/peft/tuners/ia3/layer.py``: ``ia3_l`` is ``[out, 1]`` and scales the output, or ``[1, in]``
  and scales the input for ``feedforward_modules``; on GPT-2's fused ``c_attn`` it scales all of q, k, v.
* ``src/peft/peft_model.py`` (``PeftModelForCausalLM.forward``, ``get_prompt``): prompt tuning
  prepends the prompt to ``inputs_embeds`` (positions 0..N+T-1); prefix tuning passes
  ``past_key_values`` = ``prompt_embeddings.view(P, layers*2, kv_heads, head_dim)`` (layer l: key
  2l, value 2l+1) with the attention mask extended by P ones, so transformers numbers the real
  tokens' positions from P (GPT-2's ``wpe``, LLaMA's rotary ``position_ids``); the prefix keys are
  used as stored (not rotated).

The base forwards re-implement transformers' eager GPT-2 and LLaMA (``modeling_gpt2.py``,
``modeling_llama.py``) as in ../hf/README.md, on the weights as stored. Run with ``python3
make_peft_fixtures.py`` (numpy only); it rewrites the directories next to it and their
``expected.json`` (logits of the real tokens, flattened [T, V], per input). Adapters that carry task
heads (``modules_to_save``) are made by make_peft_head_fixtures.py, which uses these helpers.
"""
import json
import os
import struct

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
HF = os.path.join(HERE, "..", "hf")


# ---- safetensors, both ways ------------------------------------------------------------------

def read_safetensors(path):
    raw = open(path, "rb").read()
    n = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        b = raw[8 + n + e["data_offsets"][0]: 8 + n + e["data_offsets"][1]]
        if e["dtype"] == "F32":
            a = np.frombuffer(b, "<f4")
        elif e["dtype"] == "F16":
            a = np.frombuffer(b, "<f2").astype(np.float32)
        elif e["dtype"] == "BF16":
            a = (np.frombuffer(b, "<u2").astype(np.uint32) << 16).view(np.float32)
        else:
            raise ValueError(e["dtype"])
        out[name] = a.reshape(e["shape"]).astype(np.float64)
    return out


def bf16_bits(a):
    """Round to nearest even bfloat16; the bits as uint16."""
    u = np.asarray(a, np.float32).view(np.uint32).astype(np.uint64)
    return ((u + 0x7FFF + ((u >> 16) & 1)) >> 16).astype(np.uint16)


def stored(a, dtype):
    """The values a tensor has once written as dtype and read back."""
    if dtype == "BF16":
        return (bf16_bits(a).astype(np.uint32) << 16).view(np.float32).astype(np.float64)
    return np.asarray(a, np.float32).astype(np.float64)


def write_safetensors(path, tensors, dtype="F32"):
    header, blobs, offset = {"__metadata__": {"format": "pt"}}, [], 0
    for name in sorted(tensors):                       # safetensors' order: dtype, then name
        a = tensors[name]
        b = bf16_bits(a).tobytes() if dtype == "BF16" else np.asarray(a, "<f4").tobytes()
        header[name] = {"dtype": dtype, "shape": list(a.shape), "data_offsets": [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def save(name, config, tensors, expected, dtype="F32"):
    d = os.path.join(HERE, name)
    os.makedirs(d, exist_ok=True)
    write_safetensors(os.path.join(d, "adapter_model.safetensors"), tensors, dtype)
    with open(os.path.join(d, "adapter_config.json"), "w") as f:
        f.write(json.dumps(config, indent=2, sort_keys=True))
    with open(os.path.join(d, "expected.json"), "w") as f:
        json.dump(expected, f, separators=(",", ":"))


def common(peft_type, base, task="CAUSAL_LM"):
    return {"auto_mapping": None, "base_model_name_or_path": base, "inference_mode": True,
            "peft_type": peft_type, "revision": None, "task_type": task}


def lora_config(base, r, alpha, targets, fan_in_fan_out):
    c = common("LORA", base)
    c.update({"alpha_pattern": {}, "bias": "none", "exclude_modules": None, "fan_in_fan_out": fan_in_fan_out,
              "init_lora_weights": True, "layer_replication": None, "layers_pattern": None, "layers_to_transform": None,
              "loftq_config": {}, "lora_alpha": alpha, "lora_bias": False, "lora_dropout": 0.05, "megatron_config": None,
              "megatron_core": "megatron.core", "modules_to_save": None, "r": r, "rank_pattern": {},
              "target_modules": targets, "use_dora": False, "use_rslora": False})
    return c


# ---- reference forwards (eval mode) ------------------------------------------------------------

def layer_norm(x, w, b, eps):
    m = x.mean(-1, keepdims=True)
    v = ((x - m) ** 2).mean(-1, keepdims=True)
    return (x - m) / np.sqrt(v + eps) * w + b


def gelu_new(x):
    return 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x ** 3)))


def attend(q, k, v, first_query_position):
    """q [H, T, D], k/v [H, Tk, D]; query i sits at key index first_query_position + i (causal)."""
    s = q @ k.transpose(0, 2, 1) / np.sqrt(q.shape[-1])
    t, tk = q.shape[1], k.shape[1]
    allowed = np.arange(tk)[None, :] <= (first_query_position + np.arange(t))[:, None]
    s = np.where(allowed, s, -np.inf)
    s = np.exp(s - s.max(-1, keepdims=True))
    return (s / s.sum(-1, keepdims=True)) @ v


def heads(x, h):  # [T, h*d] -> [h, T, d]
    return x.reshape(x.shape[0], h, -1).transpose(1, 0, 2)


def gpt2(w, cfg, ids, hook=lambda module, x, y: y, prompt=None, prefix=None, embed=lambda ids, e: e):
    """Logits of the real tokens. hook(module, input, output) applies an adapter to a Conv1D, embed to wte's lookups."""
    c, h = cfg["n_embd"], cfg["n_head"]
    eps, p = cfg["layer_norm_epsilon"], "transformer."
    start = 0 if prefix is None else prefix[0][0].shape[1]
    x = embed(ids, w[p + "wte.weight"][ids])
    if prompt is not None:
        x = np.concatenate([prompt, x])
    x = x + w[p + "wpe.weight"][start + np.arange(len(x))]

    def conv(name, a):
        return hook(name, a, a @ w[p + name + ".weight"] + w[p + name + ".bias"])

    for i in range(cfg["n_layer"]):
        q = f"h.{i}."
        a = layer_norm(x, w[p + q + "ln_1.weight"], w[p + q + "ln_1.bias"], eps)
        qs, ks, vs = (heads(t, h) for t in np.split(conv(q + "attn.c_attn", a), 3, axis=-1))
        if prefix is not None:
            ks, vs = np.concatenate([prefix[i][0], ks], 1), np.concatenate([prefix[i][1], vs], 1)
        att = attend(qs, ks, vs, start).transpose(1, 0, 2).reshape(len(x), c)
        x = x + conv(q + "attn.c_proj", att)
        m = layer_norm(x, w[p + q + "ln_2.weight"], w[p + q + "ln_2.bias"], eps)
        x = x + conv(q + "mlp.c_proj", gelu_new(conv(q + "mlp.c_fc", m)))
    x = layer_norm(x, w[p + "ln_f.weight"], w[p + "ln_f.bias"], eps)
    logits = x @ w[p + "wte.weight"].T
    return logits[len(logits) - len(ids):]


def erf_gelu(x):
    from math import erf
    return 0.5 * x * (1 + np.vectorize(erf)(x / np.sqrt(2)))


def bert(w, cfg, ids, types, hook=lambda module, x, y: y):
    """The encoder's last hidden states [T, C] (post-LN layers, bidirectional attention)."""
    c, h, eps, p = cfg["hidden_size"], cfg["num_attention_heads"], cfg["layer_norm_eps"], "bert."

    def lin(name, a):
        return hook(name, a, a @ w[p + name + ".weight"].T + w[p + name + ".bias"])

    def ln(name, x):
        return layer_norm(x, w[p + name + ".weight"], w[p + name + ".bias"], eps)

    x = (w[p + "embeddings.word_embeddings.weight"][ids] + w[p + "embeddings.position_embeddings.weight"][np.arange(len(ids))]
         + w[p + "embeddings.token_type_embeddings.weight"][types])
    x = ln("embeddings.LayerNorm", x)
    for i in range(cfg["num_hidden_layers"]):
        q = f"encoder.layer.{i}."
        qs, ks, vs = (heads(lin(q + "attention.self." + n, x), h) for n in ("query", "key", "value"))
        s = qs @ ks.transpose(0, 2, 1) / np.sqrt(qs.shape[-1])
        s = np.exp(s - s.max(-1, keepdims=True))
        att = ((s / s.sum(-1, keepdims=True)) @ vs).transpose(1, 0, 2).reshape(len(ids), c)
        x = ln(q + "attention.output.LayerNorm", x + lin(q + "attention.output.dense", att))
        x = ln(q + "output.LayerNorm", x + lin(q + "output.dense", erf_gelu(lin(q + "intermediate.dense", x))))
    return x


def rope(x, positions, theta):  # x [H, T, D], rotate-half
    d = x.shape[-1]
    inv = 1.0 / theta ** (np.arange(0, d, 2) / d)
    f = positions[:, None] * inv[None, :]
    cos, sin = np.cos(np.concatenate([f, f], -1)), np.sin(np.concatenate([f, f], -1))
    rot = np.concatenate([-x[..., d // 2:], x[..., :d // 2]], -1)
    return x * cos + rot * sin


def llama(w, cfg, ids, hook=lambda module, x, y: y, prefix=None):
    c, h, hkv = cfg["hidden_size"], cfg["num_attention_heads"], cfg["num_key_value_heads"]
    eps, theta = cfg["rms_norm_eps"], cfg["rope_theta"]
    start = 0 if prefix is None else prefix[0][0].shape[1]
    pos = start + np.arange(len(ids))

    def rms(x, weight):
        return x / np.sqrt((x ** 2).mean(-1, keepdims=True) + eps) * weight

    def lin(name, a):
        return hook(name, a, a @ w["model." + name + ".weight"].T)

    x = w["model.embed_tokens.weight"][ids]
    for i in range(cfg["num_hidden_layers"]):
        q = f"layers.{i}."
        a = rms(x, w["model." + q + "input_layernorm.weight"])
        qs = rope(heads(lin(q + "self_attn.q_proj", a), h), pos, theta)
        ks = rope(heads(lin(q + "self_attn.k_proj", a), hkv), pos, theta)
        vs = heads(lin(q + "self_attn.v_proj", a), hkv)
        if prefix is not None:
            ks, vs = np.concatenate([prefix[i][0], ks], 1), np.concatenate([prefix[i][1], vs], 1)
        rep = h // hkv
        att = attend(qs, np.repeat(ks, rep, 0), np.repeat(vs, rep, 0), start).transpose(1, 0, 2).reshape(len(ids), c)
        x = x + lin(q + "self_attn.o_proj", att)
        m = rms(x, w["model." + q + "post_attention_layernorm.weight"])
        g = lin(q + "mlp.gate_proj", m)
        x = x + lin(q + "mlp.down_proj", g / (1 + np.exp(-g)) * lin(q + "mlp.up_proj", m))
    x = rms(x, w["model.norm.weight"])
    return x @ w["lm_head.weight"].T


# ---- adapters ---------------------------------------------------------------------------------

def lora_hook(tensors, scaling, prefix):
    def hook(module, x, y):
        a = tensors.get(f"base_model.model.{prefix}{module}.lora_A.weight")
        if a is None:
            return y
        b = tensors[f"base_model.model.{prefix}{module}.lora_B.weight"]
        return y + (x @ a.T @ b.T) * scaling
    return hook


def ia3_input(tensors, feedforward, prefix, forward_linear):
    """IA3 scales a feed-forward module's input: wrap the base computation."""
    def hook(module, x, y):
        l = tensors.get(f"base_model.model.{prefix}{module}.ia3_l")
        if l is None:
            return y
        if module.split(".", 2)[-1] in feedforward:
            return forward_linear(module, x * l.reshape(-1))
        return y * l.reshape(-1)
    return hook


def expected(inputs, logits):
    return {"inputs": inputs, "logits": [np.asarray(l, np.float64).reshape(-1).round(7).tolist() for l in logits]}


def main():
    rng = np.random.default_rng(20261203)
    g2cfg = json.load(open(os.path.join(HF, "gpt2", "config.json")))
    g2 = read_safetensors(os.path.join(HF, "gpt2", "model.safetensors"))
    llcfg = json.load(open(os.path.join(HF, "llama", "config.json")))
    ll = read_safetensors(os.path.join(HF, "llama", "model.safetensors"))
    g2_inputs = [[261, 72, 101, 108, 108, 111], [200, 3, 99]]
    ll_inputs = [[1, 17, 42, 5, 99, 63, 8, 23], [1, 50, 2, 77, 31]]
    c, layers = g2cfg["n_embd"], g2cfg["n_layer"]

    # GPT-2 + LoRA on the fused c_attn and mlp.c_proj (Conv1D: fan_in_fan_out), r 2, alpha 4.
    t = {}
    for i in range(layers):
        for m, (fin, fout) in {"attn.c_attn": (c, 3 * c), "mlp.c_proj": (2 * c, c)}.items():
            t[f"base_model.model.transformer.h.{i}.{m}.lora_A.weight"] = rng.normal(0, 0.3, (2, fin))
            t[f"base_model.model.transformer.h.{i}.{m}.lora_B.weight"] = rng.normal(0, 0.3, (fout, 2))
    t = {k: stored(v, "F32") for k, v in t.items()}
    hook = lora_hook(t, 4 / 2, "transformer.")
    save("gpt2-lora", lora_config("gpt2", 2, 4, ["c_attn", "mlp.c_proj"], True), t,
         expected(g2_inputs, [gpt2(g2, g2cfg, ids, hook) for ids in g2_inputs]))

    # GPT-2 + LoRA on the token embeddings (lora.Embedding: lora_embedding_A [r, V], _B [C, r]) and c_attn.
    # Unmerged, the tied LM head keeps the base wte, as in PEFT (a merge would change it too).
    t = {}
    vocab = g2cfg["vocab_size"]
    t["base_model.model.transformer.wte.lora_embedding_A"] = rng.normal(0, 0.5, (2, vocab))
    t["base_model.model.transformer.wte.lora_embedding_B"] = rng.normal(0, 0.5, (c, 2))
    for i in range(layers):
        t[f"base_model.model.transformer.h.{i}.attn.c_attn.lora_A.weight"] = rng.normal(0, 0.3, (2, c))
        t[f"base_model.model.transformer.h.{i}.attn.c_attn.lora_B.weight"] = rng.normal(0, 0.3, (3 * c, 2))
    t = {k: stored(v, "F32") for k, v in t.items()}
    hook = lora_hook(t, 4 / 2, "transformer.")

    def embed(ids, e):
        a, b = t["base_model.model.transformer.wte.lora_embedding_A"], t["base_model.model.transformer.wte.lora_embedding_B"]
        return e + (a.T[ids] @ b.T) * (4 / 2)
    save("gpt2-lora-embedding", lora_config("gpt2", 2, 4, ["wte", "c_attn"], True), t,
         expected(g2_inputs, [gpt2(g2, g2cfg, ids, hook, embed=embed) for ids in g2_inputs]))

    # GPT-2 + IA3: c_attn (query rows 1: Kiln scales keys and values only), attn.c_proj, mlp.c_proj feed-forward.
    t = {}
    for i in range(layers):
        qkv = np.concatenate([np.ones(c), rng.uniform(0.5, 1.5, 2 * c)])
        t[f"base_model.model.transformer.h.{i}.attn.c_attn.ia3_l"] = qkv.reshape(3 * c, 1)
        t[f"base_model.model.transformer.h.{i}.attn.c_proj.ia3_l"] = rng.uniform(0.5, 1.5, (c, 1))
        t[f"base_model.model.transformer.h.{i}.mlp.c_proj.ia3_l"] = rng.uniform(0.5, 1.5, (1, 2 * c))
    t = {k: stored(v, "F32") for k, v in t.items()}

    def g2_linear(module, x):
        return x @ g2["transformer." + module + ".weight"] + g2["transformer." + module + ".bias"]
    hook = ia3_input(t, {"mlp.c_proj"}, "transformer.", g2_linear)
    cfg = common("IA3", "gpt2")
    cfg.update({"exclude_modules": None, "fan_in_fan_out": True, "feedforward_modules": ["mlp.c_proj"],
                "init_ia3_weights": True, "modules_to_save": None, "target_modules": ["c_attn", "attn.c_proj", "mlp.c_proj"]})
    save("gpt2-ia3", cfg, t, expected(g2_inputs, [gpt2(g2, g2cfg, ids, hook) for ids in g2_inputs]))

    # GPT-2 + prompt tuning, 3 virtual tokens.
    prompt = stored(rng.normal(0, 0.5, (3, c)), "F32")
    cfg = common("PROMPT_TUNING", "gpt2")
    cfg.update({"num_attention_heads": 4, "num_layers": layers, "num_transformer_submodules": 1, "num_virtual_tokens": 3,
                "prompt_tuning_init": "RANDOM", "prompt_tuning_init_text": None, "token_dim": c,
                "tokenizer_kwargs": None, "tokenizer_name_or_path": None})
    save("gpt2-prompt", cfg, {"prompt_embeddings": prompt},
         expected(g2_inputs, [gpt2(g2, g2cfg, ids, prompt=prompt) for ids in g2_inputs]))

    # GPT-2 + prefix tuning, 3 virtual tokens: real positions start at 3.
    def prefix_of(emb, n_layers, kv_heads):
        p = emb.shape[0]
        v = emb.reshape(p, n_layers * 2, kv_heads, -1).transpose(1, 2, 0, 3)     # [L*2, Hkv, P, D]
        return [(v[2 * i], v[2 * i + 1]) for i in range(n_layers)]
    emb = stored(rng.normal(0, 0.5, (3, layers * 2 * c)), "F32")
    cfg = common("PREFIX_TUNING", "gpt2")
    cfg.update({"encoder_hidden_size": c, "num_attention_heads": 4, "num_layers": layers, "num_transformer_submodules": 1,
                "num_virtual_tokens": 3, "prefix_projection": False, "token_dim": c})
    save("gpt2-prefix", cfg, {"prompt_embeddings": emb},
         expected(g2_inputs, [gpt2(g2, g2cfg, ids, prefix=prefix_of(emb, layers, 4)) for ids in g2_inputs]))

    # BERT + LoRA on query, key, value (each its own A; value rank 3 by rank_pattern) and attention.output.dense:
    # Kiln's fused qkv stacks the three A's. Expected: the encoder's last hidden states.
    bcfg = json.load(open(os.path.join(HF, "bert", "config.json")))
    bw = read_safetensors(os.path.join(HF, "bert", "model.safetensors"))
    b_inputs, b_types = [[2, 15, 37, 8, 3], [2, 99, 3]], [[0, 0, 0, 1, 1], [0, 0, 0]]
    bc = bcfg["hidden_size"]
    t, ranks = {}, {"attention.self.query": 2, "attention.self.key": 2, "attention.self.value": 3, "attention.output.dense": 2}
    for i in range(bcfg["num_hidden_layers"]):
        for m, r in ranks.items():
            t[f"base_model.model.bert.encoder.layer.{i}.{m}.lora_A.weight"] = rng.normal(0, 0.3, (r, bc))
            t[f"base_model.model.bert.encoder.layer.{i}.{m}.lora_B.weight"] = rng.normal(0, 0.3, (bc, r))
    t = {k: stored(v, "F32") for k, v in t.items()}

    def bert_hook(module, x, y):
        a = t.get(f"base_model.model.bert.{module}.lora_A.weight")
        if a is None:
            return y
        return y + (x @ a.T @ t[f"base_model.model.bert.{module}.lora_B.weight"].T) * (4 / a.shape[0])
    cfg = lora_config("bert-tiny", 2, 4, ["query", "key", "value", "attention.output.dense"], False)
    cfg["rank_pattern"] = {"value": 3}
    cfg["alpha_pattern"] = {"value": 4}
    cfg["task_type"] = "FEATURE_EXTRACTION"
    save("bert-lora", cfg, t, {"inputs": b_inputs, "token_type_ids": b_types,
                               "hidden": [bert(bw, bcfg, ids, tt, bert_hook).reshape(-1).round(7).tolist() for ids, tt in zip(b_inputs, b_types)]})

    # LLaMA (GQA, rotary) + LoRA on q_proj and v_proj, stored as BF16.
    lc, lkv = llcfg["hidden_size"], llcfg["num_key_value_heads"] * (llcfg["hidden_size"] // llcfg["num_attention_heads"])
    t = {}
    for i in range(llcfg["num_hidden_layers"]):
        for m, fout in {"self_attn.q_proj": lc, "self_attn.v_proj": lkv}.items():
            t[f"base_model.model.model.layers.{i}.{m}.lora_A.weight"] = rng.normal(0, 0.3, (4, lc))
            t[f"base_model.model.model.layers.{i}.{m}.lora_B.weight"] = rng.normal(0, 0.3, (fout, 4))
    t = {k: stored(v, "BF16") for k, v in t.items()}
    hook = lora_hook(t, 8 / 4, "model.")
    save("llama-lora-bf16", lora_config("llama", 4, 8, ["q_proj", "v_proj"], False), t,
         expected(ll_inputs, [llama(ll, llcfg, ids, hook) for ids in ll_inputs]), dtype="BF16")

    # LLaMA + IA3 on k_proj, v_proj and down_proj (feed-forward): exact in Kiln (no query scaling).
    t = {}
    for i in range(llcfg["num_hidden_layers"]):
        t[f"base_model.model.model.layers.{i}.self_attn.k_proj.ia3_l"] = rng.uniform(0.5, 1.5, (lkv, 1))
        t[f"base_model.model.model.layers.{i}.self_attn.v_proj.ia3_l"] = rng.uniform(0.5, 1.5, (lkv, 1))
        t[f"base_model.model.model.layers.{i}.mlp.down_proj.ia3_l"] = rng.uniform(0.5, 1.5, (1, 2 * lc))
    t = {k: stored(v, "F32") for k, v in t.items()}

    def ll_linear(module, x):
        return x @ ll["model." + module + ".weight"].T
    hook = ia3_input(t, {"mlp.down_proj"}, "model.", ll_linear)
    cfg = common("IA3", "llama")
    cfg.update({"exclude_modules": None, "fan_in_fan_out": False, "feedforward_modules": ["down_proj"],
                "init_ia3_weights": True, "modules_to_save": None, "target_modules": ["k_proj", "v_proj", "down_proj"]})
    save("llama-ia3", cfg, t, expected(ll_inputs, [llama(ll, llcfg, ids, hook) for ids in ll_inputs]))

    # LLaMA + prefix tuning, 2 virtual tokens: grouped-query (token_dim = Hkv·D), rotary positions from 2.
    emb = stored(rng.normal(0, 0.5, (2, llcfg["num_hidden_layers"] * 2 * lkv)), "F32")
    cfg = common("PREFIX_TUNING", "llama")
    cfg.update({"encoder_hidden_size": lkv, "num_attention_heads": llcfg["num_key_value_heads"],
                "num_layers": llcfg["num_hidden_layers"], "num_transformer_submodules": 1, "num_virtual_tokens": 2,
                "prefix_projection": False, "token_dim": lkv})
    save("llama-prefix", cfg, {"prompt_embeddings": emb},
         expected(ll_inputs, [llama(ll, llcfg, ids, prefix=prefix_of(emb, llcfg["num_hidden_layers"], llcfg["num_key_value_heads"]))
                              for ids in ll_inputs]))


if __name__ == "__main__":
    main()
