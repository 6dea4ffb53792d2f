// src/train/run.ts — what every trainer does around its loop: pick the backend, and prepare the run directory
// (refuse to write over an earlier run unless resuming it; record the resolved config; on resume, check that the
// config still describes the same run).

import { existsSync, mkdirSync, readFileSync, readdirSync, accessSync, constants } from 'node:fs';
import { join } from 'node:path';
import { createNativeBackend, createRefBackend, nativeAvailable, type Backend } from '../backend/index.js';
import { writeFileAtomic } from '../tokenizer/index.js';

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
  const hasRun = existsSync(cfgFile) || existsSync(join(out, 'metrics.jsonl')) || (existsSync(join(out, 'checkpoints')) && readdirSync(join(out, 'checkpoints')).length > 0);
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
