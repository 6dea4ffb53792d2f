// src/train/limits.ts — sizes a trainer allocates from user numbers (batch size, accumulation, prompts per step ×
// group size, micro-batch), checked before the first allocation: a size far beyond the data present, or one whose
// buffers alone could not fit in this machine's memory, is refused with the setting to change, instead of running
// until the operating system's out-of-memory killer ends the process.

import { totalmem } from 'node:os';
import type { ModelConfig } from '../model/index.js';
import type { GrpoConfig, SftConfig } from './config.js';

/** Examples a step may take in all when the training set is smaller (a tiny set may be repeated within a step). */
export const MIN_STEP_EXAMPLES_CAP = 256;

/** Bytes this process can use at most: the machine's memory, or the container's limit when lower. */
export function memoryLimitBytes(): number {
  const total = totalmem();
  const constrained = (process as { constrainedMemory?: () => number | undefined }).constrainedMemory?.();
  // constrainedMemory() reports a huge number (or 0 / undefined) when there is no limit.
  return constrained !== undefined && constrained > 0 && constrained < total ? constrained : total;
}

const gib = (bytes: number): string => `${(bytes / 2 ** 30).toFixed(1)} GiB`;

function fits(bytes: number, what: string, fix: string, limit: number): void {
  if (bytes > limit) throw new Error(`${what} needs about ${gib(bytes)}, more than this machine's ${gib(limit)}: ${fix}`);
}

/**
 * SFT: a step's examples (batchSize × gradAccum) against the training set (at most its size, or
 * MIN_STEP_EXAMPLES_CAP for a smaller set), and a micro-batch's logits and their gradient (batchSize × T × V
 * floats, twice) against memory. `longest` is the longest training example in tokens.
 */
export function checkSftSizes(cfg: Pick<SftConfig, 'batchSize' | 'gradAccum' | 'packing'>, train: number, longest: number, maxLen: number, vocab: number, limit = memoryLimitBytes()): void {
  const perStep = cfg.batchSize * cfg.gradAccum;
  const cap = Math.max(train, MIN_STEP_EXAMPLES_CAP);
  if (perStep > cap) {
    throw new Error(
      `a step of batchSize × gradAccum = ${cfg.batchSize} × ${cfg.gradAccum} = ${perStep} examples is more than the ${train} training examples ` +
        `(at most ${cap} per step): lower --batch-size or --grad-accum`,
    );
  }
  const T = cfg.packing ? maxLen - 1 : Math.max(1, Math.min(longest, maxLen) - 1);
  fits(2 * 4 * cfg.batchSize * T * vocab, `a micro-batch of ${cfg.batchSize} rows × ${T} tokens (logits and their gradient over a vocabulary of ${vocab})`, 'lower --batch-size (raise --grad-accum to keep the step size)', limit);
}

/**
 * GRPO: a step's rollout (promptsPerStep × groupSize rows of up to the model's context: token ids, the sampler's,
 * the reference's and the policy's log-probs, at least 32 bytes a token) and a training micro-batch's logits and their
 * gradient, against memory.
 */
export function checkGrpoSizes(cfg: Pick<GrpoConfig, 'promptsPerStep' | 'groupSize' | 'minibatches' | 'microBatch' | 'maxNewTokens'>, model: Pick<ModelConfig, 'maxSeqLen' | 'vocabSize'>, limit = memoryLimitBytes()): void {
  const rows = cfg.promptsPerStep * cfg.groupSize;
  const T = Math.min(model.maxSeqLen, cfg.maxNewTokens + 1);
  fits(32 * rows * T, `a step's rollout of promptsPerStep × groupSize = ${rows} completions of up to ${T} tokens`, 'lower --prompts-per-step or --group-size (or --max-new-tokens)', limit);
  const micro = Math.min(cfg.microBatch, Math.ceil(rows / cfg.minibatches));
  fits(2 * 4 * micro * T * model.vocabSize, `a training micro-batch of ${micro} completions × ${T} tokens (logits and their gradient over a vocabulary of ${model.vocabSize})`, 'lower microBatch (a config file setting)', limit);
}
