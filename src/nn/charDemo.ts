// src/nn/charDemo.ts — a tiny char-level TinyGpt trained on the built-in text: the `r1 demo` job, the loss-falls
// tests of both backends, and a quick smoke test of the whole engine (forward, backward, AdamW, clipping, schedule).

import { Engine, softmax, type Tensor } from '../tensor/index.js';
import type { Backend } from '../contract/kernels.js';
import { Rng } from '../util/rng.js';
import { AdamW, clipGradNorm, cosineWithWarmup, packParameters, TinyGpt } from './index.js';
import { CHAR_TEXT, charCodec, type CharCodec } from './charCorpus.js';

export interface CharDemoOptions {
  steps: number;
  seed?: number;
  batch?: number;
  seq?: number;
  /** Called after every step (library code never prints). */
  onStep?: (step: number, loss: number, lr: number) => void;
}

export interface CharDemoResult {
  losses: number[];
  model: TinyGpt;
  codec: CharCodec;
  engine: Engine;
}

export function trainCharModel(backend: Backend, opts: CharDemoOptions): CharDemoResult {
  const engine = new Engine(backend);
  const codec = charCodec(CHAR_TEXT);
  const data = codec.encode(CHAR_TEXT);
  const rng = new Rng(opts.seed ?? 1);
  const B = opts.batch ?? 4;
  const T = opts.seq ?? 16;
  const model = new TinyGpt(engine, rng, { vocabSize: codec.vocab.length, blockSize: T, nLayer: 2, nHead: 2, nEmbd: 32, mlpHidden: 64 });
  const flat = packParameters(model);
  const opt = new AdamW(backend, flat, { lr: 1e-2, weightDecay: 0.01 });
  const lrAt = cosineWithWarmup({ maxLr: 1e-2, minLr: 1e-3, warmupSteps: Math.min(5, opts.steps), totalSteps: Math.max(opts.steps, 1) });
  const ids = new Int32Array(B * T);
  const targets = new Int32Array(B * T);
  const losses: number[] = [];
  for (let s = 0; s < opts.steps; s++) {
    // 1. sample a batch of windows; targets are the next characters
    for (let b = 0; b < B; b++) {
      const start = rng.int(0, data.length - T - 1);
      for (let t = 0; t < T; t++) {
        ids[b * T + t] = data[start + t]!;
        targets[b * T + t] = data[start + t + 1]!;
      }
    }
    // 2. forward + backward inside a scope (everything but the parameters is freed after)
    const loss = engine.scope(() => {
      opt.zeroGrad();
      const l = model.loss(ids, targets, B, T);
      l.backward();
      return l.item();
    });
    // 3. clip and step
    const lr = lrAt(s);
    const clip = clipGradNorm(backend, flat.grads, 1);
    if (clip.finite) opt.step(lr, clip.scale);
    losses.push(loss);
    opts.onStep?.(s, loss, lr);
  }
  return { losses, model, codec, engine };
}

/** Samples n characters after `prompt` (temperature sampling, seeded). */
export function sampleText(res: CharDemoResult, prompt: string, n: number, rng: Rng, temperature = 0.8): string {
  const { model, codec, engine } = res;
  const T = model.config.blockSize;
  const ids = Array.from(codec.encode(prompt));
  for (let i = 0; i < n; i++) {
    const ctx = Int32Array.from(ids.slice(-T));
    const next = engine.noGrad(() =>
      engine.scope(() => {
        const logits: Tensor = model.forward(ctx, 1, ctx.length); // (1, t, V)
        const V = codec.vocab.length;
        const last = engine.tensor(logits.data.subarray((ctx.length - 1) * V), [V]);
        const scaled = engine.tensor(Array.from(last.data, (v) => v / temperature), [V]);
        const p = softmax(scaled).data;
        let u = rng.next();
        for (let j = 0; j < V; j++) {
          u -= p[j]!;
          if (u <= 0) return j;
        }
        return V - 1;
      }),
    );
    ids.push(next);
  }
  return codec.decode(ids.slice(prompt.length));
}
