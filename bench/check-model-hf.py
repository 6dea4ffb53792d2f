#!/usr/bin/env python3
"""Hugging Face side of `npm run check:interop` for r1ts models (interop, not a unit test).

Each mode prints one JSON object on stdout; logits are written as raw little-endian float32 (B, T, V).

  logits <dir> <request.json> <out.f32>
      Loads <dir> (an r1ts export) with transformers AutoModelForCausalLM + AutoTokenizer and runs the forward
      pass on request["ids"] (B rows of T ids). Also returns AutoTokenizer's ids for request["text"].

  make <llama|qwen2|llama3|qwen3|qwen2-yarn> <dir> <request.json> <out.f32>
      Builds a small random LlamaForCausalLM / Qwen2ForCausalLM (seeded; Qwen2 gets non-zero q/k/v biases), trains
      a small byte-level BPE tokenizer with `tokenizers`, saves both with save_pretrained (safetensors) for r1ts to
      load, and writes the model's logits on request["ids"] and the tokenizer's ids for request["text"].

  fp8 <src> <dst> <request.json> <out.f32>
      Writes <dst>: the deepseek_v3 checkpoint <src> with its linear layers' matrices quantized as DeepSeek-V3 ships
      them (F8_E4M3 with one float32 `weight_scale_inv` per 16 x 16 block, `quantization_config` in config.json),
      then loads <dst> with transformers (FineGrainedFP8Config(dequantize=True)) and runs the forward pass.

Prints {"status": "skipped", "reason": ...} and exits 0 when torch or transformers cannot be imported.
"""
import inspect
import json
import os
import sys

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

try:
    import torch
    import transformers
    from transformers import AutoModelForCausalLM, AutoTokenizer, PreTrainedTokenizerFast
except Exception as e:  # noqa: BLE001 - any import failure means "skip"
    print(json.dumps({"status": "skipped", "reason": f"python cannot import torch/transformers ({e})"}))
    sys.exit(0)

torch.set_num_threads(2)

CORPUS = [
    "Natalia sold clips to 48 of her friends in April, and then she sold half as many clips in May.",
    "How many clips did Natalia sell altogether in April and May?",
    "Weng earns $12 an hour for babysitting. Yesterday, she just did 50 minutes of babysitting.",
    "<think>First add the numbers, then check the answer.</think><answer>72</answer>",
    "The quick brown fox jumps over the lazy dog; the dog sleeps in the sun.",
] * 4


def run_logits(model, ids, out):
    x = torch.tensor(ids, dtype=torch.long)
    with torch.no_grad():
        logits = model(input_ids=x).logits.float().contiguous()
    logits.numpy().astype("<f4").tofile(out)
    return list(logits.shape)


def mode_logits(model_dir, request, out):
    req = json.load(open(request))
    model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32, attn_implementation="eager")
    model.eval()
    tok = AutoTokenizer.from_pretrained(model_dir)
    shape = run_logits(model, req["ids"], out)
    text_ids = tok(req["text"], add_special_tokens=False)["input_ids"]
    return {
        "status": "ok",
        "model_class": type(model).__name__,
        "tokenizer_class": type(tok).__name__,
        "shape": shape,
        "text_ids": text_ids,
        "decoded": tok.decode(text_ids),
        "transformers": transformers.__version__,
    }


def train_tokenizer(vocab_size):
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    t = Tokenizer(models.BPE())
    t.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    t.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=["<|endoftext|>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    t.train_from_iterator(CORPUS, trainer=trainer)
    return PreTrainedTokenizerFast(tokenizer_object=t, eos_token="<|endoftext|>", bos_token="<|endoftext|>")


def mode_make(arch, model_dir, request, out):
    req = json.load(open(request))
    torch.manual_seed(1234)
    common = dict(
        vocab_size=req["vocab_size"], hidden_size=64, intermediate_size=160, num_hidden_layers=2,
        num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=256, rms_norm_eps=1e-6,
        initializer_range=0.08, hidden_act="silu",
    )
    if arch == "llama":
        cfg = transformers.LlamaConfig(**common, rope_theta=10000.0, tie_word_embeddings=False)
    elif arch == "qwen2":
        cfg = transformers.Qwen2Config(**common, rope_theta=1000000.0, tie_word_embeddings=True)
    elif arch == "llama3":
        # Llama 3.1-style RoPE scaling; with head dim 16 and a 64-token original context, the highest frequency
        # is kept, the next two are blended and the rest divided by the factor.
        scaling = {"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                   "original_max_position_embeddings": 64}
        if "rope_parameters" in inspect.signature(transformers.LlamaConfig.__init__).parameters:
            cfg = transformers.LlamaConfig(**common, rope_parameters={**scaling, "rope_theta": 10000.0}, tie_word_embeddings=False)
        else:
            cfg = transformers.LlamaConfig(**common, rope_theta=10000.0, rope_scaling=scaling, tie_word_embeddings=False)
    elif arch == "qwen3":
        # Per-head q/k RMSNorms, no biases, and a head dim (24) other than hidden / heads (16), as Qwen3-0.6B has.
        cfg = transformers.Qwen3Config(**common, head_dim=24, rope_theta=1000000.0, tie_word_embeddings=True)
    elif arch == "qwen2-yarn":
        # YaRN as Qwen2.5 documents it for long contexts; with head dim 16 and a 2,000-token original context the
        # ramp between kept and interpolated frequencies spans dims 1-6 of the 8.
        scaling = {"rope_type": "yarn", "factor": 4.0, "original_max_position_embeddings": 2000}
        if "rope_parameters" in inspect.signature(transformers.Qwen2Config.__init__).parameters:
            cfg = transformers.Qwen2Config(**common, rope_parameters={**scaling, "rope_theta": 10000.0}, tie_word_embeddings=True)
        else:
            cfg = transformers.Qwen2Config(**common, rope_theta=10000.0, rope_scaling=scaling, tie_word_embeddings=True)
    else:
        raise SystemExit(f"unknown arch {arch}")
    model = AutoModelForCausalLM.from_config(cfg, attn_implementation="eager").float().eval()
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("bias"):
                p.normal_(0.0, 0.1)  # HF initialises biases to zero; make them matter
            elif name.endswith("norm.weight"):
                p.uniform_(0.5, 1.5)  # and norm gains to one
    tok = train_tokenizer(req["vocab_size"] - 8)
    model.save_pretrained(model_dir, safe_serialization=True)
    tok.save_pretrained(model_dir)
    shape = run_logits(model, req["ids"], out)
    text_ids = tok(req["text"], add_special_tokens=False)["input_ids"]
    return {"status": "ok", "model_class": type(model).__name__, "shape": shape, "text_ids": text_ids, "transformers": transformers.__version__}


def mode_fp8(src, dst, request, out):
    import shutil
    from safetensors.torch import load_file, save_file

    req = json.load(open(request))
    block = [16, 16]
    os.makedirs(dst, exist_ok=True)
    for f in os.listdir(src):
        if f != "model.safetensors":
            shutil.copy(os.path.join(src, f), os.path.join(dst, f))
    tensors = load_file(os.path.join(src, "model.safetensors"))
    fp8 = {}
    quantized = 0
    for name, w in tensors.items():
        if w.dim() == 2 and name.endswith("_proj.weight"):
            rows, cols = w.shape
            sr, sc = -(-rows // block[0]), -(-cols // block[1])
            padded = torch.zeros(sr * block[0], sc * block[1], dtype=torch.float32)
            padded[:rows, :cols] = w.float()
            blocks = padded.view(sr, block[0], sc, block[1])
            scale = (blocks.abs().amax(dim=(1, 3)) / 448.0).clamp(min=1e-12)
            q = (blocks / scale[:, None, :, None]).view(sr * block[0], sc * block[1])[:rows, :cols]
            fp8[name] = q.to(torch.float8_e4m3fn).contiguous()
            fp8[name + "_scale_inv"] = scale.float().contiguous()
            quantized += 1
        else:
            fp8[name] = w.contiguous()
    save_file(fp8, os.path.join(dst, "model.safetensors"), metadata={"format": "pt"})
    cfg = json.load(open(os.path.join(src, "config.json")))
    cfg["quantization_config"] = {"activation_scheme": "dynamic", "fmt": "e4m3", "quant_method": "fp8", "weight_block_size": block}
    json.dump(cfg, open(os.path.join(dst, "config.json"), "w"), indent=2)
    qc = transformers.FineGrainedFP8Config(dequantize=True, weight_block_size=tuple(block))
    model = AutoModelForCausalLM.from_pretrained(dst, dtype=torch.float32, attn_implementation="eager", quantization_config=qc)
    model.eval()
    shape = run_logits(model, req["ids"], out)
    return {"status": "ok", "model_class": type(model).__name__, "shape": shape, "quantized": quantized, "transformers": transformers.__version__}


def main(argv):
    if len(argv) >= 4 and argv[0] == "logits":
        res = mode_logits(argv[1], argv[2], argv[3])
    elif len(argv) >= 5 and argv[0] == "fp8":
        res = mode_fp8(argv[1], argv[2], argv[3], argv[4])
    elif len(argv) >= 5 and argv[0] == "make":
        res = mode_make(argv[1], argv[2], argv[3], argv[4])
    else:
        raise SystemExit(__doc__)
    print(json.dumps(res))


if __name__ == "__main__":
    main(sys.argv[1:])
