// src/model/checkpoint/hf.ts — Hugging Face checkpoint folders: config.json + model.safetensors (or sharded with
// model.safetensors.index.json) + tokenizer.json; save (atomic per file) and load into a Transformer.
// The tokenizer is passed through as its tokenizer.json object: the model layer does not depend on the tokenizer.

import { existsSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { Engine } from '../../tensor/index.js';
import { Rng } from '../../util/rng.js';
import type { ModelConfig } from '../config.js';
import { Transformer } from '../transformer.js';
import { writeFileAtomic } from './atomic.js';
import { type HfArchitecture, fromHfConfig, hfArchitectureOf, toHfConfig } from './hf-config.js';
import { type NamedTensor, readSafetensors, writeSafetensors } from './safetensors.js';

export interface HfSaveOptions {
  /** A Hugging Face tokenizer.json object; written with a tokenizer_config.json so AutoTokenizer loads it. */
  tokenizerJson?: unknown;
  bosToken?: string;
  eosToken?: string;
  bosId?: number;
  eosId?: number;
  /** Jinja chat template for tokenizer_config.json. */
  chatTemplate?: string;
}

/** config.json fields that transformers validates as floats: an integral value must still be written as 1.0. */
const FLOAT_KEYS = ['routed_scaling_factor', 'rope_theta', 'rms_norm_eps', 'initializer_range', 'attention_dropout'];

function writeJson(file: string, obj: unknown): void {
  let text = JSON.stringify(obj, null, 2);
  for (const k of FLOAT_KEYS) text = text.replace(new RegExp(`("${k}": -?\\d+)(,?\n)`, 'g'), '$1.0$2');
  writeFileAtomic(file, [new TextEncoder().encode(text + '\n')]);
}

/** Writes config.json, model.safetensors (F32) and, when given, tokenizer.json + tokenizer_config.json. */
export function saveHfCheckpoint(dir: string, config: ModelConfig, weights: ReadonlyMap<string, NamedTensor>, opts: HfSaveOptions = {}): { architecture: HfArchitecture } {
  const architecture = hfArchitectureOf(config);
  const hf = toHfConfig(config, { bosId: opts.bosId, eosId: opts.eosId });
  // Sorted names, like safetensors' Python writer; values are written as-is (F32).
  const sorted = new Map([...weights.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  writeSafetensors(join(dir, 'model.safetensors'), sorted, { format: 'pt' });
  writeJson(join(dir, 'config.json'), hf);
  writeJson(join(dir, 'generation_config.json'), { bos_token_id: opts.bosId ?? null, eos_token_id: opts.eosId ?? null });
  if (opts.tokenizerJson !== undefined) {
    writeJson(join(dir, 'tokenizer.json'), opts.tokenizerJson);
    writeJson(join(dir, 'tokenizer_config.json'), {
      tokenizer_class: 'PreTrainedTokenizerFast',
      bos_token: opts.bosToken ?? null,
      eos_token: opts.eosToken ?? null,
      model_max_length: config.maxSeqLen,
      clean_up_tokenization_spaces: false,
      ...(opts.chatTemplate ? { chat_template: opts.chatTemplate } : {}),
    });
  }
  return { architecture };
}

/** Saves a Transformer (its live weights and routing biases). */
export function saveModelAsHf(dir: string, model: Transformer, opts: HfSaveOptions = {}): { architecture: HfArchitecture } {
  return saveHfCheckpoint(dir, model.config, model.stateDict(), opts);
}

/**
 * Throw unless `file` is a regular file (or a symlink to one): a FIFO or device in a checkpoint folder would
 * block a read forever or never end.
 */
export function requireRegularFile(file: string): void {
  let st;
  try {
    st = statSync(file);
  } catch (err) {
    throw new Error(`${file}: cannot read (${(err as Error).message})`);
  }
  if (!st.isFile()) throw new Error(`${file}: not a regular file (${st.isDirectory() ? 'a directory' : st.isFIFO() ? 'a FIFO' : 'a device or socket'})`);
}

/**
 * The path of a shard named in an index file, refused when the name leaves the checkpoint folder (absolute, or
 * climbing with ".."): a downloaded index must not make the loader read arbitrary files. Symlinks inside the
 * folder are followed (the Hugging Face cache links snapshot files to its blob store).
 */
export function shardPath(dir: string, name: string, index: string): string {
  const inside = relative(resolve(dir), resolve(dir, name));
  if (typeof name !== 'string' || name === '' || isAbsolute(name) || inside === '' || inside === '..' || inside.startsWith(`..${sep}`) || isAbsolute(inside)) {
    throw new Error(`${index}: shard ${JSON.stringify(name)} is outside the checkpoint folder; refusing to read it`);
  }
  return join(dir, name);
}

function readJson(file: string): unknown {
  requireRegularFile(file);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`${file}: cannot read (${(err as Error).message})`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error(`${file}: invalid JSON (${(err as Error).message})`);
  }
}

/** All tensors of a checkpoint folder (single file or shards listed in model.safetensors.index.json). */
export function readHfWeights(dir: string): Map<string, NamedTensor> {
  const single = join(dir, 'model.safetensors');
  const index = join(dir, 'model.safetensors.index.json');
  const files: string[] = [];
  if (existsSync(single)) files.push(single);
  else if (existsSync(index)) {
    const idx = readJson(index) as { weight_map?: Record<string, string> };
    if (!idx.weight_map || typeof idx.weight_map !== 'object') throw new Error(`${index}: no weight_map`);
    for (const f of new Set(Object.values(idx.weight_map))) files.push(shardPath(dir, f, index));
  } else throw new Error(`${dir}: no model.safetensors or model.safetensors.index.json`);
  const out = new Map<string, NamedTensor>();
  for (const f of files) {
    for (const [k, t] of readSafetensors(f).tensors) {
      if (out.has(k)) throw new Error(`${f}: tensor ${k} appears in more than one shard`);
      out.set(k, { shape: t.shape, data: t.data });
    }
  }
  return out;
}

/** Every weight is overwritten by the checkpoint, so skip drawing normal samples (seconds for a 0.5B model). */
class SkipInitRng extends Rng {
  constructor() {
    super(0);
  }
  override normal(): number {
    return 0;
  }
  override next(): number {
    return 0;
  }
}

export interface LoadedHf {
  model: Transformer;
  architecture: HfArchitecture;
  /** Parsed tokenizer.json when the folder has one. */
  tokenizerJson: unknown;
  hfConfig: unknown;
}

/**
 * Loads a Hugging Face Llama / Qwen2 / DeepSeek-V3-layout checkpoint folder into a Transformer on `engine`.
 * Tensors the model does not use are rejected, except: rotary inv_freq buffers, a duplicate lm_head of a tied model,
 * and the copies of embedding/head that DeepSeek-V3 stores inside each MTP layer.
 */
export function loadHfCheckpoint(dir: string, engine: Engine): LoadedHf {
  const cfgFile = join(dir, 'config.json');
  const hfConfig = readJson(cfgFile);
  const { config, architecture } = fromHfConfig(hfConfig, cfgFile);
  const weights = readHfWeights(dir);
  const model = new Transformer(engine, config, new SkipInitRng());
  const mtpLayer = new RegExp(`^model\\.layers\\.(\\d+)\\.(embed_tokens|shared_head\\.head)\\.weight$`);
  const ignore = (name: string): boolean => {
    if (name.endsWith('rotary_emb.inv_freq')) return true;
    if (name === 'lm_head.weight' && config.tieEmbeddings) return true;
    const m = mtpLayer.exec(name);
    return m !== null && Number(m[1]) >= config.nLayers;
  };
  model.loadStateDict(weights, dir, ignore);
  const tokFile = join(dir, 'tokenizer.json');
  const tokenizerJson = existsSync(tokFile) ? readJson(tokFile) : undefined;
  return { model, architecture, tokenizerJson, hfConfig };
}
