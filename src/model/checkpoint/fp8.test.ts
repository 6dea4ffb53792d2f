// src/model/checkpoint/fp8.test.ts — tests: FP8 decoding, DeepSeek-V3 block-wise FP8 checkpoints loaded and
// dequantized, and the errors for what cannot be loaded.

import test from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRefBackend } from '../../backend/index.js';
import { createEngine } from '../../tensor/index.js';
import { Rng } from '../../util/rng.js';
import { preset } from '../config.js';
import { Transformer } from '../transformer.js';
import { applyBlockScales, blockQuantOf, fp8E4M3ToF32, fp8E5M2ToF32, scaleShape } from './fp8.js';
import { loadHfCheckpoint, saveModelAsHf } from './hf.js';
import { checkFolderWeights } from '../info.js';
import { readSafetensors } from './safetensors.js';

test('F8_E4M3 decodes as float8_e4m3fn: subnormals, 448 at the top, one NaN per sign, no infinities', () => {
  assert.equal(fp8E4M3ToF32(0x00), 0);
  assert.ok(Object.is(fp8E4M3ToF32(0x80), -0));
  assert.equal(fp8E4M3ToF32(0x01), 2 ** -9); // smallest subnormal
  assert.equal(fp8E4M3ToF32(0x07), 7 * 2 ** -9); // largest subnormal
  assert.equal(fp8E4M3ToF32(0x08), 2 ** -6); // smallest normal
  assert.equal(fp8E4M3ToF32(0x38), 1);
  assert.equal(fp8E4M3ToF32(0x3c), 1.5);
  assert.equal(fp8E4M3ToF32(0xc0), -2);
  assert.equal(fp8E4M3ToF32(0x7e), 448);
  assert.equal(fp8E4M3ToF32(0xfe), -448);
  assert.ok(Number.isNaN(fp8E4M3ToF32(0x7f)) && Number.isNaN(fp8E4M3ToF32(0xff)));
  assert.equal(fp8E4M3ToF32(0x78), 256); // exponent 15 is finite but for mantissa 7
  for (let b = 1; b < 0x7f; b++) assert.ok(fp8E4M3ToF32(b) > fp8E4M3ToF32(b - 1), `monotonic at ${b}`);
});

test('F8_E5M2 decodes as the top byte of a binary16: infinities and NaNs, 57344 the largest finite', () => {
  assert.equal(fp8E5M2ToF32(0x3c), 1);
  assert.equal(fp8E5M2ToF32(0x01), 2 ** -16);
  assert.equal(fp8E5M2ToF32(0x7b), 57344);
  assert.equal(fp8E5M2ToF32(0x7c), Infinity);
  assert.equal(fp8E5M2ToF32(0xfc), -Infinity);
  assert.ok(Number.isNaN(fp8E5M2ToF32(0x7d)));
});

test('quantization_config: none, DeepSeek-V3 block FP8, and clear errors for other methods or bad blocks', () => {
  assert.equal(blockQuantOf({ model_type: 'llama' }), null);
  assert.equal(blockQuantOf({ quantization_config: null }), null);
  assert.deepEqual(blockQuantOf({ quantization_config: { quant_method: 'fp8', fmt: 'e4m3', activation_scheme: 'dynamic', weight_block_size: [128, 128] } }), { block: [128, 128] });
  assert.throws(() => blockQuantOf({ quantization_config: { quant_method: 'gptq', bits: 4 } }, 'x/config.json'), /x\/config\.json: quantization_config has quant_method "gptq", which is not supported; r1ts loads F32, F16 and BF16 weights and DeepSeek-V3's block-wise FP8/);
  assert.throws(() => blockQuantOf({ quantization_config: { quant_method: 'fp8', fmt: 'e5m2', weight_block_size: [128, 128] } }), /fmt "e5m2"/);
  assert.throws(() => blockQuantOf({ quantization_config: { quant_method: 'fp8' } }), /weight_block_size undefined; block-wise FP8 needs two positive integers/);
  assert.throws(() => blockQuantOf({ quantization_config: { quant_method: 'fp8', weight_block_size: [128, 0] } }), /weight_block_size \[128,0\]/);
  assert.throws(() => blockQuantOf({ quantization_config: 'fp8' }), /is "fp8", not an object/);
});

test('block scales apply per block, partial blocks at the edges included', () => {
  const rows = 5, cols = 7, block: [number, number] = [2, 3];
  assert.deepEqual(scaleShape([rows, cols], block), [3, 3]);
  const w = new Float32Array(rows * cols).fill(1);
  const scale = Float32Array.from({ length: 9 }, (_, k) => k + 1);
  applyBlockScales(w, rows, cols, scale, block);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) assert.equal(w[i * cols + j], Math.floor(i / 2) * 3 + Math.floor(j / 3) + 1, `(${i}, ${j})`);
});

/** The nearest E4M3 code to x (ties to the even code), for writing test checkpoints. */
function toE4M3(x: number): number {
  let best = 0;
  for (let b = 0; b < 256; b++) {
    const v = fp8E4M3ToF32(b);
    if (Number.isNaN(v)) continue;
    const d = Math.abs(v - x), bd = Math.abs(fp8E4M3ToF32(best) - x);
    if (d < bd || (d === bd && (b & 1) === 0 && (best & 1) === 1)) best = b;
  }
  return best;
}

interface Stored {
  dtype: string;
  shape: number[];
  bytes: Buffer;
}

function writeRaw(file: string, tensors: Map<string, Stored>): void {
  const header: Record<string, unknown> = {};
  let off = 0;
  for (const [k, t] of tensors) {
    header[k] = { dtype: t.dtype, shape: t.shape, data_offsets: [off, off + t.bytes.length] };
    off += t.bytes.length;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const fd = openSync(file, 'w');
  try {
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(json.length));
    writeSync(fd, len);
    writeSync(fd, Buffer.from(json));
    for (const t of tensors.values()) writeSync(fd, t.bytes);
  } finally {
    closeSync(fd);
  }
}

const f32Bytes = (a: Float32Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

/**
 * A tiny DeepSeek-V3-layout checkpoint rewritten as DeepSeek-V3 ships its weights: the linear layers' matrices in
 * F8_E4M3 with one F32 scale per block (max |w| of the block maps to 448), embeddings, head, norms and the router
 * kept in float32. Returns the folder and the weights the loader must produce (FP8 value × block scale).
 */
function fp8Checkpoint(dir: string, block: [number, number]): { expected: Map<string, Float32Array>; reference: Transformer } {
  const reference = new Transformer(createEngine(createRefBackend()), preset('tiny-moe-mla'), new Rng(7));
  saveModelAsHf(dir, reference);
  const file = join(dir, 'model.safetensors');
  const stored = readSafetensors(file).tensors;
  const out = new Map<string, Stored>();
  const expected = new Map<string, Float32Array>();
  for (const [k, t] of stored) {
    const quantize = t.shape.length === 2 && /_proj\.weight$|\.eh_proj\.weight$/.test(k);
    if (!quantize) {
      out.set(k, { dtype: 'F32', shape: t.shape, bytes: f32Bytes(t.data) });
      expected.set(k, t.data);
      continue;
    }
    const [rows, cols] = t.shape as [number, number];
    const [sr, sc] = scaleShape(t.shape, block) as [number, number];
    const scale = new Float32Array(sr * sc);
    for (let bi = 0; bi < sr; bi++) {
      for (let bj = 0; bj < sc; bj++) {
        let m = 0;
        for (let i = bi * block[0]; i < Math.min(rows, (bi + 1) * block[0]); i++) for (let j = bj * block[1]; j < Math.min(cols, (bj + 1) * block[1]); j++) m = Math.max(m, Math.abs(t.data[i * cols + j]!));
        scale[bi * sc + bj] = Math.fround(m / 448) || 1;
      }
    }
    const q = Buffer.alloc(rows * cols);
    const want = new Float32Array(rows * cols);
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < cols; j++) {
        const s = scale[Math.floor(i / block[0]) * sc + Math.floor(j / block[1])]!;
        q[i * cols + j] = toE4M3(t.data[i * cols + j]! / s);
        want[i * cols + j] = Math.fround(fp8E4M3ToF32(q[i * cols + j]!) * s);
      }
    }
    out.set(k, { dtype: 'F8_E4M3', shape: t.shape, bytes: q });
    out.set(`${k}_scale_inv`, { dtype: 'F32', shape: [sr, sc], bytes: f32Bytes(scale) });
    expected.set(k, want);
  }
  writeRaw(file, out);
  const cfgFile = join(dir, 'config.json');
  const cfg = JSON.parse(readFileSync(cfgFile, 'utf8')) as Record<string, unknown>;
  writeFileSync(cfgFile, JSON.stringify({ ...cfg, quantization_config: { activation_scheme: 'dynamic', fmt: 'e4m3', quant_method: 'fp8', weight_block_size: block } }));
  return { expected, reference };
}

function withTmp(fn: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'r1ts-fp8-'));
  try {
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('a DeepSeek-V3 block-FP8 checkpoint loads dequantized: every weight is its FP8 value times its block scale', () => {
  withTmp((dir) => {
    const { expected, reference } = fp8Checkpoint(dir, [8, 16]);
    const info = checkFolderWeights(dir, reference.config);
    assert.deepEqual(info?.problems, []);
    assert.ok((info?.dtypes['F8_E4M3'] ?? 0) > 10, 'the linear layers are FP8');
    const back = loadHfCheckpoint(dir, createEngine(createRefBackend()));
    let quantized = 0;
    for (const [k, t] of back.model.stateDict()) {
      assert.deepEqual(t.data, expected.get(k), k);
      if (t.data.some((x, i) => x !== reference.stateDict().get(k)!.data[i])) quantized++;
    }
    assert.ok(quantized > 10, 'FP8 really rounded the linear weights');
    // The dequantized model is the same function up to FP8's rounding: its logits stay close to the original's.
    const ids = Int32Array.of(1, 5, 9, 2);
    const a = reference.engine.noGrad(() => reference.forward(ids, 1, 4)).data;
    const b = back.model.engine.noGrad(() => back.model.forward(ids, 1, 4)).data;
    const gap = a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i]!)), 0);
    const scale = a.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
    assert.ok(gap > 0 && gap < 0.1 * scale, `logit gap ${gap} against logits up to ${scale}`);
  });
});

test('block-FP8 errors: a missing or misshapen scale, scales without quantization_config, another quant method', () => {
  withTmp((dir) => {
    fp8Checkpoint(dir, [8, 16]);
    const file = join(dir, 'model.safetensors');
    const cfgFile = join(dir, 'config.json');
    const good = readFileSync(file);
    const cfg = JSON.parse(readFileSync(cfgFile, 'utf8')) as Record<string, unknown>;
    const load = (): unknown => loadHfCheckpoint(dir, createEngine(createRefBackend()));
    const tensors = readSafetensors(file).tensors; // dtypes as stored, values widened
    const rewrite = (edit: (m: Map<string, Stored>) => void): void => {
      writeFileSync(file, good);
      const raw = new Map<string, Stored>();
      const hlen = Number(good.readBigUInt64LE(0));
      const header = JSON.parse(good.subarray(8, 8 + hlen).toString()) as Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
      for (const [k, e] of Object.entries(header)) raw.set(k, { dtype: e.dtype, shape: e.shape, bytes: good.subarray(8 + hlen + e.data_offsets[0], 8 + hlen + e.data_offsets[1]) });
      edit(raw);
      writeRaw(file, raw);
    };
    const victim = [...tensors.keys()].find((k) => k.endsWith('.q_a_proj.weight') || k.endsWith('.q_proj.weight'))!;
    rewrite((m) => m.delete(`${victim}_scale_inv`));
    assert.throws(load, new RegExp(`tensor ${victim.replace(/\./g, '\\.')} is FP8 but its block scales ${victim.replace(/\./g, '\\.')}_scale_inv are missing`));
    rewrite((m) => m.set(`${victim}_scale_inv`, { dtype: 'F32', shape: [1, 1], bytes: Buffer.alloc(4) }));
    assert.throws(load, /_scale_inv has shape \[1, 1\]; .* in 8 × 16 blocks needs \[/);
    rewrite((m) => {
      const s = m.get(`${victim}_scale_inv`)!;
      const bytes = Buffer.from(s.bytes);
      bytes.writeFloatLE(NaN, 4);
      m.set(`${victim}_scale_inv`, { ...s, bytes });
    });
    assert.throws(load, /_scale_inv holds NaN at block 1: a corrupt checkpoint/);
    writeFileSync(file, good);
    writeFileSync(cfgFile, JSON.stringify({ ...cfg, quantization_config: undefined }));
    assert.throws(load, /unexpected .*_scale_inv/);
    writeFileSync(cfgFile, JSON.stringify({ ...cfg, quantization_config: { quant_method: 'awq', bits: 4 } }));
    assert.throws(load, /config\.json: quantization_config has quant_method "awq", which is not supported/);
  });
});
