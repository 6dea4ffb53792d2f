// src/train/grpo/trainer.ts — the GRPO loop (DeepSeekMath Algorithm 1, DeepSeek-R1 §2.2.1), top to bottom: draw
// prompts → sample G completions each → rule rewards → group advantages → reference log-probs → μ passes of clipped
// policy-gradient updates with k3 KL → refresh the sampler's weights → metrics → checkpoint. Dense and MoE models.

import { join } from 'node:path';
import type { Backend } from '../../backend/index.js';
import { DecoderWeights, type ChatModel } from '../../generate/index.js';
import { NanLogitsError } from '../../generate/batch-types.js';
import { cosineWithWarmup } from '../../nn/index.js';
import { saveModelAsHf, Transformer } from '../../model/index.js';
import { saveTokenizer } from '../../tokenizer/index.js';
import type { Task } from '../../tasks/types.js';
import { Rng } from '../../util/rng.js';
import { loadLatestCheckpoint, saveCheckpoint } from '../checkpoint.js';
import { parseGrpoConfig, type GrpoConfig, type GrpoConfigInput } from '../config.js';
import { DivergenceWatch, type CheckpointRef } from '../divergence.js';
import { checkGrpoSizes } from '../limits.js';
import { rowLogProbs, surrogate, type TokenRow } from '../logprobs.js';
import { JsonlLog, MetricsStream, type StepMetrics } from '../metrics.js';
import { openRun, startOver, yieldToSignals } from '../run.js';
import { groupAdvantages } from './advantages.js';
import { heldoutAccuracy } from './heldout.js';
import { aggregationWeights, policyLoss } from './loss.js';
import { PromptStream, type PromptStreamState } from './prompts.js';
import { sampleGroups } from './groups.js';
import { buildReward, meanStd } from './rewards.js';

export interface GrpoRunOptions {
  /** A parsed config, or the settings as a config file gives them: validated (and defaults filled) either way. */
  config: GrpoConfig | GrpoConfigInput;
  /** Continue from the run directory's newest intact checkpoint. */
  resume?: boolean;
  /** Abort = stop after the current step, write a checkpoint, return `interrupted: true`. */
  signal?: AbortSignal;
  /** Step metrics as they happen (also appended to metrics.jsonl). */
  metrics?: MetricsStream;
  /** Warnings and notices (library code never prints). */
  log?: (msg: string) => void;
  backend?: Backend;
  /** Folder of benchmark data files, for benchmark tasks in the mix. */
  dataDir?: string;
  /** Tasks of the mix that are not in the registry (a library user's own), by the name the config gives them. */
  customTasks?: Readonly<Record<string, Task>>;
  /** Each checkpoint as it is written (and the one a resumed run starts from). */
  onCheckpoint?: (ck: CheckpointRef) => void;
}

export interface GrpoResult {
  /** Optimizer steps done (total, resumed ones included). */
  steps: number;
  interrupted: boolean;
  /** The trained model in Hugging Face layout (run/final), or the last checkpoint when interrupted. */
  modelDir: string;
}

/** A policy copy for the KL reference (DeepSeek-R1 §2.2.1: π_ref, refreshed to π_θ every few hundred steps). */
function cloneModel(m: Transformer): Transformer {
  const copy = new Transformer(m.engine, m.config, new Rng(0));
  copy.loadStateDict(m.stateDict(), 'policy');
  return copy;
}

/** The seed of one rollout round: a function of the run's seed and position only (so resume needs no sampler state). */
const roundSeed = (seed: number, step: number, round: number): number => (Math.imul(seed + 1, 0x9e3779b1) ^ Math.imul(step + 1, 0x85ebca6b) ^ Math.imul(round + 1, 0xc2b2ae35)) >>> 0;

export async function trainGrpo(opts: GrpoRunOptions): Promise<GrpoResult> {
  if (opts === null || typeof opts !== 'object') throw new TypeError('trainGrpo: options are required ({ config, ... })');
  const cfg = parseGrpoConfig(opts.config, 'trainGrpo: config');
  const log = opts.log ?? (() => {});
  // 0. Policy, tokenizer, optimizer, reference, schedule, prompts, rewards.
  const run = openRun(cfg, opts.resume ?? false, opts.backend);
  const { model: policy, tokenizer, opt } = run;
  checkGrpoSizes(cfg, policy.config);
  const engine = policy.engine;
  const ref = cfg.beta > 0 ? cloneModel(policy) : null;
  const o = cfg.optim;
  const updatesPerStep = cfg.mu * cfg.minibatches;
  const totalUpdates = cfg.steps * updatesPerStep;
  const lrAt = cosineWithWarmup({ maxLr: o.lr, minLr: o.lr * o.minLrRatio, warmupSteps: Math.min(o.warmupSteps, totalUpdates), totalSteps: totalUpdates });
  const stream = await PromptStream.open(cfg.tasks, cfg.seed, opts.dataDir, opts.customTasks, { allowTestSplit: cfg.allowTestSplit, log });
  const reward = buildReward(cfg.rewards, cfg.maxNewTokens);
  const metricsLog = new JsonlLog(join(cfg.out, 'metrics.jsonl'));
  const samplesLog = new JsonlLog(join(cfg.out, 'samples.jsonl'));
  const padId = tokenizer.padId ?? 0;
  // A model vocabulary padded past the tokenizer's: rollouts never sample the padding ids (generate's vocabLimit), so
  // the training log-probs leave them out of the softmax too, or π_θ / π_old would not start at 1.
  const vocabLimit = tokenizer.vocabSize < policy.config.vocabSize ? tokenizer.vocabSize : undefined;

  let step = 0;
  // Checkpoints known intact (written here, or verified on resume), and the newest of them.
  const intact = new Set<number>();
  let lastCheckpoint: CheckpointRef | null = null;
  if (opts.resume) {
    const ck = loadLatestCheckpoint(cfg.out, policy, ref, log);
    if (ck) {
      step = ck.step;
      const st = ck.state as { adamT: number; stream: PromptStreamState; metricsBytes: number; samplesBytes: number };
      opt.load({ t: st.adamT, m: ck.arrays.get('adam.m')!, v: ck.arrays.get('adam.v')! }, `${ck.dir}/trainer.safetensors`);
      stream.restore(st.stream);
      metricsLog.truncate(st.metricsBytes);
      samplesLog.truncate(st.samplesBytes);
      intact.add(step);
      lastCheckpoint = { dir: ck.dir, step };
      opts.onCheckpoint?.(lastCheckpoint);
      log(`resumed from ${ck.dir} (step ${step})`);
    } else log(startOver(cfg.out, [metricsLog, samplesLog]));
  }
  const weights = DecoderWeights.supports(policy) ? new DecoderWeights(policy) : undefined;
  // Rollouts keep an f32 KV cache: GRPO's ratio starts from the sampler's log-probs, which must match the training
  // forward's within 1e-4 (an f16 cache is off by up to ~4e-4: src/train/logprobs.test.ts).
  const cm: ChatModel = { model: policy, tokenizer, kvDtype: 'f32', ...(weights ? { weights } : {}) };
  const checkpoint = (): string => {
    const dir = saveCheckpoint(cfg.out, policy, tokenizer, {
      step,
      state: { adamT: opt.t, stream: stream.state(), metricsBytes: metricsLog.bytes(), samplesBytes: samplesLog.bytes() },
      arrays: { 'adam.m': opt.m, 'adam.v': opt.v },
      reference: ref,
    }, cfg.keepCheckpoints, { intact, log });
    lastCheckpoint = { dir, step };
    opts.onCheckpoint?.(lastCheckpoint);
    return dir;
  };
  const watch = new DivergenceWatch();
  // Between two waits on the event loop a step runs one rollout decode step, one reference chunk or one training
  // micro-batch: a signal handler runs within that, not after the whole step.
  const breathe = (): Promise<unknown> => new Promise((r) => setImmediate(r));

  const t0 = performance.now();
  let interrupted = false;
  await yieldToSignals();
  while (step < cfg.steps) {
    if (opts.signal?.aborted) {
      interrupted = true;
      break;
    }
    const tStep = performance.now();
    // 1-2. Rollout (G samples per prompt) and rule rewards, refilling flat groups under dynamic sampling.
    let sampled;
    try {
      sampled = await sampleGroups(cm, stream, reward, cfg, (round) => roundSeed(cfg.seed, step, round));
    } catch (err) {
      // The policy's weights hold NaN or Infinity: the run has diverged (an update made them so).
      if (!(err instanceof NanLogitsError)) throw err;
      await stream.close();
      watch.record(step + 1, NaN, 0);
      throw watch.error(cfg.out, step + 1, lastCheckpoint, 'the policy produced NaN logits when sampling');
    }
    const { groups, zeroVarGroups, groupsSeen, rolloutTokens, rolloutSeconds, rewardSeconds, rounds } = sampled;
    const samples = groups.flatMap((g) => g.samples);
    const totals = groups.flatMap((g) => g.totals);
    // 3. Group-relative advantages (DeepSeek-R1 eq. 3).
    const { advantages } = groupAdvantages(totals, cfg.groupSize, cfg.advantage);
    const rows: TokenRow[] = samples.map((s) => ({ prompt: s.promptIds, completion: s.tokens }));
    // 4. Reference log-probs (no gradient), once per rollout.
    const tRef = performance.now();
    const refLp: Float64Array[] = [];
    if (ref) {
      for (let i = 0; i < rows.length; i += cfg.microBatch) {
        engine.scope(() => engine.noGrad(() => {
          const chunk = rows.slice(i, i + cfg.microBatch);
          const r = rowLogProbs(ref, chunk, cfg.temperature, { train: false, padId, vocabLimit });
          splitPerRow(r.lp.data, r.at, chunk).forEach((x) => refLp.push(x));
        }));
        await breathe();
      }
    }
    const refSeconds = (performance.now() - tRef) / 1000;
    // 5. μ passes over the rollout, each split into minibatches of whole groups; one optimizer step per minibatch.
    const tTrain = performance.now();
    let processed = 0, lossSum = 0, klSum = 0, clipLowSum = 0, clipHighSum = 0, entropySum = 0, entropyN = 0, gradNorm = 0, lr = 0, trainTokens = 0, updates = 0, skippedUpdates = 0;
    const nGroups = groups.length;
    const nMb = Math.min(cfg.minibatches, nGroups);
    const onPolicy = cfg.mu * nMb === 1;
    for (let epoch = 0; epoch < cfg.mu; epoch++) {
      for (let mb = 0; mb < nMb; mb++) {
        const g0 = Math.floor((mb * nGroups) / nMb), g1 = Math.floor(((mb + 1) * nGroups) / nMb);
        const seqIdx = Array.from({ length: (g1 - g0) * cfg.groupSize }, (_, k) => g0 * cfg.groupSize + k);
        // Aggregation weights over the whole minibatch (micro-batches only split the forward).
        const seqOf: number[] = [];
        const mask: number[] = [];
        seqIdx.forEach((s, k) => {
          for (let t = 0; t < rows[s]!.completion.length; t++) {
            seqOf.push(k);
            mask.push(cfg.maskTruncated && samples[s]!.truncated ? 0 : 1);
          }
        });
        const w = aggregationWeights(seqOf, seqIdx.length, cfg.aggregation, cfg.maxNewTokens, mask);
        opt.zeroGrad();
        let wOff = 0;
        for (let m = 0; m < seqIdx.length; m += cfg.microBatch) {
          const ids = seqIdx.slice(m, m + cfg.microBatch);
          const chunk = ids.map((s) => rows[s]!);
          const n = chunk.reduce((a, r) => a + r.completion.length, 0);
          engine.scope(() => {
            const r = rowLogProbs(policy, chunk, cfg.temperature, { train: true, entropy: epoch === 0, padId, vocabLimit });
            const lpAll = r.lp.data;
            const lp = new Float64Array(n), old = new Float64Array(n), refT = ref ? new Float64Array(n) : null, adv = new Float64Array(n), seq = new Int32Array(n);
            let k = 0;
            ids.forEach((s, j) => {
              for (let t = 0; t < rows[s]!.completion.length; t++, k++) {
                lp[k] = lpAll[r.at[k]!]!;
                // One update per rollout: π_old is the current policy (ratio exactly 1, its gradient is not 0).
                // Several (μ > 1, or more than one minibatch): every update after the first is off-policy, so π_old
                // is the sampler's log-probs, fixed for every update (equal to the training forward's within 1e-4:
                // a test) and the ratio clips and weighs.
                old[k] = onPolicy ? lp[k]! : samples[s]!.logprobs[t]!;
                if (refT) refT[k] = refLp[s]![t]!;
                adv[k] = advantages[s]!;
                seq[k] = j;
              }
            });
            const pl = policyLoss({
              logprobs: lp, oldLogprobs: old, refLogprobs: refT, advantages: adv, seqOf: seq, seqLengths: chunk.map((c) => c.completion.length),
              epsLow: cfg.epsLow, epsHigh: cfg.epsHigh, beta: cfg.beta, aggregation: cfg.aggregation, maxLength: cfg.maxNewTokens, importanceSampling: cfg.importanceSampling,
              weights: w.subarray(wOff, wOff + n),
            });
            const coef = new Float32Array(lpAll.length);
            for (let q = 0; q < n; q++) coef[r.at[q]!] = pl.grad[q]!;
            surrogate(r.lp, coef, r.aux).backward();
            lossSum += pl.loss;
            processed += n;
            // Token-weighted means across micro-batches.
            klSum += pl.kl * n;
            clipLowSum += pl.clipLow * n;
            clipHighSum += pl.clipHigh * n;
            if (r.entropy) for (const e of r.entropy) (entropySum += e), entropyN++;
          });
          wOff += n;
          trainTokens += chunk.reduce((a, c) => a + c.prompt.length + c.completion.length, 0);
          await breathe();
        }
        // 6. Clip, step, balance the experts, and refresh what the sampler reads (never a stale policy).
        lr = lrAt(step * updatesPerStep + updates);
        const update = run.step(lr);
        gradNorm = update.gradNorm;
        if (update.skipped) {
          skippedUpdates++;
          log(`step ${step + 1}, update ${updates + 1}: the gradient norm is ${gradNorm}; update skipped (weights and optimizer state unchanged)`);
        }
        updates++;
      }
    }
    const loadRatios = policy.updateRoutingBias();
    weights?.refresh();
    const trainSeconds = (performance.now() - tTrain) / 1000;
    step++;
    // 7. Reference refresh (DeepSeek-R1: every 400 steps).
    if (ref && cfg.refSyncSteps > 0 && step % cfg.refSyncSteps === 0) ref.loadStateDict(policy.stateDict(), 'policy');

    // 8. Metrics.
    const lengths = samples.map((s) => s.tokens.length);
    const m: StepMetrics = {
      step,
      reward: meanStd(totals)!.mean,
      rewardStd: meanStd(totals)!.std,
      ...componentMetrics(groups.map((g) => g.components)),
      kl: ref ? klSum / Math.max(1, processed) : null,
      clipLow: clipLowSum / Math.max(1, processed),
      clipHigh: clipHighSum / Math.max(1, processed),
      entropy: entropyN > 0 ? entropySum / entropyN : null,
      loss: lossSum / Math.max(1, updates),
      gradNorm,
      skippedUpdates,
      lr,
      lengthMean: lengths.reduce((a, b) => a + b, 0) / lengths.length,
      lengthMax: Math.max(...lengths),
      truncatedRate: samples.filter((s) => s.truncated).length / samples.length,
      zeroVarianceGroups: zeroVarGroups / groupsSeen,
      groups: groups.length,
      rolloutRounds: rounds,
      expertLoadMaxOverMean: loadRatios.length ? Math.max(...loadRatios) : null,
      rolloutTokensPerSec: rolloutTokens / Math.max(1e-9, rolloutSeconds),
      trainTokensPerSec: trainTokens / Math.max(1e-9, trainSeconds),
      rolloutSeconds, rewardSeconds, refSeconds, trainSeconds,
      stepSeconds: (performance.now() - tStep) / 1000,
      wallSeconds: (performance.now() - t0) / 1000,
    };
    if (cfg.evalEvery > 0 && (step % cfg.evalEvery === 0 || step === cfg.steps)) {
      m.heldoutAccuracy = await heldoutAccuracy(cm, stream.tasks, { items: cfg.evalItems, style: cfg.promptStyle, maxNewTokens: cfg.maxNewTokens, seed: cfg.seed });
    }
    metricsLog.append(m);
    for (let i = 0; i < Math.min(cfg.logSamples, samples.length); i++) {
      const s = samples[Math.floor((i * samples.length) / Math.min(cfg.logSamples, samples.length))]!;
      const k = samples.indexOf(s);
      samplesLog.append({ step, task: s.draw.task.name, item: s.draw.item.id, gold: s.draw.item.gold, completion: s.text, reward: totals[k], advantage: advantages[k], tokens: s.tokens.length, truncated: s.truncated });
    }
    opts.metrics?.emit(m);
    // 9. Checkpoint (not a bad step's weights; several bad steps in a row stop the run).
    watch.record(step, m.loss!, skippedUpdates);
    if (watch.tripped) {
      await stream.close();
      throw watch.error(cfg.out, step, lastCheckpoint);
    }
    if (watch.healthy && cfg.checkpointEvery > 0 && step % cfg.checkpointEvery === 0 && step < cfg.steps) checkpoint();
    // Let signal handlers and timers run between steps.
    await breathe();
  }
  await stream.close();
  if (!watch.healthy) throw watch.error(cfg.out, step, lastCheckpoint);
  const last = checkpoint();
  if (interrupted) return { steps: step, interrupted, modelDir: last };
  const finalDir = join(cfg.out, 'final');
  saveModelAsHf(finalDir, policy, { bosId: tokenizer.bosId, eosId: tokenizer.eosId });
  saveTokenizer(tokenizer, finalDir);
  return { steps: step, interrupted, modelDir: finalDir };
}

/** Splits flat per-position values into one array per row, in completion order. */
function splitPerRow(values: Float32Array, at: Int32Array, rows: readonly TokenRow[]): Float64Array[] {
  const out: Float64Array[] = [];
  let k = 0;
  for (const r of rows) {
    const a = new Float64Array(r.completion.length);
    for (let t = 0; t < a.length; t++) a[t] = values[at[k++]!]!;
    out.push(a);
  }
  return out;
}

/** Mean and std of every reward component (as `reward/NAME` and `reward/NAME/std`), plus accuracy and format rate. */
function componentMetrics(groups: readonly Record<string, (number | null)[]>[]): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  const names = Object.keys(groups[0] ?? {});
  for (const name of names) {
    const ms = meanStd(groups.flatMap((g) => g[name]!));
    out[`reward/${name}`] = ms?.mean ?? null;
    out[`reward/${name}/std`] = ms?.std ?? null;
  }
  out.accuracy = out['reward/accuracy'] ?? null;
  out.formatRate = out['reward/format'] ?? out['reward/format-chat'] ?? null;
  return out;
}
