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

/** Writes checkpoint `step` of `model` under runDir/checkpoints and deletes all but the newest `keep`. */
export function saveCheckpoint(runDir: string, model: Transformer, tokenizer: Tokenizer, data: CheckpointData, keep: number): string {
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
  const steps = listSteps(root);
  for (const s of steps.slice(0, Math.max(0, steps.length - keep))) rmSync(join(root, stepName(s)), { recursive: true, force: true });
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
 * none. Damaged checkpoints are skipped with a message to `warn`, naming the folder and the problem.
 */
export function loadLatestCheckpoint(runDir: string, model: Transformer, reference: Transformer | null, warn: (msg: string) => void): LoadedCheckpoint | null {
  const root = join(runDir, 'checkpoints');
  for (const step of listSteps(root).reverse()) {
    const dir = join(root, stepName(step));
    const problem = verifyCheckpoint(dir);
    if (problem) {
      warn(`checkpoint ${dir} is damaged (${problem}); trying the one before`);
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
  return null;
}
