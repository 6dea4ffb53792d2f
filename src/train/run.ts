// src/train/run.ts — what every trainer does around its loop: pick the backend, and prepare the run directory
// (refuse to write over an earlier run unless resuming it; record the resolved config; on resume, check that the
// config still describes the same run).

import { existsSync, mkdirSync, readFileSync, readdirSync, accessSync, constants } from 'node:fs';
import { basename, join } from 'node:path';
import { createNativeBackend, createRefBackend, nativeAvailable, type Backend } from '../backend/index.js';
import { loadHfCheckpoint, type Transformer } from '../model/index.js';
import { AdamW, clipGradNorm, packParameters, type FlatParameters } from '../nn/index.js';
import { createEngine } from '../tensor/index.js';
import { loadTokenizer, withChatTemplateFile, writeFileAtomic, type Tokenizer } from '../tokenizer/index.js';
import type { OptimConfig } from './config.js';
import type { JsonlLog } from './metrics.js';

/** The native engine when its addon is built, else the TypeScript reference one. */
export function trainingBackend(): Backend {
  return nativeAvailable() ? createNativeBackend() : createRefBackend();
}

/** Settings a resumed run may change: its length, and how often it writes or evaluates. */
const RESUMABLE_CHANGES = new Set(['steps', 'checkpointEvery', 'keepCheckpoints', 'evalEvery', 'logSamples', 'out']);

/**
 * Creates (or reopens, on resume) the run directory and writes config.json. A fresh run refuses a directory that
 * already holds a run; a resumed one refuses a config that differs in anything but its length and logging.
 */
export function prepareRunDir(out: string, config: object, resume: boolean): void {
  mkdirSync(out, { recursive: true });
  try {
    accessSync(out, constants.W_OK);
  } catch {
    throw new Error(`${out}: the run directory is not writable`);
  }
  const cfgFile = join(out, 'config.json');
  // A run that failed before its first step (config.json only) holds nothing to lose: it may be started again.
  const hasRun = existsSync(join(out, 'metrics.jsonl')) || (existsSync(join(out, 'checkpoints')) && readdirSync(join(out, 'checkpoints')).length > 0);
  if (!resume && hasRun) throw new Error(`${out}: already holds a run; pass --resume to continue it, or choose another --out`);
  if (resume && existsSync(cfgFile)) {
    let before: Record<string, unknown>;
    try {
      before = JSON.parse(readFileSync(cfgFile, 'utf8')) as Record<string, unknown>;
    } catch (err) {
      throw new Error(`${cfgFile}: cannot read the run's config (${(err as Error).message})`);
    }
    const now = config as Record<string, unknown>;
    const changed = [...new Set([...Object.keys(before), ...Object.keys(now)])].filter((k) => !RESUMABLE_CHANGES.has(k) && JSON.stringify(before[k]) !== JSON.stringify(now[k]));
    if (changed.length > 0) throw new Error(`${out}: cannot resume with a different config (changed: ${changed.join(', ')}); only ${[...RESUMABLE_CHANGES].join(', ')} may change`);
  }
  writeFileAtomic(cfgFile, JSON.stringify(config, null, 2) + '\n');
}

/** What both trainers start from: the backend, the model and tokenizer of a checkpoint folder, and AdamW over it. */
export interface OpenedRun {
  backend: Backend;
  model: Transformer;
  /** The checkpoint's tokenizer, carrying the chat template prompts are rendered with (chatTemplateOf). */
  tokenizer: Tokenizer;
  flat: FlatParameters;
  opt: AdamW;
  /**
   * One optimizer step: clip the gradient norm (when maxGradNorm > 0), then AdamW at `lr`. A non-finite norm (a NaN
   * or infinite gradient) skips the update, leaving the weights and the optimizer state (moments, step count) as
   * they were. Returns the norm before clipping and whether the update was skipped.
   */
  step(lr: number): { gradNorm: number; skipped: boolean };
}

/** Prepares the run directory, loads the starting checkpoint and builds the optimizer. */
export function openRun(cfg: { out: string; model: string; chatTemplate?: string | undefined; optim: OptimConfig }, resume: boolean, backend: Backend = trainingBackend()): OpenedRun {
  prepareRunDir(cfg.out, cfg, resume);
  const model = loadHfCheckpoint(cfg.model, createEngine(backend)).model;
  // The checkpoint's own chat template, or --chat-template's (kept with the tokenizer, so it is saved with the model).
  const own = loadTokenizer(cfg.model);
  const tokenizer = cfg.chatTemplate !== undefined ? withChatTemplateFile(own, cfg.chatTemplate) : own;
  if (tokenizer.vocabSize > model.config.vocabSize) throw new Error(`${cfg.model}: the tokenizer has ${tokenizer.vocabSize} tokens, the model only ${model.config.vocabSize}`);
  const flat = packParameters(model);
  const o = cfg.optim;
  const opt = new AdamW(backend, flat, { lr: o.lr, beta1: o.beta1, beta2: o.beta2, weightDecay: o.weightDecay });
  return {
    backend, model, tokenizer, flat, opt,
    step(lr: number): { gradNorm: number; skipped: boolean } {
      const norm = o.maxGradNorm > 0 ? null : Math.sqrt(backend.sumSquares(flat.grads));
      const clip = norm === null ? clipGradNorm(backend, flat.grads, o.maxGradNorm) : { norm, scale: 1, finite: Number.isFinite(norm) };
      if (!clip.finite) return { gradNorm: clip.norm, skipped: true };
      opt.step(lr, clip.scale);
      return { gradNorm: clip.norm, skipped: false };
    },
  };
}

/**
 * What a resumed run with no checkpoint at all does: start over from step 0, with its logs cut back to empty (a run
 * stopped before its first checkpoint left nothing to continue from; its lines would otherwise precede the new ones).
 */
export function startOver(out: string, logs: readonly JsonlLog[]): string {
  const had = logs.filter((l) => l.bytes() > 0);
  for (const l of had) l.truncate(0);
  const names = had.map((l) => basename(l.file));
  return `no checkpoint in ${out} (the run stopped before its first one): starting over from step 0${names.length > 0 ? ` (${names.join(' and ')} ${names.length > 1 ? 'start' : 'starts'} again)` : ''}`;
}

/**
 * Lets the event loop run signal handlers (Ctrl-C) and timers before the trainer goes on. Twice: the process's first
 * turn of the event loop does not deliver a signal that arrived before it (Node 20 on Linux), the second does; a
 * trainer that only waited at the end of each step would see a Ctrl-C given during its first step a step late.
 */
export async function yieldToSignals(): Promise<void> {
  await new Promise((r) => setImmediate(r));
  await new Promise((r) => setImmediate(r));
}
