// src/train/init.ts — a new, randomly initialised checkpoint to train from: a model config (a preset or a config
// file) sized to a tokenizer (an existing tokenizer.json, or byte-level BPE trained on a corpus) — the starting point
// of pretraining a base model.

import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { createRefBackend } from '../backend/index.js';
import { parseModelConfig, saveModelAsHf, Transformer, type ModelConfigInput } from '../model/index.js';
import { createEngine } from '../tensor/index.js';
import { saveTokenizer, trainTokenizer, type Tokenizer } from '../tokenizer/index.js';
import { Rng } from '../util/rng.js';

export interface InitOptions {
  /** Model config (vocabSize is replaced by the tokenizer's size unless `keepVocab`). */
  config: ModelConfigInput;
  /** A tokenizer, or texts to train a byte-level BPE tokenizer of `vocabSize` tokens on. */
  tokenizer: Tokenizer | { corpus: Iterable<string>; vocabSize: number; pattern?: string };
  seed: number;
}

/** Writes config.json, model.safetensors and the tokenizer files to `dir` (which must be empty or absent). */
export function initCheckpoint(dir: string, opts: InitOptions): { tokenizer: Tokenizer; params: number } {
  if (existsSync(dir) && readdirSync(dir).length > 0) throw new Error(`${dir}: not empty; choose a new folder for the checkpoint`);
  mkdirSync(dir, { recursive: true });
  const tok = 'corpus' in opts.tokenizer ? trainTokenizer(opts.tokenizer.corpus, { vocabSize: opts.tokenizer.vocabSize, ...(opts.tokenizer.pattern ? { pattern: opts.tokenizer.pattern } : {}) }) : opts.tokenizer;
  const config = parseModelConfig({ ...opts.config, vocabSize: tok.vocabSize }, 'model config');
  // Initialisation draws every weight once; the reference backend needs no native addon for it.
  const model = new Transformer(createEngine(createRefBackend()), config, new Rng(opts.seed));
  saveModelAsHf(dir, model, { bosId: tok.bosId, eosId: tok.eosId });
  saveTokenizer(tok, dir);
  return { tokenizer: tok, params: model.numParameters() };
}
