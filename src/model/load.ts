// src/model/load.ts — open a model from whatever a user points at: a Hugging Face checkpoint folder or a llama
// GGUF file. Returns the model and, when the source carries one, its tokenizer as a tokenizer.json object (the
// model layer does not depend on the tokenizer).

import { closeSync, openSync, readSync, statSync } from 'node:fs';
import type { Engine } from '../tensor/index.js';
import { byteLevelTokenizerJson } from './checkpoint/byte-vocab.js';
import { loadHfCheckpoint } from './checkpoint/hf.js';
import { GGUF_MAGIC } from './gguf/format.js';
import { ggufArchOf, importLlamaGguf, preTokenizerOfLlamaCpp, READABLE_LLAMA_CPP_PRE_TYPES } from './gguf/llama.js';
import { Transformer } from './transformer.js';
import { Rng } from '../util/rng.js';

/** True when `path` is a regular file starting with the GGUF magic. */
export function isGgufFile(path: string): boolean {
  let fd: number;
  try {
    if (!statSync(path).isFile()) return false;
    fd = openSync(path, 'r');
  } catch {
    return false;
  }
  try {
    const head = Buffer.alloc(4);
    return readSync(fd, head, 0, 4, 0) === 4 && head.readUInt32LE(0) === GGUF_MAGIC;
  } finally {
    closeSync(fd);
  }
}

export interface LoadedModel {
  model: Transformer;
  /** What was loaded, for messages ("Hugging Face checkpoint", "GGUF (llama)"). */
  format: string;
  /** The tokenizer.json object the source carries (GGUF: built from its tokenizer.ggml.* keys), else undefined. */
  tokenizerJson: unknown;
  /**
   * GGUF: the tokenizer's chat template (tokenizer.chat_template) and its BOS/EOS token strings, which a folder keeps
   * in tokenizer_config.json.
   */
  tokenizerConfig?: { chatTemplate?: string; bos?: string; eos?: string };
}

/** Load a checkpoint folder (config.json + safetensors) or a llama / qwen2 / qwen3 GGUF file onto `engine`. */
export function loadModel(path: string, engine: Engine): LoadedModel {
  if (isGgufFile(path)) {
    const g = importLlamaGguf(path);
    if (preTokenizerOfLlamaCpp(g.tokenizer.pre) === null) {
      throw new Error(`${path}: GGUF tokenizer.ggml.pre "${g.tokenizer.pre}" is not supported (r1ts reads ${READABLE_LLAMA_CPP_PRE_TYPES.join(', ')})`);
    }
    const model = new Transformer(engine, g.config, new Rng(0));
    model.loadStateDict(g.weights, path);
    const t = g.tokenizer;
    const tokenizerConfig = { bos: t.tokens[t.bosId], eos: t.tokens[t.eosId], ...(t.chatTemplate !== undefined ? { chatTemplate: t.chatTemplate } : {}) };
    return { model, format: `GGUF (${ggufArchOf(g.config)})`, tokenizerJson: byteLevelTokenizerJson(t), tokenizerConfig };
  }
  let isFile = false;
  try {
    isFile = statSync(path).isFile();
  } catch {
    // missing: the checkpoint loader names config.json
  }
  if (isFile) throw new Error(`${path}: not a checkpoint folder and not a GGUF file (no "GGUF" magic)`);
  const hf = loadHfCheckpoint(path, engine);
  return { model: hf.model, format: 'Hugging Face checkpoint', tokenizerJson: hf.tokenizerJson };
}
