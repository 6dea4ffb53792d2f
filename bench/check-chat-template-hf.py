#!/usr/bin/env python3
"""Render chat templates with transformers' apply_chat_template (interop and fixture generation, not a unit test).

  render <cases.json>
      <cases.json> is {"checkpoints": [{"name": str, "dir": str}], "conversations": [{"name": str,
      "messages": [...], "add_generation_prompt": bool}]}. Each <dir> holds tokenizer.json + tokenizer_config.json
      (and maybe chat_template.jinja). For every checkpoint and conversation prints the rendered string
      (tokenize=False) and the token ids (tokenize=True), or the error the template raised, as one JSON object.

Prints {"status": "skipped", "reason": ...} and exits 0 when transformers cannot be imported.
"""
import json
import os
import sys

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

try:
    import jinja2
    import transformers
    from transformers import AutoTokenizer
except Exception as e:  # noqa: BLE001 - any import failure means "skip"
    print(json.dumps({"status": "skipped", "reason": f"python cannot import transformers ({e})"}))
    sys.exit(0)


def main():
    mode, path = sys.argv[1], sys.argv[2]
    if mode != "render":
        raise SystemExit(f"unknown mode {mode}")
    with open(path, encoding="utf-8") as f:
        cases = json.load(f)
    out = {"status": "ok", "transformers": transformers.__version__, "jinja2": jinja2.__version__, "results": {}}
    for ck in cases["checkpoints"]:
        tok = AutoTokenizer.from_pretrained(ck["dir"])
        rows = []
        for conv in cases["conversations"]:
            g = conv["add_generation_prompt"]
            try:
                text = tok.apply_chat_template(conv["messages"], tokenize=False, add_generation_prompt=g)
                ids = tok.apply_chat_template(conv["messages"], tokenize=True, add_generation_prompt=g, return_dict=False)
                rows.append({"text": text, "ids": [int(i) for i in ids]})
            except jinja2.exceptions.TemplateError as e:
                rows.append({"error": str(e)})
        out["results"][ck["name"]] = {"class": type(tok).__name__, "rows": rows}
    print(json.dumps(out, ensure_ascii=False))


main()
