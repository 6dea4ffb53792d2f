// src/train/fixtures.ts — test fixtures for the trainers: a copy task (the answer is the digit the prompt shows:
// learnable by a tiny model in a few RL steps) and a small SFT-trained starting checkpoint for it.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { preset, type ModelConfigInput } from '../model/index.js';
import { R1_ZERO_TEMPLATE } from '../tasks/prompt.js';
import type { CheckResult, Task, TaskItem } from '../tasks/types.js';
import { Rng } from '../util/rng.js';
import { parseSftConfig } from './config.js';
import { initCheckpoint } from './init.js';
import { trainSft } from './sft/trainer.js';

const item = (rng: Rng, i: number, split: string): TaskItem => {
  const d = rng.int(0, 9);
  return { id: `${split}-${i}`, question: `Say ${d}`, gold: String(d) };
};

/** "Say 7" → answer 7 inside <answer> tags (R1-Zero format). Held-out items come from another seed stream. */
export function copyTask(): Task {
  const stream = function* (split: string, seed: number): Generator<TaskItem> {
    const rng = new Rng(seed * 2 + (split === 'train' ? 0 : 1));
    for (let i = 0; ; i++) yield item(rng, i, split);
  };
  return {
    name: 'copy',
    description: 'test fixture: repeat the digit of the prompt',
    async items({ split, n, seed }) {
      const out: TaskItem[] = [];
      for (const it of stream(split, seed ?? 0)) {
        if (out.length >= (n ?? 16)) break;
        out.push(it);
      }
      return out;
    },
    stream: ({ split, seed }) => ({ [Symbol.iterator]: () => stream(split, seed ?? 0) }),
    prompt: (it, style) => (style === 'r1-zero' ? R1_ZERO_TEMPLATE.replace('{prompt}.', () => it.question + '.') : it.question),
    async check(it: TaskItem, completion: string): Promise<CheckResult> {
      const m = /<answer>\s*(\S*?)\s*<\/answer>/.exec(completion.slice(completion.lastIndexOf('</think>') + 1));
      const extracted = m ? m[1]! : null;
      const correct = extracted === it.gold;
      return { correct, score: correct ? 1 : 0, extracted };
    },
  };
}

/**
 * A tiny model SFT-trained on copy-task prompts whose answers are random digits: it has learned the format but
 * answers right about one time in ten — a starting point from which RL has something to find.
 */
export async function copyTaskBase(dir: string, opts: { config?: ModelConfigInput; steps?: number; seed?: number } = {}): Promise<string> {
  const task = copyTask();
  const rng = new Rng(opts.seed ?? 3);
  const items = await task.items({ split: 'train', n: 200, seed: 99 });
  const lines = items.map((it) => JSON.stringify({ prompt: task.prompt(it, 'boxed'), completion: `<think>\nsay </think> <answer> ${rng.int(0, 9)} </answer>` }));
  writeFileSync(join(dir, 'copy-sft.jsonl'), lines.join('\n') + '\n');
  const corpus = lines.map((l) => JSON.parse(l) as { prompt: string; completion: string }).map((o) => o.prompt + o.completion);
  initCheckpoint(join(dir, 'init'), { config: opts.config ?? { ...preset('tiny-dense'), maxSeqLen: 64 }, tokenizer: { corpus, vocabSize: 300 }, seed: opts.seed ?? 3 });
  const r = await trainSft({
    config: parseSftConfig({
      out: join(dir, 'sft'), model: join(dir, 'init'), data: join(dir, 'copy-sft.jsonl'), steps: opts.steps ?? 60, batchSize: 16,
      format: 'chat', heldout: 0, optim: { lr: 3e-3, warmupSteps: 5 }, checkpointEvery: 0, seed: opts.seed ?? 3,
    }),
  });
  return r.modelDir;
}
