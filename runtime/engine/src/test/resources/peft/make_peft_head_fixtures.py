#!/usr/bin/env python3
"""PEFT-layout adapters that carry task heads (``modules_to_save``), beside make_peft_fixtures.py.

PEFT's ``get_peft_model_state_dict`` (``src/peft/utils/save_and_load.py``) saves a module listed in
``modules_to_save`` (matched as a suffix of the module's path) with its trained copy's wrapper
stripped: ``base_model.model.classifier.modules_to_save.default.weight`` is written as
``base_model.model.classifier.weight``. For ``task_type`` SEQ_CLS on a ``BertForSequenceClassification``
the head is ``bert.pooler.dense`` ([CLS] -> dense -> tanh) followed by ``classifier``.

``bert-lora-cls``: LoRA (r 2, alpha 4) on query and value of ../hf/bert plus the head, listed as
``["classifier", "pooler.dense"]`` (a suffix, as PEFT matches it). Expected: the classifier's logits
per input. Run with ``python3 make_peft_head_fixtures.py`` (numpy only).
"""
import numpy as np

import make_peft_fixtures as peft
from make_peft_fixtures import HF, json, os


def main():
    rng = np.random.default_rng(20261204)
    cfg = json.load(open(os.path.join(HF, "bert", "config.json")))
    w = peft.read_safetensors(os.path.join(HF, "bert", "model.safetensors"))
    c, labels = cfg["hidden_size"], 3
    inputs, types = [[2, 15, 37, 8, 3], [2, 99, 3]], [[0, 0, 0, 1, 1], [0, 0, 0]]
    t = {}
    for i in range(cfg["num_hidden_layers"]):
        for m in ("attention.self.query", "attention.self.value"):
            t[f"base_model.model.bert.encoder.layer.{i}.{m}.lora_A.weight"] = rng.normal(0, 0.3, (2, c))
            t[f"base_model.model.bert.encoder.layer.{i}.{m}.lora_B.weight"] = rng.normal(0, 0.3, (c, 2))
    t["base_model.model.bert.pooler.dense.weight"] = rng.normal(0, 0.2, (c, c))
    t["base_model.model.bert.pooler.dense.bias"] = rng.normal(0, 0.2, c)
    t["base_model.model.classifier.weight"] = rng.normal(0, 0.5, (labels, c))
    t["base_model.model.classifier.bias"] = rng.normal(0, 0.5, labels)
    t = {k: peft.stored(v, "F32") for k, v in t.items()}

    def hook(module, x, y):
        a = t.get(f"base_model.model.bert.{module}.lora_A.weight")
        return y if a is None else y + (x @ a.T @ t[f"base_model.model.bert.{module}.lora_B.weight"].T) * (4 / 2)

    def classify(ids, tt):
        h = peft.bert(w, cfg, ids, tt, hook)[0]
        pooled = np.tanh(t["base_model.model.bert.pooler.dense.weight"] @ h + t["base_model.model.bert.pooler.dense.bias"])
        return t["base_model.model.classifier.weight"] @ pooled + t["base_model.model.classifier.bias"]

    config = peft.lora_config("bert-tiny", 2, 4, ["query", "value"], False)
    config["task_type"] = "SEQ_CLS"
    config["modules_to_save"] = ["classifier", "pooler.dense"]
    peft.save("bert-lora-cls", config, t, {"inputs": inputs, "token_type_ids": types,
                                          "logits": [classify(i, tt).round(7).tolist() for i, tt in zip(inputs, types)]})


if __name__ == "__main__":
    main()
