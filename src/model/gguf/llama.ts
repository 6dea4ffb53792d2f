// src/model/gguf/llama.ts — a dense r1ts model (Hugging Face Llama / Qwen2 / Qwen3 tensor names) as a llama.cpp
// `llama`, `qwen2` or `qwen3` GGUF, and back.
//
// Tensor names and metadata keys follow llama.cpp's convert_hf_to_gguf.py / gguf-py constants. HF stores Q and K
// rows in "rotate-half" order (RoPE pairs dims i and i + d/2); llama.cpp's LLAMA rope pairs adjacent dims
// (2i, 2i+1), so the converter permutes the rows of q_proj and k_proj within each head for `llama`; we do the same
// and undo it on import. `qwen2` and `qwen3` use llama.cpp's NEOX rope (rotate-half, as HF): no permutation; qwen2
// carries the q/k/v biases (attn_q.bias …), qwen3 the per-head q/k norms (attn_q_norm, attn_k_norm).

import { type ModelConfig, type RopeScaling, mhaDims, parseModelConfig } from '../config.js';
import { ropeFrequencies } from '../rope.js';
import type { NamedTensor } from '../checkpoint/safetensors.js';
import { type GgmlTypeName, type GgufValue, readGguf, writeGguf } from './format.js';

/** The tokenizer fields llama.cpp reads for a GPT-2-style byte-level BPE vocabulary. */
export interface GgufTokenizer {
  /** Token strings in id order, in GPT-2 byte-to-unicode form. */
  tokens: string[];
  /** llama.cpp token types: 1 normal, 3 control, 4 user-defined. */
  tokenTypes: number[];
  /** BPE merges as "left right", highest priority first. */
  merges: string[];
  bosId: number;
  eosId: number;
  /**
   * tokenizer.ggml.pre: the llama.cpp pre-tokenizer type (how it splits text before BPE), when the file names one.
   * On export it is written as given; without it, export derives it from `preTokenizer`.
   */
  pre?: string;
  /**
   * The tokenizer's pre-tokenizer as tokenizer.json writes it (`pre_tokenizer`). Export writes the llama.cpp type
   * that splits text the same way (llamaCppPreType) and refuses one llama.cpp has no type for. When neither this
   * nor `pre` is given, export assumes GPT-2's split (byteLevelVocab's).
   */
  preTokenizer?: unknown;
  /** tokenizer.chat_template: the model's Jinja chat template, when the file carries one. */
  chatTemplate?: string;
}

/**
 * HF rotate-half row order -> llama.cpp interleaved order, per head: new row h·d + 2i + a = old row h·d + a·d/2 + i
 * (convert_hf_to_gguf `permute`: reshape (heads, 2, d/2, in) -> swap axes 1 and 2).
 */
export function permuteRowsForGguf(w: NamedTensor, nHeads: number, inverse = false): NamedTensor {
  const [rows, cols] = w.shape.length === 2 ? (w.shape as [number, number]) : [w.shape[0]!, 1];
  const d = rows / nHeads;
  if (!Number.isInteger(d) || d % 2 !== 0) throw new Error(`permuteRowsForGguf: ${rows} rows do not split into ${nHeads} heads of even size`);
  const out = new Float32Array(w.data.length);
  for (let h = 0; h < nHeads; h++) {
    for (let i = 0; i < d / 2; i++) {
      for (let a = 0; a < 2; a++) {
        const hf = h * d + a * (d / 2) + i;
        const gg = h * d + 2 * i + a;
        const [src, dst] = inverse ? [gg, hf] : [hf, gg];
        out.set(w.data.subarray(src * cols, (src + 1) * cols), dst * cols);
      }
    }
  }
  return { shape: [...w.shape], data: out };
}

const LAYER_MAP: [hf: string, gguf: string][] = [
  ['input_layernorm.weight', 'attn_norm.weight'],
  ['self_attn.q_proj.weight', 'attn_q.weight'],
  ['self_attn.k_proj.weight', 'attn_k.weight'],
  ['self_attn.v_proj.weight', 'attn_v.weight'],
  ['self_attn.o_proj.weight', 'attn_output.weight'],
  ['post_attention_layernorm.weight', 'ffn_norm.weight'],
  ['mlp.gate_proj.weight', 'ffn_gate.weight'],
  ['mlp.up_proj.weight', 'ffn_up.weight'],
  ['mlp.down_proj.weight', 'ffn_down.weight'],
];

/** What qwen2 (q/k/v biases) and qwen3 (per-head q/k norms) add to each layer. */
const EXTRA_LAYER_MAP: Partial<Record<GgufDenseArch, [hf: string, gguf: string][]>> = {
  qwen2: [['self_attn.q_proj.bias', 'attn_q.bias'], ['self_attn.k_proj.bias', 'attn_k.bias'], ['self_attn.v_proj.bias', 'attn_v.bias']],
  qwen3: [['self_attn.q_norm.weight', 'attn_q_norm.weight'], ['self_attn.k_norm.weight', 'attn_k_norm.weight']],
};

/**
 * The split regexes llama.cpp has a pre-tokenizer type for, as tokenizer.json writes them (llama.cpp's
 * llama-vocab.cpp implements each; convert_hf_to_gguf.py names them): Llama-3's (numbers in runs of up to three
 * digits), Qwen2's (Llama-3's with every digit its own piece) and GPT-2's.
 */
const LLAMA_CPP_SPLITS: readonly { pre: string; aliases: readonly string[]; regex: string }[] = [
  { pre: 'llama-bpe', aliases: ['llama3', 'llama-v3'], regex: "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+" },
  { pre: 'qwen2', aliases: ['deepseek-r1-qwen'], regex: "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+" },
  { pre: 'gpt-2', aliases: [], regex: "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+" },
];

/**
 * The llama.cpp pre-tokenizer type (tokenizer.ggml.pre) that splits text as a tokenizer.json `pre_tokenizer` does:
 * GPT-2's ByteLevel with its own regex, or a regex Split (isolated matches) followed by a regex-free ByteLevel, as
 * Llama-3, Qwen2 and r1ts's trained tokenizers write it. Throws, saying why, for anything else: llama.cpp would
 * split text differently and give other token ids.
 */
export function llamaCppPreType(preTokenizer: unknown): string {
  const obj = (x: unknown): Record<string, unknown> | null => (x !== null && typeof x === 'object' && !Array.isArray(x) ? (x as Record<string, unknown>) : null);
  const byteLevel = (x: Record<string, unknown> | null, useRegex: boolean): boolean => x?.type === 'ByteLevel' && x.add_prefix_space !== true && (x.use_regex ?? true) === useRegex;
  const p = obj(preTokenizer);
  if (byteLevel(p, true)) return 'gpt-2';
  const parts = p?.type === 'Sequence' && Array.isArray(p.pretokenizers) ? p.pretokenizers.map(obj) : [];
  const split = parts[0];
  if (parts.length === 2 && split?.type === 'Split' && split.behavior === 'Isolated' && split.invert !== true && byteLevel(parts[1]!, false)) {
    const regex = obj(split.pattern)?.Regex;
    const known = LLAMA_CPP_SPLITS.find((k) => k.regex === regex);
    if (known) return known.pre;
    throw new Error(`GGUF export: llama.cpp has no pre-tokenizer type for the split regex ${JSON.stringify(regex ?? split.pattern)} (only for Llama-3's, Qwen2's and GPT-2's); it would split text differently from this tokenizer`);
  }
  throw new Error(`GGUF export: llama.cpp has no pre-tokenizer type for the pre-tokenizer ${JSON.stringify(preTokenizer)} (only for GPT-2's ByteLevel, or a Split by Llama-3's, Qwen2's or GPT-2's regex then a ByteLevel without regex); it would split text differently from this tokenizer`);
}

/**
 * The tokenizer.json pre-tokenizer that splits text as llama.cpp does for a tokenizer.ggml.pre type, and whether
 * llama.cpp then takes a piece that is a whole vocabulary entry directly (ignore_merges: it does for Llama-3's type);
 * null for a type r1ts cannot read. Files that name no type, or 'default', read as GPT-2's split.
 */
export function preTokenizerOfLlamaCpp(pre: string | undefined): { preTokenizer: Record<string, unknown>; ignoreMerges: boolean } | null {
  if (pre === undefined || pre === 'default' || pre === 'gpt-2') return { preTokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true }, ignoreMerges: false };
  const split = LLAMA_CPP_SPLITS.find((k) => k.pre === pre || k.aliases.includes(pre));
  if (!split) return null;
  return {
    preTokenizer: {
      type: 'Sequence',
      pretokenizers: [
        { type: 'Split', pattern: { Regex: split.regex }, behavior: 'Isolated', invert: false },
        { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false },
      ],
    },
    ignoreMerges: split.pre === 'llama-bpe',
  };
}

/** The tokenizer.ggml.pre types preTokenizerOfLlamaCpp reads, for messages. */
export const READABLE_LLAMA_CPP_PRE_TYPES: readonly string[] = ['gpt-2', 'default', ...LLAMA_CPP_SPLITS.flatMap((k) => (k.pre === 'gpt-2' ? [] : [k.pre, ...k.aliases]))];

export interface GgufExportOptions {
  /** Storage type of the 2-D weight matrices; 1-D norms always stay F32 as in convert_hf_to_gguf. */
  dtype?: 'F32' | 'F16';
  name?: string;
}

/** The llama.cpp architectures a dense r1ts model is written as. */
export type GgufDenseArch = 'llama' | 'qwen2' | 'qwen3';
const DENSE_ARCHS: readonly GgufDenseArch[] = ['llama', 'qwen2', 'qwen3'];

/** The llama.cpp architecture of a dense config: qwen2 with q/k/v biases, qwen3 with per-head q/k norms, else llama. */
export function ggufArchOf(c: ModelConfig): GgufDenseArch {
  if (c.attention.kind !== 'mha' || c.mlp.kind !== 'dense') throw new Error('GGUF export supports dense MHA/GQA models only (use the deepseek_v3 safetensors layout for MoE/MLA)');
  if (c.attention.qkNorm && c.attention.qkvBias) throw new Error('GGUF export: no llama.cpp architecture has both q/k/v biases and per-head q/k norms');
  return c.attention.qkNorm ? 'qwen3' : c.attention.qkvBias ? 'qwen2' : 'llama';
}

/** Metadata + tensors of a `llama`, `qwen2` or `qwen3` GGUF (ggufArchOf) for a dense MHA/GQA model given its HF-named weights. */
export function llamaGgufContent(
  c: ModelConfig,
  weights: ReadonlyMap<string, NamedTensor>,
  tok: GgufTokenizer,
  opts: GgufExportOptions = {},
): { metadata: Map<string, GgufValue>; tensors: { name: string; shape: number[]; data: Float32Array; type: GgmlTypeName }[] } {
  const arch = ggufArchOf(c);
  if (c.ropeScaling?.type === 'llama3' && arch !== 'llama') throw new Error(`GGUF export: llama3 RoPE scaling (rope_freqs) is written for the llama architecture only, not ${arch}`);
  if (c.ropeScaling?.type === 'yarn') throw new Error('GGUF export does not support yarn RoPE scaling (linear and llama3 are written); use the safetensors layout');
  if (tok.tokens.length !== c.vocabSize) throw new Error(`GGUF export: tokenizer has ${tok.tokens.length} tokens but the model's vocabSize is ${c.vocabSize}`);
  if (tok.tokenTypes.length !== tok.tokens.length) throw new Error('GGUF export: tokenTypes and tokens differ in length');
  const pre = tok.pre ?? (tok.preTokenizer !== undefined ? llamaCppPreType(tok.preTokenizer) : 'gpt-2');
  const { nKvHeads, headDim } = mhaDims(c);
  const dtype = opts.dtype ?? 'F32';
  const u32 = (value: number): GgufValue => ({ type: 'u32', value });
  const metadata = new Map<string, GgufValue>([
    ['general.architecture', { type: 'string', value: arch }],
    ['general.name', { type: 'string', value: opts.name ?? 'r1ts' }],
    ['general.alignment', u32(32)],
    ['general.file_type', u32(dtype === 'F16' ? 1 : 0)], // LLAMA_FTYPE_ALL_F32 = 0, MOSTLY_F16 = 1
    [`${arch}.vocab_size`, u32(c.vocabSize)],
    [`${arch}.context_length`, u32(c.maxSeqLen)],
    [`${arch}.embedding_length`, u32(c.hidden)],
    [`${arch}.block_count`, u32(c.nLayers)],
    [`${arch}.feed_forward_length`, u32(c.intermediate)],
    [`${arch}.rope.dimension_count`, u32(headDim)],
    [`${arch}.attention.head_count`, u32(c.nHeads)],
    [`${arch}.attention.head_count_kv`, u32(nKvHeads)],
    [`${arch}.attention.key_length`, u32(headDim)],
    [`${arch}.attention.value_length`, u32(headDim)],
    [`${arch}.attention.layer_norm_rms_epsilon`, { type: 'f32', value: c.normEps }],
    [`${arch}.rope.freq_base`, { type: 'f32', value: c.ropeTheta }],
    // Linear scaling is a metadata pair; llama3 scaling travels as the rope_freqs tensor below (as llama.cpp's
    // converter writes it for Llama 3.1).
    ...(c.ropeScaling?.type === 'linear'
      ? ([[`${arch}.rope.scaling.type`, { type: 'string', value: 'linear' }], [`${arch}.rope.scaling.factor`, { type: 'f32', value: c.ropeScaling.factor }]] as [string, GgufValue][])
      : []),
    ['tokenizer.ggml.model', { type: 'string', value: 'gpt2' }],
    ['tokenizer.ggml.pre', { type: 'string', value: pre }],
    ['tokenizer.ggml.tokens', { type: 'array', itemType: 'string', value: tok.tokens }],
    ['tokenizer.ggml.token_type', { type: 'array', itemType: 'i32', value: tok.tokenTypes }],
    ['tokenizer.ggml.merges', { type: 'array', itemType: 'string', value: tok.merges }],
    ['tokenizer.ggml.bos_token_id', u32(tok.bosId)],
    ['tokenizer.ggml.eos_token_id', u32(tok.eosId)],
    ['tokenizer.ggml.add_bos_token', { type: 'bool', value: false }],
    ...(tok.chatTemplate !== undefined ? ([['tokenizer.chat_template', { type: 'string', value: tok.chatTemplate }]] as [string, GgufValue][]) : []),
  ]);
  const get = (n: string): NamedTensor => {
    const t = weights.get(n);
    if (!t) throw new Error(`GGUF export: missing weight ${n}`);
    return t;
  };
  const tensors: { name: string; shape: number[]; data: Float32Array; type: GgmlTypeName }[] = [];
  const push = (name: string, t: NamedTensor): void => {
    tensors.push({ name, shape: t.shape, data: t.data, type: t.shape.length >= 2 ? dtype : 'F32' });
  };
  push('token_embd.weight', get('model.embed_tokens.weight'));
  if (c.ropeScaling?.type === 'llama3') {
    // llama.cpp divides each RoPE frequency by rope_freqs[i]: the unscaled frequency over the scaled one.
    const base = ropeFrequencies(headDim, c.ropeTheta), scaled = ropeFrequencies(headDim, c.ropeTheta, c.ropeScaling);
    tensors.push({ name: 'rope_freqs.weight', shape: [headDim / 2], data: Float32Array.from(base, (b, i) => b / scaled[i]!), type: 'F32' });
  }
  for (let l = 0; l < c.nLayers; l++) {
    for (const [hf, gg] of [...LAYER_MAP, ...(EXTRA_LAYER_MAP[arch] ?? [])]) {
      let t = get(`model.layers.${l}.${hf}`);
      if (arch === 'llama' && hf === 'self_attn.q_proj.weight') t = permuteRowsForGguf(t, c.nHeads);
      if (arch === 'llama' && hf === 'self_attn.k_proj.weight') t = permuteRowsForGguf(t, nKvHeads);
      push(`blk.${l}.${gg}`, t);
    }
  }
  push('output_norm.weight', get('model.norm.weight'));
  // Tied models omit output.weight; llama.cpp then reuses token_embd for the head.
  if (!c.tieEmbeddings) push('output.weight', get('lm_head.weight'));
  return { metadata, tensors };
}

/** Write a dense model as a llama.cpp-loadable GGUF file (atomic). */
export function exportLlamaGguf(file: string, c: ModelConfig, weights: ReadonlyMap<string, NamedTensor>, tok: GgufTokenizer, opts: GgufExportOptions = {}): void {
  const { metadata, tensors } = llamaGgufContent(c, weights, tok, opts);
  writeGguf(file, metadata, tensors);
}

/** Read a `llama`, `qwen2` or `qwen3` GGUF (F32/F16) back into a config and HF-named weights, undoing llama's Q/K permutation. */
export function importLlamaGguf(file: string): { config: ModelConfig; weights: Map<string, NamedTensor>; tokenizer: GgufTokenizer } {
  const g = readGguf(file);
  const m = (k: string): GgufValue => {
    const v = g.metadata.get(k);
    if (!v) throw new Error(`${file}: GGUF metadata key ${k} is missing`);
    return v;
  };
  const num = (k: string): number => Number(m(k).value);
  const archValue = String(m('general.architecture').value);
  if (!(DENSE_ARCHS as readonly string[]).includes(archValue)) throw new Error(`${file}: GGUF architecture is ${archValue}; r1ts's engine reads ${DENSE_ARCHS.join(', ')}`);
  const arch = archValue as GgufDenseArch;
  const key = (k: string): string => `${arch}.${k}`;
  const tokens = m('tokenizer.ggml.tokens').value as string[];
  const nHeads = num(key('attention.head_count'));
  const nKvHeads = g.metadata.has(key('attention.head_count_kv')) ? num(key('attention.head_count_kv')) : nHeads;
  const hidden = num(key('embedding_length'));
  const tied = !g.tensors.has('output.weight');
  if (g.tensors.has('rope_freqs.weight')) {
    throw new Error(`${file}: GGUF tensor rope_freqs.weight (per-dimension RoPE frequency factors, as in Llama 3.1 conversions) is not supported on import; load the Hugging Face checkpoint (its config.json rope_scaling is supported) instead`);
  }
  let ropeScaling: RopeScaling | null = null;
  const scalingType = g.metadata.has(key('rope.scaling.type')) ? String(m(key('rope.scaling.type')).value) : 'none';
  if (scalingType === 'linear') ropeScaling = { type: 'linear', factor: num(key('rope.scaling.factor')) };
  else if (scalingType !== 'none') throw new Error(`${file}: GGUF ${key('rope.scaling.type')} ${scalingType} is not supported (supported: none, linear)`);
  // Head dim: key_length (Qwen3's differs from hidden / heads), else the rotary dims, else hidden / heads.
  const headDim = g.metadata.has(key('attention.key_length')) ? num(key('attention.key_length')) : g.metadata.has(key('rope.dimension_count')) ? num(key('rope.dimension_count')) : hidden / nHeads;
  const qkvBias = g.tensors.has('blk.0.attn_q.bias'), qkNorm = g.tensors.has('blk.0.attn_q_norm.weight');
  const config = parseModelConfig(
    {
      vocabSize: tokens.length,
      hidden,
      nLayers: num(key('block_count')),
      nHeads,
      intermediate: num(key('feed_forward_length')),
      maxSeqLen: num(key('context_length')),
      ropeTheta: g.metadata.has(key('rope.freq_base')) ? num(key('rope.freq_base')) : 10000,
      ropeScaling,
      normEps: num(key('attention.layer_norm_rms_epsilon')),
      tieEmbeddings: tied,
      attention: { kind: 'mha', nKvHeads, headDim, qkvBias, ...(qkNorm && { qkNorm }) },
    },
    `${file} (GGUF metadata)`,
  );
  const t = (n: string): NamedTensor => {
    const x = g.tensors.get(n);
    if (!x) throw new Error(`${file}: GGUF tensor ${n} is missing`);
    return { shape: x.shape, data: x.data };
  };
  const weights = new Map<string, NamedTensor>();
  weights.set('model.embed_tokens.weight', t('token_embd.weight'));
  const extra = [...(qkvBias ? EXTRA_LAYER_MAP.qwen2! : []), ...(qkNorm ? EXTRA_LAYER_MAP.qwen3! : [])];
  for (let l = 0; l < config.nLayers; l++) {
    for (const [hf, gg] of [...LAYER_MAP, ...extra]) {
      let w = t(`blk.${l}.${gg}`);
      if (arch === 'llama' && hf === 'self_attn.q_proj.weight') w = permuteRowsForGguf(w, nHeads, true);
      if (arch === 'llama' && hf === 'self_attn.k_proj.weight') w = permuteRowsForGguf(w, nKvHeads, true);
      weights.set(`model.layers.${l}.${hf}`, w);
    }
  }
  weights.set('model.norm.weight', t('output_norm.weight'));
  if (!tied) weights.set('lm_head.weight', t('output.weight'));
  const tokenizer: GgufTokenizer = {
    tokens,
    tokenTypes: (m('tokenizer.ggml.token_type').value as number[]).map(Number),
    merges: g.metadata.has('tokenizer.ggml.merges') ? (m('tokenizer.ggml.merges').value as string[]) : [],
    bosId: num('tokenizer.ggml.bos_token_id'),
    eosId: num('tokenizer.ggml.eos_token_id'),
    ...(g.metadata.has('tokenizer.ggml.pre') ? { pre: String(m('tokenizer.ggml.pre').value) } : {}),
    ...(g.metadata.has('tokenizer.chat_template') ? { chatTemplate: String(m('tokenizer.chat_template').value) } : {}),
  };
  return { config, weights, tokenizer };
}
