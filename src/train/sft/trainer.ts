// src/train/sft/trainer.ts — supervised fine-tuning (cold start, rejection-sampling SFT, distillation) and plain-text
// pretraining of a base: next-token cross-entropy on the masked tokens only, padded batches or packed rows, AdamW with
// warmup + cosine decay to a tenth of the peak, clipping, gradient accumulation, the MTP loss (DeepSeek-V3 eq. 25) and
// MoE balancing for V3-style models, held-out loss, and resumable checkpoints in the Hugging Face layout.
// B = rows per micro-batch, T = row length, V = vocab.

import { join } from 'node:path';
import type { Backend } from '../../backend/index.js';
import { cosineWithWarmup } from '../../nn/index.js';
import { saveModelAsHf, type Transformer } from '../../model/index.js';
import { add, crossEntropy, reshape, scale } from '../../tensor/index.js';
import { saveTokenizer } from '../../tokenizer/index.js';
import { Rng } from '../../util/rng.js';
import { loadLatestCheckpoint, saveCheckpoint } from '../checkpoint.js';
import { parseSftConfig, type SftConfig, type SftConfigInput } from '../config.js';
import { DivergenceWatch, type CheckpointRef } from '../divergence.js';
import { checkSftSizes } from '../limits.js';
import { JsonlLog, type MetricsStream, type StepMetrics } from '../metrics.js';
import { openRun, startOver, yieldToSignals } from '../run.js';
import { loadSftExamples, type SftExample } from './data.js';

export interface SftRunOptions {
  /** A parsed config, or the settings as a config file gives them: validated (and defaults filled) either way. */
  config: SftConfig | SftConfigInput;
  resume?: boolean;
  signal?: AbortSignal;
  metrics?: MetricsStream;
  log?: (msg: string) => void;
  backend?: Backend;
  /** Each checkpoint as it is written (and the one a resumed run starts from). */
  onCheckpoint?: (ck: CheckpointRef) => void;
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

/** Tokens each MTP depth predicts with loss in a batch: depth d at position i scores position i + d + 1's target. */
function mtpTokenCounts(b: Batch, depths: number): number[] {
  return Array.from({ length: depths }, (_, d) => {
    let n = 0;
    for (let r = 0; r < b.B; r++) for (let j = d + 1; j < b.T; j++) if (b.targets[r * b.T + j] !== -100) n++;
    return n;
  });
}

/** What one optimizer step's micro-batches gave, for its metrics. */
export interface AccumulatedLoss {
  /** Cross-entropy summed over the step's loss tokens. */
  ceSum: number;
  /** The step's loss tokens. */
  counted: number;
  /** Mean over MTP depths of each depth's token-mean loss over the step; null without MTP. */
  mtpLoss: number | null;
}

/**
 * Forward and backward of one optimizer step's micro-batches, each loss scaled so that the summed gradient is that
 * of one batch of all their rows (as transformers >= 4.46 normalizes by the step's loss tokens): the cross-entropy
 * is summed over tokens and divided by the step's loss tokens, so a token weighs the same in a short micro-batch as
 * in a long one; each MTP depth (DeepSeek-V3 eq. 25, λ times the mean over depths) likewise by the step's tokens it
 * predicts; the MoE balance loss (a mean over sequences) by the micro-batch's share of the rows. Micro-batches
 * without loss tokens are skipped and count nowhere.
 */
export function accumulateGradients(model: Transformer, batches: readonly Batch[], mtpWeight: number): AccumulatedLoss {
  const e = model.engine;
  const live = batches.filter((b) => b.counted > 0);
  const depths = mtpWeight > 0 ? model.config.mtpDepth : 0;
  const counted = live.reduce((a, b) => a + b.counted, 0);
  const rows = live.reduce((a, b) => a + b.B, 0);
  const mtpTokens = new Array<number>(depths).fill(0);
  for (const b of live) mtpTokenCounts(b, depths).forEach((n, d) => (mtpTokens[d]! += n));
  const mtpDepths = mtpTokens.filter((n) => n > 0).length;
  const mtpSums = new Array<number>(depths).fill(0);
  let ceSum = 0;
  for (const b of live) {
    e.scope(() => {
      const out = model.forwardTrain(b.ids, b.B, b.T);
      const ce = crossEntropy(reshape(out.logits, [b.B * b.T, model.config.vocabSize]), b.targets, { reduction: 'sum' });
      ceSum += ce.item();
      let loss = scale(ce, 1 / counted);
      if (depths > 0) {
        model.mtpLosses(out, b.targets, b.B, b.T, 'sum').forEach((l, d) => {
          if (!(mtpTokens[d]! > 0)) return;
          mtpSums[d]! += l.item();
          loss = add(loss, scale(l, mtpWeight / (mtpDepths * mtpTokens[d]!)));
        });
      }
      if (out.aux) loss = add(loss, scale(out.aux, b.B / rows));
      loss.backward();
    });
  }
  const mtpLoss = mtpDepths > 0 ? mtpSums.reduce((a, x, d) => a + (mtpTokens[d]! > 0 ? x / mtpTokens[d]! : 0), 0) / mtpDepths : null;
  return { ceSum, counted, mtpLoss };
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
  if (opts === null || typeof opts !== 'object') throw new TypeError('trainSft: options are required ({ config, ... })');
  const cfg = parseSftConfig(opts.config, 'trainSft: config');
  const log = opts.log ?? (() => {});
  // 0. Model, tokenizer, optimizer, data (held-out: a file, or a seeded fraction of the training file).
  const run = openRun(cfg, opts.resume ?? false, opts.backend);
  const { model, tokenizer, opt } = run;
  const maxLen = Math.min(model.config.maxSeqLen, (cfg.seqLen ?? model.config.maxSeqLen) + 1);
  const enc = { format: cfg.format, trainOnPrompt: cfg.trainOnPrompt, maxLen, long: cfg.longExamples };
  const loaded = loadSftExamples(cfg.data, tokenizer, enc);
  if (loaded.truncated > 0) log(`${cfg.data}: ${loaded.truncated} examples cut to ${maxLen} tokens`);
  if (loaded.dropped > 0) log(`${cfg.data}: ${loaded.dropped} examples longer than ${maxLen} tokens left out`);
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
  if (train.length === 0) throw new Error(`${cfg.data}: no training examples left (every line is held out, ${loaded.dropped > 0 ? `${loaded.dropped} longer than ${maxLen} tokens were left out, ` : ''}or has no loss tokens within ${maxLen} tokens)`);
  checkSftSizes(cfg, train.length, train.reduce((m, e) => Math.max(m, e.ids.length), 0), maxLen, model.config.vocabSize);
  const padId = tokenizer.padId ?? 0;
  const o = cfg.optim;
  const lrAt = cosineWithWarmup({ maxLr: o.lr, minLr: o.lr * o.minLrRatio, warmupSteps: Math.min(o.warmupSteps, cfg.steps), totalSteps: cfg.steps });
  const metricsLog = new JsonlLog(join(cfg.out, 'metrics.jsonl'));

  // Data order: a seeded permutation per epoch; the position (epoch, index) is checkpointed.
  let epoch = 0, pos = 0, step = 0;
  let order = new Rng(cfg.seed + epoch).shuffle(train.map((_, i) => i));
  // Checkpoints known intact (written here, or verified on resume), and the newest of them.
  const intact = new Set<number>();
  let lastCheckpoint: CheckpointRef | null = null;
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
      intact.add(step);
      lastCheckpoint = { dir: ck.dir, step };
      opts.onCheckpoint?.(lastCheckpoint);
      log(`resumed from ${ck.dir} (step ${step})`);
    } else log(startOver(cfg.out, [metricsLog]));
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
  const checkpoint = (): string => {
    const dir = saveCheckpoint(cfg.out, model, tokenizer, { step, state: { adamT: opt.t, epoch, pos, metricsBytes: metricsLog.bytes() }, arrays: { 'adam.m': opt.m, 'adam.v': opt.v }, reference: null }, cfg.keepCheckpoints, { intact, log });
    lastCheckpoint = { dir, step };
    opts.onCheckpoint?.(lastCheckpoint);
    return dir;
  };
  const watch = new DivergenceWatch();

  const heldoutBefore = heldout.length > 0 && step === 0 ? heldoutLoss(model, heldout, cfg.batchSize, padId) : null;
  let heldoutAfter: number | null = null;
  const t0 = performance.now();
  let interrupted = false;
  await yieldToSignals();
  while (step < cfg.steps) {
    if (opts.signal?.aborted) {
      interrupted = true;
      break;
    }
    const tStep = performance.now();
    // 1. gradAccum micro-batches, weighted as one batch of all their rows (normalized by the step's loss tokens).
    opt.zeroGrad();
    const batches: Batch[] = [];
    for (let a = 0; a < cfg.gradAccum; a++) {
      if (cfg.packing) {
        const T = maxLen - 1;
        const packed = packBatch(peek(cfg.batchSize * Math.max(1, Math.floor(T / 8))), cfg.batchSize, T, padId);
        consume(packed.used); // examples that did not fit stay first in line
        batches.push(packed.batch);
      } else batches.push(padBatch(take(cfg.batchSize), padId));
    }
    const acc = accumulateGradients(model, batches, cfg.mtpWeight);
    const tokens = batches.reduce((a, b) => a + (b.counted > 0 ? b.B * b.T : 0), 0);
    // 2. Clip, step, balance experts.
    const lr = lrAt(step);
    const { gradNorm, skipped } = run.step(lr);
    if (skipped) log(`step ${step + 1}: the gradient norm is ${gradNorm}; update skipped (weights and optimizer state unchanged)`);
    const loads = model.updateRoutingBias();
    step++;
    // 3. Metrics, held-out loss, checkpoint.
    const m: StepMetrics = {
      step, loss: acc.counted > 0 ? acc.ceSum / acc.counted : 0, mtpLoss: acc.mtpLoss, lr, gradNorm, skippedUpdates: skipped ? 1 : 0, epoch, lossTokens: acc.counted,
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
    // A bad step's weights are not checkpointed; several in a row stop the run.
    watch.record(step, m.loss!, m.skippedUpdates!);
    if (watch.tripped) throw watch.error(cfg.out, step, lastCheckpoint);
    if (watch.healthy && cfg.checkpointEvery > 0 && step % cfg.checkpointEvery === 0 && step < cfg.steps) checkpoint();
    await new Promise((r) => setImmediate(r));
  }
  if (!watch.healthy) throw watch.error(cfg.out, step, lastCheckpoint);
  const last = checkpoint();
  if (interrupted) return { steps: step, interrupted, modelDir: last, heldoutBefore, heldoutAfter };
  const finalDir = join(cfg.out, 'final');
  saveModelAsHf(finalDir, model, { bosId: tokenizer.bosId, eosId: tokenizer.eosId });
  saveTokenizer(tokenizer, finalDir);
  return { steps: step, interrupted, modelDir: finalDir, heldoutBefore, heldoutAfter };
}
