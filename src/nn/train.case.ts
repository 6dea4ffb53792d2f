// src/nn/train.case.ts — shared check that a small char-level TinyGpt trained through the engine on a backend
// lowers its loss (used by the ref and native test files).

import { Engine } from '../tensor/index.js';
import type { Backend } from '../backend/types.js';
import { Rng } from '../util/rng.js';
import { AdamW, packParameters, TinyGpt, clipGradNorm } from './index.js';
import { CHAR_TEXT, charCodec } from './charCorpus.js';

/** Trains for `steps` steps; returns the loss curve. */
export function trainCharModel(backend: Backend, steps: number, seed = 1): number[] {
  const engine = new Engine(backend);
  const codec = charCodec(CHAR_TEXT);
  const data = codec.encode(CHAR_TEXT);
  const rng = new Rng(seed);
  const B = 4;
  const T = 16;
  const model = new TinyGpt(engine, rng, { vocabSize: codec.vocab.length, blockSize: T, nLayer: 2, nHead: 2, nEmbd: 32, mlpHidden: 64 });
  const flat = packParameters(model);
  const opt = new AdamW(backend, flat, { lr: 1e-2, weightDecay: 0.01 });
  const ids = new Int32Array(B * T);
  const targets = new Int32Array(B * T);
  const losses: number[] = [];
  for (let s = 0; s < steps; s++) {
    for (let b = 0; b < B; b++) {
      const start = rng.int(0, data.length - T - 1);
      for (let t = 0; t < T; t++) {
        ids[b * T + t] = data[start + t]!;
        targets[b * T + t] = data[start + t + 1]!;
      }
    }
    const loss = engine.scope(() => {
      opt.zeroGrad();
      const l = model.loss(ids, targets, B, T);
      l.backward();
      return l.item();
    });
    opt.step(undefined, clipGradNorm(backend, flat.grads, 1).scale);
    losses.push(loss);
  }
  return losses;
}
