#!/usr/bin/env python3
"""Check r1ts tokenizers against Hugging Face `tokenizers` / `transformers` (interop, not a unit test).

Two modes, each printing one JSON object on stdout:

  check <dir> <cases.json>
      <dir> holds an r1ts-written tokenizer.json + tokenizer_config.json; <cases.json> is
      {"texts": [...], "ids": [[...]], "chats": [{"messages": [...], "add_generation_prompt": bool, "rendered": str}]}.
      Verifies that `tokenizers.Tokenizer.from_file` and `transformers.AutoTokenizer` give the same ids, that
      decoding gives the text back, and that `apply_chat_template` renders the same strings.

  foreign <outdir> <texts.json>
      Trains small tokenizers in the styles r1ts must load (GPT-2, Llama-3, Qwen2, DeepSeek-V3 pre-tokenizers),
      writes <outdir>/<style>/tokenizer.json and <outdir>/<style>/expected.json with Hugging Face's ids
      (add_special_tokens=True) and pre-tokenizer pieces for every text, for r1ts to compare against.

Prints {"status": "skipped", "reason": ...} and exits 0 when `tokenizers` cannot be imported.
"""
import json
import os
import sys

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

try:
    import tokenizers
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
except Exception as e:  # noqa: BLE001 - any import failure means "skip"
    print(json.dumps({"status": "skipped", "reason": f"python cannot import tokenizers ({e})"}))
    sys.exit(0)

LLAMA3 = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
QWEN2 = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
DSV3 = [
    r"\p{N}{1,3}",
    r"[一-龥\u3040-ゟ゠-ヿ]+",
    r"[!\"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~][A-Za-z]+|[^\r\n\p{L}\p{P}\p{S}]?[\p{L}\p{M}]+| ?[\p{P}\p{S}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+",
]


def mismatch_list(limit=8):
    out = []

    def add(item):
        if len(out) < limit:
            out.append(item)
        add.count += 1

    add.count = 0
    return out, add


def check(d, cases_path):
    cases = json.load(open(cases_path, encoding="utf-8"))
    texts, expected = cases["texts"], cases["ids"]
    mism, add = mismatch_list()
    tok = Tokenizer.from_file(os.path.join(d, "tokenizer.json"))
    for i, (t, ids) in enumerate(zip(texts, expected)):
        got = tok.encode(t, add_special_tokens=False).ids
        if got != ids:
            add({"kind": "tokenizers.encode", "index": i, "text": t, "expected": ids, "got": got})
        back = tok.decode(ids, skip_special_tokens=False)
        if back != t:
            add({"kind": "tokenizers.decode", "index": i, "text": t, "got": back})
    report = {"tokenizers": tokenizers.__version__, "texts": len(texts)}
    try:
        import transformers
        from transformers import AutoTokenizer
    except Exception as e:  # noqa: BLE001
        report["transformers"] = f"skipped ({e})"
    else:
        report["transformers"] = transformers.__version__
        at = AutoTokenizer.from_pretrained(d)
        for i, (t, ids) in enumerate(zip(texts, expected)):
            got = at.encode(t, add_special_tokens=False)
            if got != ids:
                add({"kind": "AutoTokenizer.encode", "index": i, "text": t, "expected": ids, "got": got})
            back = at.decode(ids)
            if back != t:
                add({"kind": "AutoTokenizer.decode", "index": i, "text": t, "got": back})
        for i, c in enumerate(cases.get("chats", [])):
            try:
                got = at.apply_chat_template(c["messages"], tokenize=False, add_generation_prompt=c["add_generation_prompt"])
            except Exception as e:  # noqa: BLE001 - jinja2 missing or template error: report it
                add({"kind": "apply_chat_template", "index": i, "error": str(e)})
                continue
            if got != c["rendered"]:
                add({"kind": "apply_chat_template", "index": i, "expected": c["rendered"], "got": got})
        report["chats"] = len(cases.get("chats", []))
    report["status"] = "ok" if add.count == 0 else "mismatch"
    report["mismatch_count"] = add.count
    report["mismatches"] = mism
    print(json.dumps(report, ensure_ascii=False))


def byte_level_bpe(pre, normalizer, texts, vocab_size, specials, ignore_merges=False):
    tok = Tokenizer(models.BPE(ignore_merges=ignore_merges))
    if normalizer is not None:
        tok.normalizer = normalizer
    tok.pre_tokenizer = pre
    tok.decoder = decoders.ByteLevel()
    tr = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=specials, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tok.train_from_iterator(texts, tr)
    return tok


def foreign(outdir, texts_path):
    texts = json.load(open(texts_path, encoding="utf-8"))
    bl = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)
    styles = {}
    styles["gpt2"] = byte_level_bpe(pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True), None, texts, 700, ["<|endoftext|>"])
    llama = byte_level_bpe(pre_tokenizers.Sequence([pre_tokenizers.Split(Regex(LLAMA3), "isolated"), bl]), None, texts, 700, ["<|begin_of_text|>", "<|eot_id|>"], ignore_merges=True)
    bos = llama.token_to_id("<|begin_of_text|>")
    llama.post_processor = processors.Sequence([
        processors.ByteLevel(trim_offsets=False),
        processors.TemplateProcessing(single="<|begin_of_text|> $A", pair="<|begin_of_text|> $A <|begin_of_text|> $B", special_tokens=[("<|begin_of_text|>", bos)]),
    ])
    styles["llama3"] = llama
    qwen = byte_level_bpe(pre_tokenizers.Sequence([pre_tokenizers.Split(Regex(QWEN2), "isolated"), bl]), normalizers.NFC(), texts, 700, ["<|endoftext|>", "<|im_start|>", "<|im_end|>"])
    styles["qwen2"] = qwen
    ds = byte_level_bpe(pre_tokenizers.Sequence([pre_tokenizers.Split(Regex(p), "isolated") for p in DSV3] + [bl]), None, texts, 700, ["<｜begin▁of▁sentence｜>", "<｜end▁of▁sentence｜>"])
    styles["deepseek_v3"] = ds
    # Split behaviours on their own (pieces only).
    behaviours = {}
    for b in ["isolated", "removed", "merged_with_previous", "merged_with_next", "contiguous"]:
        for inv in [False, True]:
            sp = pre_tokenizers.Split(Regex(r"\s+|\p{N}|x*"), b, invert=inv)
            behaviours[f"{b}:{inv}"] = [[p for p, _ in sp.pre_tokenize_str(t)] for t in texts]
    for name, tok in styles.items():
        d = os.path.join(outdir, name)
        os.makedirs(d, exist_ok=True)
        tok.save(os.path.join(d, "tokenizer.json"))
        exp = {
            "ids": [tok.encode(t, add_special_tokens=True).ids for t in texts],
            "pieces": [[p for p, _ in tok.pre_tokenizer.pre_tokenize_str(tok.normalizer.normalize_str(t) if tok.normalizer else t)] for t in texts],
        }
        json.dump(exp, open(os.path.join(d, "expected.json"), "w", encoding="utf-8"), ensure_ascii=False)
    json.dump(behaviours, open(os.path.join(outdir, "split-behaviours.json"), "w", encoding="utf-8"), ensure_ascii=False)
    print(json.dumps({"status": "ok", "tokenizers": tokenizers.__version__, "styles": sorted(styles)}))


if __name__ == "__main__":
    if len(sys.argv) != 4 or sys.argv[1] not in ("check", "foreign"):
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    (check if sys.argv[1] == "check" else foreign)(sys.argv[2], sys.argv[3])
