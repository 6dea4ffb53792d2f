// src/model/gguf/llama.test.ts — tests: llama GGUF export/import, Q/K permutation, byte-level vocabulary.

import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../../util/rng.js';
import { mhaDims, parseModelConfig, preset } from '../config.js';
import { paramSpecs } from '../params.js';
import type { NamedTensor } from '../checkpoint/safetensors.js';
import { byteLevelVocab } from '../checkpoint/byte-vocab.js';
import { exportLlamaGguf, importLlamaGguf, llamaCppPreType, llamaGgufContent, permuteRowsForGguf } from './llama.js';

/** Random weights for every parameter of `c`. */
function randomWeights(c: ReturnType<typeof preset>, seed: number): Map<string, NamedTensor> {
  const rng = new Rng(seed);
  return new Map(paramSpecs(c).map((s) => [s.name, { shape: s.shape, data: Float32Array.from({ length: s.shape.reduce((a, b) => a * b, 1) }, () => rng.normal()) }]));
}

test('Qwen2 (q/k/v biases) and Qwen3 (per-head q/k norms, head dim ≠ hidden / heads) models are written as qwen2 / qwen3 GGUFs, unpermuted, and read back', () => {
  const qwen2 = parseModelConfig({ vocabSize: 300, hidden: 32, nLayers: 2, nHeads: 4, intermediate: 48, tieEmbeddings: true, attention: { kind: 'mha', nKvHeads: 2, qkvBias: true } });
  const qwen3 = parseModelConfig({ vocabSize: 300, hidden: 32, nLayers: 2, nHeads: 4, intermediate: 48, attention: { kind: 'mha', nKvHeads: 2, headDim: 12, qkNorm: true }, ropeScaling: { type: 'linear', factor: 2 } });
  const dir = mkdtempSync(join(tmpdir(), 'r1ts-gguf-qwen-'));
  try {
    for (const [arch, c] of [['qwen2', qwen2], ['qwen3', qwen3]] as const) {
      const weights = randomWeights(c, 9);
      const tok = byteLevelVocab(c.vocabSize);
      const content = llamaGgufContent(c, weights, tok);
      assert.equal(content.metadata.get('general.architecture')!.value, arch);
      assert.equal(content.metadata.get(`${arch}.attention.key_length`)!.value, mhaDims(c).headDim);
      assert.ok(!content.metadata.has('llama.block_count'), 'keys carry the architecture prefix');
      const names = new Set(content.tensors.map((t) => t.name));
      assert.equal(names.has('blk.1.attn_q.bias'), arch === 'qwen2');
      assert.equal(names.has('blk.1.attn_k_norm.weight'), arch === 'qwen3');
      // NEOX rope (rotate-half, as Hugging Face): q_proj is written as it is, not permuted as for llama.
      assert.deepEqual(content.tensors.find((t) => t.name === 'blk.0.attn_q.weight')!.data, weights.get('model.layers.0.self_attn.q_proj.weight')!.data);
      const file = join(dir, `${arch}.gguf`);
      exportLlamaGguf(file, c, weights, tok);
      const back = importLlamaGguf(file);
      // The same model (the head dim now written out, eps as the file's float32).
      assert.deepEqual({ ...back.config, normEps: c.normEps, attention: { ...back.config.attention, headDim: undefined } }, { ...c, attention: { ...c.attention, headDim: undefined } }, `${arch}: the same config`);
      assert.equal(mhaDims(back.config).headDim, mhaDims(c).headDim);
      assert.equal(back.weights.size, weights.size);
      for (const [k, v] of weights) assert.deepEqual(back.weights.get(k)!.data, v.data, `${arch}: ${k}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  assert.throws(() => llamaGgufContent({ ...qwen2, ropeScaling: { type: 'llama3', factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositionEmbeddings: 64 } }, randomWeights(qwen2, 1), byteLevelVocab(300)), /llama3 RoPE scaling \(rope_freqs\) is written for the llama architecture only, not qwen2/);
});

test('Q/K permutation moves rotate-half pairs (i, i + d/2) to adjacent rows and inverts', () => {
  const rows = 8, cols = 2; // 2 heads of dim 4
  const w: NamedTensor = { shape: [rows, cols], data: Float32Array.from({ length: rows * cols }, (_, i) => i) };
  const p = permuteRowsForGguf(w, 2);
  // head 0 rows (0,1,2,3) -> (0,2,1,3); head 1 rows (4,5,6,7) -> (4,6,5,7)
  const order = [0, 2, 1, 3, 4, 6, 5, 7];
  assert.deepEqual([...p.data], order.flatMap((r) => [2 * r, 2 * r + 1]));
  assert.deepEqual(permuteRowsForGguf(p, 2, true).data, w.data);
});

test('dense model -> llama GGUF -> back gives the same config and weights', () => {
  const c = preset('tiny-dense');
  const rng = new Rng(5);
  const weights = new Map<string, NamedTensor>();
  for (const s of paramSpecs(c)) {
    const n = s.shape.reduce((a, b) => a * b, 1);
    weights.set(s.name, { shape: s.shape, data: Float32Array.from({ length: n }, () => rng.normal()) });
  }
  const tok = byteLevelVocab(c.vocabSize);
  const content = llamaGgufContent(c, weights, tok);
  assert.equal(content.metadata.get('tokenizer.ggml.pre')!.value, 'gpt-2');
  assert.equal(content.metadata.get('llama.attention.head_count_kv')!.value, 2);
  assert.ok(!content.tensors.some((t) => t.name === 'output.weight'), 'tied model omits output.weight');
  const f16 = llamaGgufContent(c, weights, tok, { dtype: 'F16' });
  assert.equal(f16.metadata.get('general.file_type')!.value, 1);
  for (const t of f16.tensors) assert.equal(t.type, t.shape.length === 2 ? 'F16' : 'F32', t.name);
  const dir = mkdtempSync(join(tmpdir(), 'r1ts-gguf-'));
  try {
    const file = join(dir, 'm.gguf');
    exportLlamaGguf(file, c, weights, tok);
    const back = importLlamaGguf(file);
    assert.equal(back.config.hidden, c.hidden);
    assert.equal(back.config.tieEmbeddings, true);
    assert.equal((back.config.attention as { nKvHeads?: number }).nKvHeads, 2);
    assert.equal(back.weights.size, weights.size);
    for (const [k, v] of weights) assert.deepEqual(back.weights.get(k)!.data, v.data, k);
    assert.deepEqual(back.tokenizer.tokens, tok.tokens);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  assert.throws(() => llamaGgufContent(preset('tiny-moe-mla'), weights, tok), /dense MHA\/GQA models only/);
  assert.throws(() => llamaGgufContent(c, weights, byteLevelVocab(300)), /300 tokens/);
  assert.throws(() => llamaGgufContent({ ...c, attention: { ...c.attention, qkNorm: true, qkvBias: true } as typeof c.attention }, weights, tok), /both q\/k\/v biases and per-head q\/k norms/);
  assert.throws(() => llamaGgufContent({ ...c, ropeScaling: { type: 'yarn', factor: 4, originalMaxPositionEmbeddings: 64, betaFast: 32, betaSlow: 1, truncate: true } }, weights, tok), /GGUF export does not support yarn RoPE scaling/);
});

test('tokenizer.ggml.pre names the llama.cpp split of the tokenizer\'s pre-tokenizer; one llama.cpp lacks is refused', () => {
  const c = preset('tiny-dense');
  const weights = new Map<string, NamedTensor>();
  for (const s of paramSpecs(c)) weights.set(s.name, { shape: s.shape, data: new Float32Array(s.shape.reduce((a, b) => a * b, 1)) });
  const split = (regex: string, byteLevel: Record<string, unknown> = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false }): unknown => ({
    type: 'Sequence', pretokenizers: [{ type: 'Split', pattern: { Regex: regex }, behavior: 'Isolated', invert: false }, byteLevel],
  });
  const llama3 = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
  const pre = (preTokenizer: unknown): unknown => llamaGgufContent(c, weights, { ...byteLevelVocab(c.vocabSize), pre: undefined, preTokenizer }).metadata.get('tokenizer.ggml.pre')!.value;
  assert.equal(pre(split(llama3)), 'llama-bpe');
  assert.equal(pre(split(llama3.replace('\\p{N}{1,3}', '\\p{N}'))), 'qwen2');
  assert.equal(pre({ type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true }), 'gpt-2');
  // Given as a llama.cpp name, it is written as is; with neither, GPT-2's split (byteLevelVocab's).
  assert.equal(llamaGgufContent(c, weights, { ...byteLevelVocab(c.vocabSize), pre: 'llama-bpe' }).metadata.get('tokenizer.ggml.pre')!.value, 'llama-bpe');
  assert.equal(llamaGgufContent(c, weights, { ...byteLevelVocab(c.vocabSize), pre: undefined }).metadata.get('tokenizer.ggml.pre')!.value, 'gpt-2');
  assert.throws(() => pre(split('\\p{L}+|\\p{N}+')), /GGUF export: llama\.cpp has no pre-tokenizer type for the split regex "\\\\p\{L\}\+\|\\\\p\{N\}\+" \(only for Llama-3's, Qwen2's and GPT-2's\)/);
  assert.throws(() => pre(split(llama3, { type: 'ByteLevel', add_prefix_space: true, use_regex: false })), /no pre-tokenizer type for the pre-tokenizer .*"add_prefix_space":true/);
  assert.throws(() => pre({ type: 'Metaspace', replacement: '▁' }), /no pre-tokenizer type for the pre-tokenizer \{"type":"Metaspace"/);
  assert.throws(() => llamaCppPreType(null), /no pre-tokenizer type for the pre-tokenizer null/);
});

test('byte-level vocabulary has the requested size, unique tokens and merges of existing tokens', () => {
  for (const n of [257, 512, 1000]) {
    const v = byteLevelVocab(n);
    assert.equal(v.tokens.length, n);
    assert.equal(new Set(v.tokens).size, n);
    assert.equal(v.merges.length, n - 257);
    const known = new Set(v.tokens.slice(0, 256));
    for (const m of v.merges) {
      const [a, b] = m.split(' ');
      assert.ok(known.has(a!) && known.has(b!), m);
      known.add(a! + b!);
    }
  }
});

test('RoPE scaling in GGUF: linear as metadata (round trip), llama3 as the rope_freqs factors; rope_freqs is refused on import', () => {
  const rng = new Rng(6);
  const weightsOf = (c: ReturnType<typeof preset>): Map<string, NamedTensor> => {
    const w = new Map<string, NamedTensor>();
    for (const s of paramSpecs(c)) w.set(s.name, { shape: s.shape, data: Float32Array.from({ length: s.shape.reduce((a, b) => a * b, 1) }, () => rng.normal()) });
    return w;
  };
  const base = preset('tiny-dense');
  const tok = byteLevelVocab(base.vocabSize);
  const dir = mkdtempSync(join(tmpdir(), 'r1ts-gguf-rope-'));
  try {
    const lin = parseModelConfig({ ...base, ropeScaling: { type: 'linear', factor: 4 } });
    const linFile = join(dir, 'linear.gguf');
    exportLlamaGguf(linFile, lin, weightsOf(lin), tok);
    assert.deepEqual(importLlamaGguf(linFile).config.ropeScaling, { type: 'linear', factor: 4 });
    const l3 = parseModelConfig({ ...base, ropeScaling: { type: 'llama3', factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositionEmbeddings: 64 } });
    const content = llamaGgufContent(l3, weightsOf(l3), tok);
    const freqs = content.tensors.find((t) => t.name === 'rope_freqs.weight');
    assert.ok(freqs, 'llama3 scaling writes rope_freqs.weight');
    const { headDim } = mhaDims(l3);
    assert.deepEqual(freqs.shape, [headDim / 2]);
    assert.equal(freqs.data[0], 1, 'the highest frequency is not scaled');
    assert.ok(Math.abs(freqs.data[headDim / 2 - 1]! - 8) < 1e-5, 'the lowest frequency is divided by the factor');
    for (let i = 1; i < freqs.data.length; i++) assert.ok(freqs.data[i]! >= freqs.data[i - 1]!, 'factors grow toward low frequencies');
    assert.ok(!content.metadata.has('llama.rope.scaling.type'));
    const l3File = join(dir, 'llama3.gguf');
    exportLlamaGguf(l3File, l3, weightsOf(l3), tok);
    assert.throws(() => importLlamaGguf(l3File), /rope_freqs\.weight .* is not supported on import/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
