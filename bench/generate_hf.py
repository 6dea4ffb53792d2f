# bench/generate_hf.py — the transformers baseline of bench/generate.ts: greedy generate() of the r1ts reference
# model exported as a Llama checkpoint, torch on 2 threads; prints one JSON line (status ok/skipped, tokens/s per batch).
# Usage: generate_hf.py <checkpoint dir> <plan.json {prompts, newTokens, runs, configs: [{batch}]}>
import json
import statistics
import sys
import time


def main() -> None:
    model_dir, plan_path = sys.argv[1], sys.argv[2]
    try:
        import torch
        import transformers
        from transformers import AutoModelForCausalLM
    except Exception as err:  # noqa: BLE001 - any import failure means "not available here"
        print(json.dumps({"status": "skipped", "reason": f"python transformers/torch not importable ({err})"}))
        return
    torch.set_num_threads(2)
    with open(plan_path) as f:
        plan = json.load(f)
    model = AutoModelForCausalLM.from_pretrained(model_dir, torch_dtype=torch.float32)
    model.eval()
    eos = model.config.eos_token_id
    rows = []
    for cfg in plan["configs"]:
        batch = cfg["batch"]
        ids = torch.tensor(plan["prompts"][:batch], dtype=torch.long)
        mask = torch.ones_like(ids)

        def once(new_tokens: int) -> float:
            t0 = time.perf_counter()
            with torch.inference_mode():
                out = model.generate(input_ids=ids, attention_mask=mask, max_new_tokens=new_tokens, min_new_tokens=new_tokens,
                                     do_sample=False, pad_token_id=eos, use_cache=True)
            dt = time.perf_counter() - t0
            assert out.shape[1] == ids.shape[1] + new_tokens, out.shape
            return dt

        once(8)
        times = [once(plan["newTokens"]) for _ in range(plan["runs"])]
        rows.append({"batch": batch, "tokPerSec": batch * plan["newTokens"] / statistics.median(times), "times": times})
    print(json.dumps({"status": "ok", "rows": rows, "transformers": transformers.__version__, "torch": torch.__version__}))


if __name__ == "__main__":
    main()
