// src/eval/local-source.ts — the contract for evaluating a local checkpoint: a LocalSourceFactory builds a
// SampleSource from a checkpoint path (local-model.ts implements it on src/generate). Callers that are handed no
// factory fail with a clear error instead of pretending.

import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import type { SampleSource } from './types.js';

/** The model name a local checkpoint is reported under (results, run.json, the default output folder). */
export function localModelName(checkpoint: string): string {
  return basename(resolve(checkpoint)) || 'local-model';
}

/** Bytes read from each end of a weights file for its fingerprint. */
const FINGERPRINT_EDGE = 1 << 20;

/**
 * A fingerprint of a checkpoint's weights (run.json keeps it, so that a resumed evaluation never mixes samples of
 * different weights under one folder name): every weights file's name and size and a SHA-256 of its first and last
 * MiB, without reading gigabytes. Null when there are no weights files to read.
 */
export function weightsFingerprint(checkpoint: string): string | null {
  const path = resolve(checkpoint);
  let files: string[];
  try {
    files = statSync(path).isDirectory()
      ? readdirSync(path).filter((f) => /\.(safetensors|gguf|bin)$/.test(f)).sort().map((f) => join(path, f))
      : [path];
  } catch {
    return null;
  }
  if (files.length === 0) return null;
  const h = createHash('sha256');
  const buf = Buffer.alloc(FINGERPRINT_EDGE);
  for (const f of files) {
    const fd = openSync(f, 'r');
    try {
      const size = fstatSync(fd).size;
      h.update(`${basename(f)}\0${size}\0`);
      h.update(buf.subarray(0, readSync(fd, buf, 0, Math.min(FINGERPRINT_EDGE, size), 0)));
      if (size > FINGERPRINT_EDGE) h.update(buf.subarray(0, readSync(fd, buf, 0, FINGERPRINT_EDGE, Math.max(FINGERPRINT_EDGE, size - FINGERPRINT_EDGE))));
    } finally {
      closeSync(fd);
    }
  }
  return `sha256:${h.digest('hex').slice(0, 16)}`;
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
