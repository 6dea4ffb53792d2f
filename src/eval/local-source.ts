// src/eval/local-source.ts — the contract for evaluating a local checkpoint: a LocalSourceFactory builds a
// SampleSource from a checkpoint path (local-model.ts implements it on src/generate). Callers that are handed no
// factory fail with a clear error instead of pretending.

import { basename, resolve } from 'node:path';
import type { SampleSource } from './types.js';

/** The model name a local checkpoint is reported under (results, run.json, the default output folder). */
export function localModelName(checkpoint: string): string {
  return basename(resolve(checkpoint)) || 'local-model';
}

/** What a local-model source needs to start. */
export interface LocalSourceOptions {
  /** Checkpoint path (directory or file) as given to `r1 eval --model`. */
  checkpoint: string;
  /** Base seed; the source must sample completion j of a prompt with seed + j (see SampleOptions.seed). */
  seed: number;
  /** KV-cache storage for generation (default 'f32'). */
  kvDtype?: 'f32' | 'f16';
  /** A Jinja chat template file to prompt with instead of the checkpoint's own (`--chat-template`). */
  chatTemplate?: string;
}

/**
 * Builds a SampleSource backed by the local model: load the checkpoint and tokenizer, render each prompt with the
 * checkpoint's chat template (or `chatTemplate`), generate with the native engine (batched, KV-cached) and split reasoning from answer.
 * `label` should name the checkpoint and `model` a stable name for run.json (e.g. the checkpoint's basename).
 */
export type LocalSourceFactory = (opts: LocalSourceOptions) => Promise<SampleSource>;

export const LOCAL_MODEL_UNAVAILABLE = 'local-model evaluation needs the generation engine (not yet available)';

/** The factory to use, or a clear error when none has been wired in yet. */
export function requireLocalSource(factory: LocalSourceFactory | undefined): LocalSourceFactory {
  if (!factory) throw new Error(`${LOCAL_MODEL_UNAVAILABLE}; evaluate an OpenAI-compatible server with --endpoint <url> --api-model <name> instead`);
  return factory;
}
