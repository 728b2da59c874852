#!/usr/bin/env python3
"""Makes the parity suite's Unigram tokenizer files from a real SentencePiece model.

No T5 / ALBERT / XLM-R tokenizer.json is reachable from npm or Maven Central, so the suite trains
SentencePiece Unigram models itself (Debian's python3-sentencepiece, the real library) on
tinyshakespeare and writes the tokenizer.json that transformers' SpmConverter makes of such a model
(XLM-R's layout: Precompiled nmt_nfkc charsmap + Replace(" {2,}", " "), Metaspace, TemplateProcessing
"<s> $A </s>"). The HF Rust tokenizers oracle then encodes that file beside Kiln. It also writes
spm-ids.tsv: SentencePiece's own ids for lines of the corpus, a second, independent oracle.

usage: make-unigram.py TINYSHAKESPEARE OUT_DIR NAME [--byte-fallback]
"""
import base64
import json
import os
import sys

import sentencepiece as spm

VOCAB = 3000
CHECK_LINES = 2000


def varint(buf, i):
    value, shift = 0, 0
    while True:
        b = buf[i]
        i += 1
        value |= (b & 0x7F) << shift
        shift += 7
        if b < 0x80:
            return value, i


def fields(buf):
    """(field number, wire type, value) of a protobuf message; length-delimited values as bytes."""
    i = 0
    while i < len(buf):
        key, i = varint(buf, i)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, i = varint(buf, i)
        elif wire == 1:
            value, i = buf[i:i + 8], i + 8
        elif wire == 2:
            n, i = varint(buf, i)
            value, i = buf[i:i + n], i + n
        elif wire == 5:
            value, i = buf[i:i + 4], i + 4
        else:
            raise ValueError("unexpected wire type %d" % wire)
        yield number, wire, value


def precompiled_charsmap(model_bytes):
    """ModelProto.normalizer_spec (3) .precompiled_charsmap (2)."""
    for number, _, value in fields(model_bytes):
        if number == 3:
            for n, _, v in fields(value):
                if n == 2:
                    return bytes(v)
    return b""


def tokenizer_json(sp, charsmap, byte_fallback):
    vocab = [[sp.id_to_piece(i), sp.get_score(i)] for i in range(sp.get_piece_size())]
    added = []
    for i in range(sp.get_piece_size()):
        if sp.is_control(i) or sp.is_unknown(i):
            added.append({"id": i, "content": sp.id_to_piece(i), "single_word": False, "lstrip": False,
                          "rstrip": False, "normalized": False, "special": True})
    bos, eos = sp.id_to_piece(sp.bos_id()), sp.id_to_piece(sp.eos_id())
    decoders = [{"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "always", "split": True}]
    if byte_fallback:
        decoders = [{"type": "Replace", "pattern": {"String": "\u2581"}, "content": " "},
                    {"type": "ByteFallback"}, {"type": "Fuse"}, {"type": "Strip", "content": " ", "start": 1, "stop": 0}]
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": added,
        "normalizer": {"type": "Sequence", "normalizers": [
            {"type": "Precompiled", "precompiled_charsmap": base64.b64encode(charsmap).decode("ascii")},
            {"type": "Replace", "pattern": {"Regex": " {2,}"}, "content": " "}]},
        "pre_tokenizer": {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "always", "split": True},
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [{"SpecialToken": {"id": bos, "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                       {"SpecialToken": {"id": eos, "type_id": 0}}],
            "pair": [{"SpecialToken": {"id": bos, "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                     {"SpecialToken": {"id": eos, "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 1}},
                     {"SpecialToken": {"id": eos, "type_id": 1}}],
            "special_tokens": {
                bos: {"id": bos, "ids": [sp.bos_id()], "tokens": [bos]},
                eos: {"id": eos, "ids": [sp.eos_id()], "tokens": [eos]}}},
        "decoder": {"type": "Sequence", "decoders": decoders} if byte_fallback else decoders[0],
        "model": {"type": "Unigram", "unk_id": sp.unk_id(), "vocab": vocab, "byte_fallback": byte_fallback},
    }


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    corpus, out_dir, name = sys.argv[1], sys.argv[2], sys.argv[3]
    byte_fallback = "--byte-fallback" in sys.argv[4:]
    os.makedirs(out_dir, exist_ok=True)
    prefix = os.path.join(out_dir, "spm")
    spm.SentencePieceTrainer.train(
        input=corpus, model_prefix=prefix, model_type="unigram", vocab_size=VOCAB,
        normalization_rule_name="nmt_nfkc", character_coverage=1.0, byte_fallback=byte_fallback,
        bos_id=0, pad_id=1, eos_id=2, unk_id=3, num_threads=1, minloglevel=2)
    sp = spm.SentencePieceProcessor(model_file=prefix + ".model")
    with open(prefix + ".model", "rb") as f:
        charsmap = precompiled_charsmap(f.read())
    if not charsmap:
        sys.exit("%s.model has no precompiled_charsmap" % prefix)
    with open(os.path.join(out_dir, "tokenizer.json"), "w", encoding="utf-8") as f:
        json.dump(tokenizer_json(sp, charsmap, byte_fallback), f, ensure_ascii=False)
    config = {"bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>", "pad_token": "<pad>",
              "model_max_length": 512, "tokenizer_class": "XLMRobertaTokenizer"}
    with open(os.path.join(out_dir, "tokenizer_config.json"), "w", encoding="utf-8") as f:
        json.dump(config, f)
    with open(corpus, encoding="utf-8") as f:
        lines = [l.rstrip("\n") for l in f][:CHECK_LINES]
    with open(os.path.join(out_dir, "spm-ids.tsv"), "w", encoding="utf-8") as f:
        for line in lines:
            f.write(" ".join(map(str, sp.encode(line))) + "\t" + line + "\n")
    print("tokenizer-parity: %s: trained a %d-piece SentencePiece Unigram model into %s" % (name, sp.get_piece_size(), out_dir))


if __name__ == "__main__":
    main()
