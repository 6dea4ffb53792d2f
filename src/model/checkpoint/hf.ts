// src/model/checkpoint/hf.ts — Hugging Face checkpoint folders: config.json + model.safetensors (or sharded with
// model.safetensors.index.json) + tokenizer.json; save (atomic per file) and load into a Transformer.
// The tokenizer is passed through as its tokenizer.json object: the model layer does not depend on the tokenizer.

import { existsSync, readFileSync, statSync } from 'node:fs';
import { freemem } from 'node:os';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { Engine } from '../../tensor/index.js';
import { Rng } from '../../util/rng.js';
import type { ModelConfig } from '../config.js';
import { Transformer } from '../transformer.js';
import { writeFileAtomic } from '../../util/atomic.js';
import { type HfArchitecture, fromHfConfig, hfArchitectureOf, toHfConfig } from './hf-config.js';
import { type BlockQuant, FP8_DTYPES, SCALE_SUFFIX, applyBlockScales, blockQuantOf, scaleShape } from './fp8.js';
import { type NamedTensor, READABLE_DTYPES, type SafetensorsHeader, readSafetensorsHeader, readSafetensorsTensor, writeSafetensors } from './safetensors.js';
import { countFormula, paramSpecs } from '../params.js';

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

/** The weight files of a checkpoint folder (single file or shards listed in model.safetensors.index.json). */
function weightFiles(dir: string): string[] {
  const single = join(dir, 'model.safetensors');
  const index = join(dir, 'model.safetensors.index.json');
  if (existsSync(single)) return [single];
  if (existsSync(index)) {
    const idx = readJson(index) as { weight_map?: Record<string, string> };
    if (!idx.weight_map || typeof idx.weight_map !== 'object') throw new Error(`${index}: no weight_map`);
    return [...new Set(Object.values(idx.weight_map))].map((f) => shardPath(dir, f, index));
  }
  throw new Error(`${dir}: no model.safetensors or model.safetensors.index.json`);
}

/** Headers of every weight file, and which header holds each tensor (no tensor data is read). */
export function readHfHeaders(dir: string): { headers: SafetensorsHeader[]; where: Map<string, SafetensorsHeader> } {
  const headers = weightFiles(dir).map(readSafetensorsHeader);
  const where = new Map<string, SafetensorsHeader>();
  for (const h of headers) {
    for (const k of h.entries.keys()) {
      if (where.has(k)) throw new Error(`${h.name}: tensor ${k} appears in more than one shard`);
      where.set(k, h);
    }
  }
  return { headers, where };
}

/** All tensors of a checkpoint folder, read tensor by tensor. */
export function readHfWeights(dir: string): Map<string, NamedTensor> {
  const out = new Map<string, NamedTensor>();
  for (const [k, h] of readHfHeaders(dir).where) out.set(k, { shape: h.entries.get(k)!.shape, data: readSafetensorsTensor(h, k) });
  return out;
}

/** Stored tensors the model does not use: rotary inv_freq buffers, a tied model's lm_head, V3's MTP copies. */
function ignoredTensor(config: ModelConfig): (name: string) => boolean {
  const mtpLayer = /^model\.layers\.(\d+)\.(embed_tokens|shared_head\.head)\.weight$/;
  return (name) => {
    if (name.endsWith('rotary_emb.inv_freq')) return true;
    if (name === 'lm_head.weight' && config.tieEmbeddings) return true;
    const m = mtpLayer.exec(name);
    return m !== null && Number(m[1]) >= config.nLayers;
  };
}

/** What the weight headers of a folder hold, and how they disagree with a config. */
export interface WeightsReport {
  files: string[];
  tensors: number;
  /** Bytes of tensor data on disk. */
  bytes: number;
  /** Stored dtypes with their tensor counts, e.g. { BF16: 290, F32: 1 }. */
  dtypes: Record<string, number>;
  /** Missing, unexpected or misshapen tensors, unreadable dtypes; empty when the weights fit the config. */
  problems: string[];
}

/** Block scales are wider floats (DeepSeek's are F32). */
const SCALE_DTYPES = new Set(['F32', 'F16', 'BF16']);

/** The block quantization of a folder's config.json (none when it has no config or no quantization_config). */
function folderQuant(dir: string): BlockQuant | null {
  const file = join(dir, 'config.json');
  return existsSync(file) ? blockQuantOf(readJson(file), file) : null;
}

/**
 * Check a folder's weight headers against `config` without reading tensor data (cheap for any size): every
 * parameter present with its shape, nothing unexpected, every dtype readable, and with block-wise FP8 (`quant`,
 * default: what the folder's config.json declares) every FP8 weight with its block scales. Throws only when the
 * headers themselves (or the quantization_config) are unreadable or corrupt.
 */
export function checkHfWeights(dir: string, config: ModelConfig, quant: BlockQuant | null = folderQuant(dir)): WeightsReport {
  const { headers, where } = readHfHeaders(dir);
  const ignore = ignoredTensor(config);
  const expected = new Map(paramSpecs(config).map((s) => [s.name, s.shape]));
  const dtypes: Record<string, number> = {};
  let bytes = 0;
  const missing: string[] = [];
  const unexpected: string[] = [];
  const problems: string[] = [];
  let misshapen = 0;
  for (const h of headers) {
    for (const e of h.entries.values()) {
      dtypes[e.dtype] = (dtypes[e.dtype] ?? 0) + 1;
      bytes += e.end - e.begin;
      if (e.key.endsWith(SCALE_SUFFIX)) {
        // Block scales belong to an FP8 weight of a block-quantized checkpoint (checked with the weight below).
        const weight = e.key.slice(0, -SCALE_SUFFIX.length);
        const owner = where.get(weight)?.entries.get(weight);
        if (quant !== null && owner !== undefined && FP8_DTYPES.has(owner.dtype) && (expected.has(weight) || ignore(weight))) continue;
        if (!ignore(e.key)) unexpected.push(e.key);
        continue;
      }
      const want = expected.get(e.key);
      if (want === undefined) {
        if (!ignore(e.key)) unexpected.push(e.key);
        continue;
      }
      if ((e.shape.length !== want.length || e.shape.some((d, i) => d !== want[i])) && ++misshapen <= 4) {
        problems.push(`tensor ${e.key} has shape [${e.shape.join(', ')}], the model expects [${want.join(', ')}] (${h.name})`);
      }
      if (!READABLE_DTYPES.has(e.dtype)) problems.push(`tensor ${e.key} is ${e.dtype}, which cannot be loaded (${[...READABLE_DTYPES].join(', ')} can) (${h.name})`);
      if (quant !== null && FP8_DTYPES.has(e.dtype)) {
        const problem = scaleProblem(where, e.key, e.shape, quant);
        if (problem !== null) problems.push(`${problem} (${h.name})`);
      }
    }
  }
  for (const k of expected.keys()) if (!where.has(k)) missing.push(k);
  const show = (xs: string[]): string => xs.slice(0, 8).join(', ') + (xs.length > 8 ? `, … (${xs.length} in all)` : '');
  if (missing.length) problems.unshift(`missing ${show(missing)}`);
  if (misshapen > 4) problems.push(`… ${misshapen} tensors in all have other shapes than the config implies`);
  if (unexpected.length) problems.push(`unexpected ${show(unexpected)}`);
  return { files: headers.map((h) => h.name), tensors: where.size, bytes, dtypes, problems };
}

/** What is wrong with the block scales of the FP8 weight `key` of `shape`, or null. */
function scaleProblem(where: Map<string, SafetensorsHeader>, key: string, shape: readonly number[], quant: BlockQuant): string | null {
  const name = key + SCALE_SUFFIX;
  const s = where.get(name)?.entries.get(name);
  if (shape.length !== 2) return `tensor ${key} is FP8 with ${shape.length} dimensions; block-wise FP8 scales only matrices`;
  if (s === undefined) return `tensor ${key} is FP8 but its block scales ${name} are missing`;
  const want = scaleShape(shape, quant.block);
  if (s.shape.length !== 2 || s.shape[0] !== want[0] || s.shape[1] !== want[1]) {
    return `tensor ${name} has shape [${s.shape.join(', ')}]; ${key} [${shape.join(', ')}] in ${quant.block[0]} × ${quant.block[1]} blocks needs [${want.join(', ')}]`;
  }
  if (!SCALE_DTYPES.has(s.dtype)) return `tensor ${name} is ${s.dtype}; block scales must be F32, F16 or BF16`;
  return null;
}

/** Bytes of memory a process can still take: the system's available memory, or the cgroup limit when lower. */
export function availableMemoryBytes(): number {
  const free = freemem();
  const limit = typeof process.constrainedMemory === 'function' ? process.constrainedMemory() : 0;
  return limit !== undefined && limit > 0 ? Math.min(free, Math.max(0, limit - process.memoryUsage().rss)) : free;
}

const gb = (b: number): string => `${(b / 1e9).toFixed(2)} GB`;

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

export interface HfLoadOptions {
  /** Memory the weights may take (bytes); default: what the system has available now. */
  availableBytes?: number;
}

/**
 * Loads a Hugging Face Llama / Qwen2 / DeepSeek-V3-layout checkpoint folder into a Transformer on `engine`.
 * Nothing large is allocated until the config's size has been checked against available memory and every
 * weight header against the config; tensors are then read by offset straight into the model's parameters.
 * Tensors the model does not use are rejected, except: rotary inv_freq buffers, a duplicate lm_head of a tied
 * model, and the copies of embedding/head that DeepSeek-V3 stores inside each MTP layer. F16, BF16 and FP8 weights
 * are widened to float32; DeepSeek-V3's block-wise FP8 (`quantization_config`) is dequantized with its scales.
 */
export function loadHfCheckpoint(dir: string, engine: Engine, opts: HfLoadOptions = {}): LoadedHf {
  const cfgFile = join(dir, 'config.json');
  const hfConfig = readJson(cfgFile);
  const { config, architecture } = fromHfConfig(hfConfig, cfgFile);
  const quant = blockQuantOf(hfConfig, cfgFile);
  // 1. Size from the config (closed form: cheap even for absurd values), against available memory.
  const counts = countFormula(config);
  const params = counts.total + counts.mtp + counts.buffers;
  const need = 4 * params; // float32
  const available = opts.availableBytes ?? availableMemoryBytes();
  if (!(need <= available)) {
    throw new Error(
      `${cfgFile}: the model needs ${gb(need)} for its ${params.toLocaleString('en-US')} float32 parameters (${config.nLayers} layers, hidden ${config.hidden}, vocab ${config.vocabSize}) but only ${gb(available)} of memory is available`,
    );
  }
  // 2. The weight headers against the config.
  const report = checkHfWeights(dir, config, quant);
  if (report.problems.length > 0) throw new Error(`${dir}: weights do not match ${cfgFile}: ${report.problems.join('; ')}`);
  // 3. Allocate, then read each tensor by offset into its parameter.
  const model = new Transformer(engine, config, new SkipInitRng());
  const { where } = readHfHeaders(dir);
  for (const [k, dst] of model.stateDict()) {
    const h = where.get(k)!;
    readSafetensorsTensor(h, k, dst.data);
    // Block-wise FP8: the stored values times their block's scale (checkHfWeights saw the scales and their shape).
    if (quant !== null && FP8_DTYPES.has(h.entries.get(k)!.dtype)) {
      const scales = k + SCALE_SUFFIX;
      const s = readSafetensorsTensor(where.get(scales)!, scales);
      const bad = s.findIndex((x) => !Number.isFinite(x));
      if (bad >= 0) throw new Error(`${where.get(scales)!.name}: tensor ${scales} holds ${s[bad]} at block ${bad}: a corrupt checkpoint (block scales are finite)`);
      applyBlockScales(dst.data, dst.shape[0]!, dst.shape[1]!, s, quant.block);
    }
  }
  const tokFile = join(dir, 'tokenizer.json');
  const tokenizerJson = existsSync(tokFile) ? readJson(tokFile) : undefined;
  return { model, architecture, tokenizerJson, hfConfig };
}
