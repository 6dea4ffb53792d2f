// src/train/sft/trainer.ts — supervised fine-tuning (cold start, rejection-sampling SFT, distillation) and plain-text
// pretraining of a base: next-token cross-entropy on the masked tokens only, padded batches or packed rows, AdamW with
// warmup + cosine decay to a tenth of the peak, clipping, gradient accumulation, the MTP loss (DeepSeek-V3 eq. 25) and
// MoE balancing for V3-style models, held-out loss, and resumable checkpoints in the Hugging Face layout.
// B = rows per micro-batch, T = row length, V = vocab.

import { join } from 'node:path';
import type { Backend } from '../../backend/index.js';
import { cosineWithWarmup } from '../../nn/index.js';
import { saveModelAsHf, type Transformer } from '../../model/index.js';
import { add, crossEntropy, reshape, scale, type Tensor } from '../../tensor/index.js';
import { saveTokenizer } from '../../tokenizer/index.js';
import { Rng } from '../../util/rng.js';
import { loadLatestCheckpoint, saveCheckpoint } from '../checkpoint.js';
import type { SftConfig } from '../config.js';
import { JsonlLog, type MetricsStream, type StepMetrics } from '../metrics.js';
import { openRun } from '../run.js';
import { loadSftExamples, type SftExample } from './data.js';

export interface SftRunOptions {
  config: SftConfig;
  resume?: boolean;
  signal?: AbortSignal;
  metrics?: MetricsStream;
  log?: (msg: string) => void;
  backend?: Backend;
}

export interface SftResult {
  steps: number;
  interrupted: boolean;
  modelDir: string;
  /** Held-out loss before training and after the last step (null without held-out data). */
  heldoutBefore: number | null;
  heldoutAfter: number | null;
}

export interface Batch {
  ids: Int32Array;
  targets: Int32Array;
  B: number;
  T: number;
  /** Tokens that carry loss. */
  counted: number;
}

/** Padded rows: row b is example b without its last token; targets are the next tokens where the mask is set. */
export function padBatch(examples: readonly SftExample[], padId: number): Batch {
  const T = Math.max(1, ...examples.map((e) => e.ids.length - 1));
  const B = examples.length;
  const ids = new Int32Array(B * T).fill(padId);
  const targets = new Int32Array(B * T).fill(-100);
  let counted = 0;
  examples.forEach((e, b) => {
    for (let t = 0; t + 1 < e.ids.length; t++) {
      ids[b * T + t] = e.ids[t]!;
      if (e.mask[t + 1]) (targets[b * T + t] = e.ids[t + 1]!), counted++;
    }
  });
  return { ids, targets, B, T, counted };
}

/** Whole examples packed back to back into rows of T + 1 tokens (no example is split); returns the rows used. */
export function packBatch(examples: readonly SftExample[], rows: number, T: number, padId: number): { batch: Batch; used: number } {
  const ids = new Int32Array(rows * T).fill(padId);
  const targets = new Int32Array(rows * T).fill(-100);
  let used = 0, counted = 0;
  for (let b = 0; b < rows && used < examples.length; b++) {
    let t = 0;
    while (used < examples.length) {
      const e = examples[used]!;
      const L = Math.min(e.ids.length, T + 1);
      if (t > 0 && t + L > T + 1) break;
      for (let i = 0; i < L; i++) {
        if (t + i < T) ids[b * T + t + i] = e.ids[i]!;
        if (i > 0 && e.mask[i] && t + i - 1 < T) (targets[b * T + t + i - 1] = e.ids[i]!), counted++;
      }
      t += L;
      used++;
    }
  }
  return { batch: { ids, targets, B: rows, T, counted }, used };
}

/** Mean loss of one micro-batch: main cross-entropy (+ λ·mean MTP loss, + MoE balance loss). */
function batchLoss(model: Transformer, b: Batch, mtpWeight: number): { loss: Tensor; ce: Tensor; mtp: number | null } {
  const out = model.forwardTrain(b.ids, b.B, b.T);
  const ce = crossEntropy(reshape(out.logits, [b.B * b.T, model.config.vocabSize]), b.targets); // mean over counted
  let loss = ce;
  let mtp: number | null = null;
  if (out.mtpLogits.length > 0 && mtpWeight > 0) {
    // MTP (DeepSeek-V3 §2.2): depth d predicts the token d + 2 ahead, over every in-window position of the row.
    const losses = model.mtpLosses(out, b.ids, b.B, b.T);
    let sum: Tensor | null = null;
    for (const l of losses) sum = sum ? add(sum, l) : l;
    if (sum) {
      const m = scale(sum, mtpWeight / losses.length);
      mtp = sum.item() / losses.length;
      loss = add(loss, m);
    }
  }
  if (out.aux) loss = add(loss, out.aux);
  return { loss, ce, mtp };
}

/** Mean token loss over examples (no gradient). */
function heldoutLoss(model: Transformer, examples: readonly SftExample[], batchSize: number, padId: number): number {
  const e = model.engine;
  let total = 0, n = 0;
  for (let i = 0; i < examples.length; i += batchSize) {
    e.scope(() => e.noGrad(() => {
      const b = padBatch(examples.slice(i, i + batchSize), padId);
      if (b.counted === 0) return;
      const logits = model.forward(b.ids, b.B, b.T); // (B, T, V)
      const ce = crossEntropy(reshape(logits, [b.B * b.T, model.config.vocabSize]), b.targets, { reduction: 'sum' });
      total += ce.item();
      n += b.counted;
    }));
  }
  return n > 0 ? total / n : NaN;
}

export async function trainSft(opts: SftRunOptions): Promise<SftResult> {
  const cfg = opts.config;
  const log = opts.log ?? (() => {});
  // 0. Model, tokenizer, optimizer, data (held-out: a file, or a seeded fraction of the training file).
  const run = openRun(cfg, opts.resume ?? false, opts.backend);
  const { model, tokenizer, opt } = run;
  const engine = model.engine;
  const maxLen = Math.min(model.config.maxSeqLen, (cfg.seqLen ?? model.config.maxSeqLen) + 1);
  const enc = { format: cfg.format, trainOnPrompt: cfg.trainOnPrompt, maxLen };
  const loaded = loadSftExamples(cfg.data, tokenizer, enc);
  if (loaded.truncated > 0) log(`${cfg.data}: ${loaded.truncated} examples cut to ${maxLen} tokens`);
  let train = loaded.examples;
  let heldout: SftExample[] = [];
  if (typeof cfg.heldout === 'string') heldout = loadSftExamples(cfg.heldout, tokenizer, enc).examples;
  else if (cfg.heldout > 0) {
    const order = new Rng(cfg.seed ^ 0x5f3759df).shuffle(train.map((_, i) => i));
    const nHeld = Math.min(train.length - 1, Math.max(1, Math.round(train.length * cfg.heldout)));
    const held = new Set(order.slice(0, nHeld));
    heldout = train.filter((_, i) => held.has(i));
    train = train.filter((_, i) => !held.has(i));
  }
  if (train.length === 0) throw new Error(`${cfg.data}: no training examples left (every line is held out, or has no loss tokens within ${maxLen} tokens)`);
  const padId = tokenizer.padId ?? 0;
  const o = cfg.optim;
  const lrAt = cosineWithWarmup({ maxLr: o.lr, minLr: o.lr * o.minLrRatio, warmupSteps: Math.min(o.warmupSteps, cfg.steps), totalSteps: cfg.steps });
  const metricsLog = new JsonlLog(join(cfg.out, 'metrics.jsonl'));

  // Data order: a seeded permutation per epoch; the position (epoch, index) is checkpointed.
  let epoch = 0, pos = 0, step = 0;
  let order = new Rng(cfg.seed + epoch).shuffle(train.map((_, i) => i));
  if (opts.resume) {
    const ck = loadLatestCheckpoint(cfg.out, model, null, log);
    if (ck) {
      const st = ck.state as { adamT: number; epoch: number; pos: number; metricsBytes: number };
      opt.load({ t: st.adamT, m: ck.arrays.get('adam.m')!, v: ck.arrays.get('adam.v')! }, `${ck.dir}/trainer.safetensors`);
      step = ck.step;
      epoch = st.epoch;
      pos = st.pos;
      order = new Rng(cfg.seed + epoch).shuffle(train.map((_, i) => i));
      metricsLog.truncate(st.metricsBytes);
      log(`resumed from ${ck.dir} (step ${step})`);
    } else log(`no checkpoint in ${cfg.out}: starting from step 0`);
  }
  // The next n examples without consuming them (crossing into the next epoch's order when needed).
  const peek = (n: number): SftExample[] => {
    const out: SftExample[] = [];
    let e = epoch, p = pos, ord = order;
    while (out.length < n) {
      if (p >= ord.length) {
        e++;
        p = 0;
        ord = new Rng(cfg.seed + e).shuffle(train.map((_, i) => i));
      }
      out.push(train[ord[p++]!]!);
    }
    return out;
  };
  const consume = (n: number): void => {
    for (let k = 0; k < n; k++) {
      if (pos >= order.length) {
        epoch++;
        pos = 0;
        order = new Rng(cfg.seed + epoch).shuffle(train.map((_, i) => i));
      }
      pos++;
    }
  };
  const take = (n: number): SftExample[] => {
    const out = peek(n);
    consume(n);
    return out;
  };
  const checkpoint = (): string =>
    saveCheckpoint(cfg.out, model, tokenizer, { step, state: { adamT: opt.t, epoch, pos, metricsBytes: metricsLog.bytes() }, arrays: { 'adam.m': opt.m, 'adam.v': opt.v }, reference: null }, cfg.keepCheckpoints);

  const heldoutBefore = heldout.length > 0 && step === 0 ? heldoutLoss(model, heldout, cfg.batchSize, padId) : null;
  let heldoutAfter: number | null = null;
  const t0 = performance.now();
  let interrupted = false;
  while (step < cfg.steps) {
    if (opts.signal?.aborted) {
      interrupted = true;
      break;
    }
    const tStep = performance.now();
    // 1. gradAccum micro-batches, each loss scaled so the step's gradient is their mean.
    opt.zeroGrad();
    let lossSum = 0, mtpSum = 0, mtpN = 0, tokens = 0, counted = 0;
    for (let a = 0; a < cfg.gradAccum; a++) {
      let batch: Batch;
      if (cfg.packing) {
        const T = maxLen - 1;
        const packed = packBatch(peek(cfg.batchSize * Math.max(1, Math.floor(T / 8))), cfg.batchSize, T, padId);
        consume(packed.used); // examples that did not fit stay first in line
        batch = packed.batch;
      } else batch = padBatch(take(cfg.batchSize), padId);
      if (batch.counted === 0) continue;
      engine.scope(() => {
        const { loss, ce, mtp } = batchLoss(model, batch, cfg.mtpWeight);
        const scaled = cfg.gradAccum > 1 ? scale(loss, 1 / cfg.gradAccum) : loss;
        scaled.backward();
        lossSum += ce.item();
        if (mtp !== null) (mtpSum += mtp), mtpN++;
      });
      tokens += batch.B * batch.T;
      counted += batch.counted;
    }
    // 2. Clip, step, balance experts.
    const lr = lrAt(step);
    const gradNorm = run.step(lr);
    const loads = model.updateRoutingBias();
    step++;
    // 3. Metrics, held-out loss, checkpoint.
    const m: StepMetrics = {
      step, loss: lossSum / cfg.gradAccum, mtpLoss: mtpN > 0 ? mtpSum / mtpN : null, lr, gradNorm, epoch, lossTokens: counted,
      expertLoadMaxOverMean: loads.length ? Math.max(...loads) : null,
      trainTokensPerSec: tokens / Math.max(1e-9, (performance.now() - tStep) / 1000),
      stepSeconds: (performance.now() - tStep) / 1000, wallSeconds: (performance.now() - t0) / 1000,
    };
    if (heldout.length > 0 && ((cfg.evalEvery > 0 && step % cfg.evalEvery === 0) || step === cfg.steps)) {
      m.heldoutLoss = heldoutLoss(model, heldout, cfg.batchSize, padId);
      heldoutAfter = m.heldoutLoss;
    }
    metricsLog.append(m);
    opts.metrics?.emit(m);
    if (cfg.checkpointEvery > 0 && step % cfg.checkpointEvery === 0 && step < cfg.steps) checkpoint();
    await new Promise((r) => setImmediate(r));
  }
  const last = checkpoint();
  if (interrupted) return { steps: step, interrupted, modelDir: last, heldoutBefore, heldoutAfter };
  const finalDir = join(cfg.out, 'final');
  saveModelAsHf(finalDir, model, { bosId: tokenizer.bosId, eosId: tokenizer.eosId });
  saveTokenizer(tokenizer, finalDir);
  return { steps: step, interrupted, modelDir: finalDir, heldoutBefore, heldoutAfter };
}
