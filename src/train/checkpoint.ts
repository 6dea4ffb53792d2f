// src/train/checkpoint.ts — resumable training checkpoints. Each is a folder in the Hugging Face layout (config.json,
// model.safetensors, tokenizer files: transformers, llama.cpp's converter and `r1 eval --model` load it as is) plus
// the trainer's own files: optimizer moments, the reference model, and state.json (step, optimizer step count, RNG
// and data positions, metrics-file lengths). A folder is written under a temporary name and renamed when complete;
// manifest.json, written last, holds each file's size and SHA-256, so a half-written or corrupted checkpoint is
// detected on load and the previous one used instead.

import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { readSafetensors, saveModelAsHf, writeSafetensors, type NamedTensor, type Transformer } from '../model/index.js';
import { saveTokenizer, writeFileAtomic, type Tokenizer } from '../tokenizer/index.js';

/** Everything a checkpoint holds besides the policy weights (read back by the trainer that wrote it). */
export interface CheckpointData {
  /** Optimizer steps completed. */
  step: number;
  /** JSON-serializable trainer state (RNG states, data position, file lengths, ...). */
  state: Record<string, unknown>;
  /** Named float arrays saved beside the model (AdamW moments, ...). */
  arrays: Record<string, Float32Array>;
  /** The reference model's weights, when the run has one. */
  reference: Transformer | null;
}

const STEP_DIR = /^step-(\d{8})$/;
const stepName = (step: number): string => `step-${String(step).padStart(8, '0')}`;

function sha256(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/** What saveCheckpoint needs to know to keep the right checkpoints. */
export interface RetentionOptions {
  /**
   * Steps of this run's checkpoints known to be intact (written by this process, or verified when resumed from):
   * retention takes them on trust instead of hashing them again. The new checkpoint's step is added.
   */
  intact?: Set<number>;
  /** Notices: a damaged or superseded checkpoint removed. */
  log?: (msg: string) => void;
}

/**
 * Writes checkpoint `step` of `model` under runDir/checkpoints, then keeps the newest `keep` intact checkpoints (the
 * new one among them) and deletes the rest. A damaged checkpoint never counts as a kept one: it is deleted. So are
 * checkpoints numbered after the new one: they are what a resumed run went back over (damaged, or the run would have
 * resumed from them). Nothing is deleted before the new checkpoint is complete.
 */
export function saveCheckpoint(runDir: string, model: Transformer, tokenizer: Tokenizer, data: CheckpointData, keep: number, opts: RetentionOptions = {}): string {
  const root = join(runDir, 'checkpoints');
  mkdirSync(root, { recursive: true });
  const final = join(root, stepName(data.step));
  const tmp = join(root, `.tmp-${stepName(data.step)}-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp);
  saveModelAsHf(tmp, model, { bosId: tokenizer.bosId, eosId: tokenizer.eosId });
  saveTokenizer(tokenizer, tmp);
  const arrays = new Map<string, NamedTensor>(Object.entries(data.arrays).map(([k, v]) => [k, { shape: [v.length], data: v }]));
  if (arrays.size > 0) writeSafetensors(join(tmp, 'trainer.safetensors'), arrays, { format: 'pt' });
  if (data.reference) writeSafetensors(join(tmp, 'reference.safetensors'), new Map([...data.reference.stateDict()].sort(([a], [b]) => (a < b ? -1 : 1))), { format: 'pt' });
  writeFileAtomic(join(tmp, 'state.json'), JSON.stringify({ step: data.step, state: data.state }, null, 1) + '\n');
  const files: Record<string, { bytes: number; sha256: string }> = {};
  for (const f of readdirSync(tmp).sort()) files[f] = { bytes: statSync(join(tmp, f)).size, sha256: sha256(join(tmp, f)) };
  writeFileAtomic(join(tmp, 'manifest.json'), JSON.stringify({ step: data.step, files }, null, 1) + '\n');
  rmSync(final, { recursive: true, force: true });
  renameSync(tmp, final);
  const intact = opts.intact ?? new Set<number>();
  intact.add(data.step);
  const log = opts.log ?? (() => {});
  let kept = 1;
  for (const s of listSteps(root).reverse()) {
    if (s === data.step) continue;
    const dir = join(root, stepName(s));
    if (s > data.step) {
      log(`removed checkpoint ${dir}: the run resumed from an earlier one and has written step ${data.step} over its history`);
      rmSync(dir, { recursive: true, force: true });
      intact.delete(s);
      continue;
    }
    if (kept < keep) {
      const problem = intact.has(s) ? null : verifyCheckpoint(dir);
      if (problem === null) {
        intact.add(s);
        kept++;
        continue;
      }
      log(`removed damaged checkpoint ${dir} (${problem})`);
    }
    rmSync(dir, { recursive: true, force: true });
    intact.delete(s);
  }
  return final;
}

function listSteps(root: string): number[] {
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .map((n) => STEP_DIR.exec(n))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);
}

/** Why a checkpoint folder is not usable, or null when every file matches its manifest. */
export function verifyCheckpoint(dir: string): string | null {
  const manifestFile = join(dir, 'manifest.json');
  if (!existsSync(manifestFile)) return 'no manifest.json (the checkpoint was not finished)';
  let manifest: { files?: Record<string, { bytes: number; sha256: string }> };
  try {
    manifest = JSON.parse(readFileSync(manifestFile, 'utf8'));
  } catch (err) {
    return `manifest.json is not valid JSON (${(err as Error).message})`;
  }
  if (!manifest.files || typeof manifest.files !== 'object') return 'manifest.json lists no files';
  for (const [name, want] of Object.entries(manifest.files)) {
    const f = join(dir, name);
    if (!existsSync(f)) return `${name} is missing`;
    const bytes = statSync(f).size;
    if (bytes !== want.bytes) return `${name} has ${bytes} bytes, the manifest says ${want.bytes}`;
    if (sha256(f) !== want.sha256) return `${name} does not match its checksum`;
  }
  return null;
}

export interface LoadedCheckpoint {
  dir: string;
  step: number;
  state: Record<string, unknown>;
  arrays: Map<string, Float32Array>;
}

/**
 * The newest intact checkpoint of a run, loaded into `model` (and `reference` when given), or null when the run has
 * no checkpoint at all. Damaged checkpoints are skipped with a message to `warn`, naming the folder and the problem;
 * when every one is damaged this throws (naming each), rather than let the run start over on top of them.
 */
export function loadLatestCheckpoint(runDir: string, model: Transformer, reference: Transformer | null, warn: (msg: string) => void): LoadedCheckpoint | null {
  const root = join(runDir, 'checkpoints');
  const steps = listSteps(root).reverse();
  const damaged: string[] = [];
  for (const [i, step] of steps.entries()) {
    const dir = join(root, stepName(step));
    const problem = verifyCheckpoint(dir);
    if (problem) {
      damaged.push(`${stepName(step)}: ${problem}`);
      if (i + 1 < steps.length) warn(`checkpoint ${dir} is damaged (${problem}); trying the one before`);
      continue;
    }
    const parsed = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as { step: number; state: Record<string, unknown> };
    model.loadStateDict(readSafetensors(join(dir, 'model.safetensors')).tensors, dir, (n) => n === 'lm_head.weight' && model.config.tieEmbeddings);
    if (reference) {
      const ref = join(dir, 'reference.safetensors');
      if (!existsSync(ref)) throw new Error(`${dir}: the run needs a reference model and the checkpoint has none (was it written with beta = 0?)`);
      reference.loadStateDict(readSafetensors(ref).tensors, ref);
    }
    const arrays = new Map<string, Float32Array>();
    const tf = join(dir, 'trainer.safetensors');
    if (existsSync(tf)) for (const [k, t] of readSafetensors(tf).tensors) arrays.set(k, t.data);
    return { dir, step: parsed.step, state: parsed.state, arrays };
  }
  if (damaged.length > 0) {
    throw new Error(`${runDir}: no intact checkpoint to resume from (${damaged.length} damaged: ${damaged.join('; ')}); use a new --out, or remove ${runDir} to start over`);
  }
  return null;
}
