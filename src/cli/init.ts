// src/cli/init.ts — `r1 init DIR`: a randomly initialised checkpoint to pretrain from, with an existing tokenizer
// (--tokenizer) or one trained on a corpus (--corpus). Thin: flags validated here, the work in src/train's
// initCheckpoint.

import type { Command } from 'commander';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { z } from 'zod';
import { isPresetName, parseModelConfig, preset, presetNames, type ModelConfigInput } from '../model/index.js';
import { loadTokenizer } from '../tokenizer/index.js';
import { initCheckpoint } from '../train/index.js';
import { flagErrors } from './flags.js';

export interface InitCliDeps {
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown };
  setExitCode: (code: number) => void;
}

/** 256 byte tokens + the R1 special tokens + at least one merge. */
const MIN_VOCAB = 266;

const initFlags = z.object({
  preset: z.string().min(1),
  tokenizer: z.string().min(1).optional(),
  corpus: z.string().min(1).optional(),
  vocabSize: z.coerce.number().int().min(MIN_VOCAB, `--vocab-size must be at least ${MIN_VOCAB} (256 bytes + the R1 tokens + merges)`),
  maxSeqLen: z.coerce.number().int().min(2).optional(),
  seed: z.coerce.number().int().min(0).max(0xffffffff),
});

/** The model config of --preset: a preset's name, else a model config JSON file; neither is a usage error. */
function modelConfigOf(p: string): ModelConfigInput {
  if (isPresetName(p)) return preset(p);
  if (!existsSync(p) || !statSync(p).isFile()) {
    throw new Error(`--preset ${p}: neither a preset (${presetNames.join(', ')}) nor a model config JSON file`);
  }
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(p, 'utf8'));
  } catch (err) {
    throw new Error(`--preset ${p}: not a model config JSON file (${(err as Error).message})`);
  }
  return parseModelConfig(json, p);
}

export function runInit(dir: string, raw: Record<string, unknown>, deps: InitCliDeps): void {
  try {
    const parsed = initFlags.safeParse(raw);
    if (!parsed.success) throw new Error(flagErrors(parsed.error, raw));
    const f = parsed.data;
    // Both would mean two tokenizers: one loaded, one trained. Refused rather than one silently ignored.
    if (f.tokenizer !== undefined && f.corpus !== undefined) {
      throw new Error('give --tokenizer (use an existing tokenizer) or --corpus (train one on a text file), not both');
    }
    let config = modelConfigOf(f.preset);
    if (f.maxSeqLen !== undefined) config = { ...config, maxSeqLen: f.maxSeqLen };
    let tokenizer;
    if (f.tokenizer !== undefined) tokenizer = loadTokenizer(f.tokenizer);
    else if (f.corpus !== undefined) {
      let text: string;
      try {
        text = readFileSync(f.corpus, 'utf8');
      } catch (err) {
        throw new Error(`--corpus ${f.corpus}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
      }
      tokenizer = { corpus: text.split('\n').filter((l) => l.trim() !== ''), vocabSize: f.vocabSize };
    } else throw new Error('give --tokenizer DIR_OR_FILE or --corpus FILE to train one');
    const r = initCheckpoint(dir, { config, tokenizer, seed: f.seed });
    deps.stdout.write(`r1 init: ${dir}: ${r.params.toLocaleString('en-US')} parameters, vocabulary ${r.tokenizer.vocabSize}\n`);
    // BPE stops merging when no pair of tokens repeats: a small corpus gives a smaller vocabulary than asked for.
    if (f.corpus !== undefined && r.tokenizer.vocabSize < f.vocabSize) {
      deps.stderr.write(`r1 init: notice: the tokenizer reached ${r.tokenizer.vocabSize} tokens, not --vocab-size ${f.vocabSize}: ${f.corpus} has no more repeated pairs to merge (a larger corpus gives a larger vocabulary)\n`);
    }
  } catch (err) {
    deps.stderr.write(`r1 init: ${(err as Error).message}\n`);
    deps.setExitCode(2);
  }
}

const processDeps = (): InitCliDeps => ({
  stdout: process.stdout,
  stderr: process.stderr,
  setExitCode: (c) => (process.exitCode = c),
});

export function register(program: Command, deps: InitCliDeps = processDeps()): void {
  program.command('init <dir>').description('a randomly initialised checkpoint to pretrain from')
    .option('--preset <name>', `${presetNames.filter((n) => n !== 'deepseek-v3').join(' | ')}, or a model config JSON file`, 'tiny-dense')
    .option('--tokenizer <path>', 'an existing tokenizer (folder or tokenizer.json)')
    .option('--corpus <file>', 'train a byte-level BPE tokenizer on this text file (one document per line)')
    .option('--vocab-size <n>', 'tokenizer size when training one (at most: a small corpus gives fewer)', '512')
    .option('--max-seq-len <n>', 'context length')
    .option('--seed <n>', 'initialisation seed', '0')
    .action((dir: string, o: Record<string, unknown>) => runInit(dir, o, deps));
}
