// src/train/grpo/heldout.ts — held-out accuracy during RL: items of each task's held-out split (never drawn for
// training), one sample each at the evaluation settings of DeepSeek-R1 §3 (temperature 0.6, top-p 0.95), prompted
// in the run's own style, scored by the task's checker; the mean over items is a pass@1 estimate. Pass the prompt
// stream's tasks: a task trained on part of its test split (allowTestSplit) is there a view whose test split is only
// the held-out part (prompts.ts splitTestItems).

import type { ChatModel } from '../../generate/index.js';
import type { Task } from '../../tasks/types.js';
import { rolloutAsync, type RolloutPromptStyle } from './rollout.js';

export async function heldoutAccuracy(cm: ChatModel, tasks: readonly Task[], opts: { items: number; style: RolloutPromptStyle; maxNewTokens: number; seed: number }): Promise<number> {
  let correct = 0, total = 0;
  for (const task of tasks) {
    const split = task.stream ? 'heldout' : 'test';
    const items = await task.items({ split, n: opts.items, seed: opts.seed });
    if (items.length === 0) continue;
    const ro = await rolloutAsync(cm, items.map((item) => ({ task, item })), { groupSize: 1, maxNewTokens: opts.maxNewTokens, temperature: 0.6, topP: 0.95, style: opts.style, seed: opts.seed });
    for (const s of ro.samples) {
      const r = await task.check(s.draw.item, s.text);
      correct += r.correct ? 1 : 0;
      total++;
    }
  }
  return total > 0 ? correct / total : 0;
}
