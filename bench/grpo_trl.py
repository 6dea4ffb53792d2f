#!/usr/bin/env python3
"""TRL side of `npm run bench:grpo` (a benchmark baseline, not a test): GRPO steps of TRL's GRPOTrainer on CPU.

  grpo_trl.py <model_dir> <prompts.json> <G> <prompts_per_step> <max_new> <beta> <timed_steps> <threads> <stop_ids>

<model_dir> is the r1ts checkpoint the r1ts side trains (Hugging Face layout: config.json, model.safetensors,
tokenizer.json, tokenizer_config.json with the chat template); <prompts.json> is a list of user messages, put to the
model as one-turn chats (TRL renders them with the checkpoint's template, as r1ts does). The work per step is the
r1ts side's: <prompts_per_step> prompts x <G> completions of at most <max_new> tokens, ended by the same EOS ids
(<stop_ids>, comma-separated, as r1ts's sampler stops), temperature 1, no top-k/top-p, beta > 0 (a reference model), mu = 1
(num_iterations), per-sequence token mean ('grpo' loss), eps 0.2, AdamW lr 1e-6, the whole generation batch in one
forward/backward and one optimizer step, fp32, <threads> torch threads.

Prints the step times as the last stdout line: {"steps": [s, ...], "parts": {...}} (the first, warm-up step left
out). "parts" holds the medians of generation, reference log-probs, and policy forward + backward + optimizer.
"""
import json
import os
import statistics
import sys
import time

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("WANDB_DISABLED", "true")

import torch  # noqa: E402
from datasets import Dataset  # noqa: E402
from transformers import AutoModelForCausalLM, AutoTokenizer, TrainerCallback  # noqa: E402
from trl import GRPOConfig, GRPOTrainer  # noqa: E402

model_dir, prompts_file = sys.argv[1], sys.argv[2]
G, P, MAX_NEW = int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
BETA, TIMED, THREADS = float(sys.argv[6]), int(sys.argv[7]), int(sys.argv[8])
STOP_IDS = [int(x) for x in sys.argv[9].split(",") if x]
torch.set_num_threads(THREADS)
torch.manual_seed(1)

with open(prompts_file, encoding="utf8") as f:
    prompts = json.load(f)
steps = 1 + TIMED
if len(prompts) < steps * P:
    sys.exit(f"{prompts_file}: {len(prompts)} prompts, {steps * P} needed")
dataset = Dataset.from_list([{"prompt": [{"role": "user", "content": p}]} for p in prompts[: steps * P]])

tokenizer = AutoTokenizer.from_pretrained(model_dir)
if tokenizer.pad_token is None:
    tokenizer.pad_token = tokenizer.eos_token
model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32)


def length_reward(completions, **_):
    """A cheap reward that varies within a group (the r1ts side's rule rewards cost ~1 ms)."""
    return [float(len(c[0]["content"] if isinstance(c, list) else c) % 7) for c in completions]


class StepTimer(TrainerCallback):
    def __init__(self):
        self.t0 = 0.0
        self.steps = []

    def on_step_begin(self, args, state, control, **kw):
        self.t0 = time.perf_counter()

    def on_step_end(self, args, state, control, **kw):
        self.steps.append(time.perf_counter() - self.t0)


args = GRPOConfig(
    output_dir=os.path.join(os.path.dirname(prompts_file), "trl-out"),
    use_cpu=True,
    bf16=False,
    fp16=False,
    per_device_train_batch_size=P * G,
    gradient_accumulation_steps=1,
    num_generations=G,
    max_completion_length=MAX_NEW,
    generation_kwargs={"eos_token_id": STOP_IDS} if STOP_IDS else None,
    temperature=1.0,
    top_p=1.0,
    top_k=0,
    beta=BETA,
    num_iterations=1,
    epsilon=0.2,
    loss_type="grpo",
    learning_rate=1e-6,
    lr_scheduler_type="constant",
    max_steps=steps,
    logging_steps=1,
    save_strategy="no",
    report_to="none",
    seed=1,
    shuffle_dataset=False,
    dataloader_num_workers=0,
    disable_tqdm=True,
    log_completions=False,
)
timer = StepTimer()
trainer = GRPOTrainer(model=model, reward_funcs=[length_reward], args=args, train_dataset=dataset, processing_class=tokenizer, callbacks=[timer])

# Time the parts by wrapping the trainer's own methods (generation; the reference model's forward; the rest is the
# policy forward + backward + optimizer step).
parts = {"generate": [], "reference": []}


def timed(obj, name, key, only_ref=False):
    fn = getattr(obj, name)

    def wrapper(*a, **kw):
        t = time.perf_counter()
        out = fn(*a, **kw)
        if not only_ref or kw.get("model", a[0] if a else None) is trainer.ref_model:
            parts[key].append(time.perf_counter() - t)
        return out

    setattr(obj, name, wrapper)


timed(trainer, "_generate", "generate")
timed(trainer, "_get_per_token_logps_and_entropies", "reference", only_ref=True)
trainer.train()

step_times = timer.steps[1:]
gen = parts["generate"][1:]
ref = parts["reference"][1:]
prompt_tokens = [len(tokenizer(tokenizer.apply_chat_template(r["prompt"], add_generation_prompt=True, tokenize=False), add_special_tokens=False).input_ids) for r in dataset]
lengths = [h["completions/mean_length"] for h in trainer.state.log_history if "completions/mean_length" in h][1:]
out = {"steps": step_times, "promptTokens": statistics.mean(prompt_tokens), "completionTokens": statistics.mean(lengths) if lengths else None}
if len(gen) == len(step_times) and len(ref) == len(step_times):
    out["parts"] = {
        "generate": statistics.median(gen),
        "reference": statistics.median(ref),
        "train": statistics.median([s - g - r for s, g, r in zip(step_times, gen, ref)]),
    }
print(json.dumps(out))
