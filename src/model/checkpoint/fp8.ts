// src/model/checkpoint/fp8.ts — FP8 checkpoints: the two OCP 8-bit float formats safetensors stores (F8_E4M3 as
// PyTorch's float8_e4m3fn, F8_E5M2) and DeepSeek-V3's block-wise quantization, in which every FP8 weight matrix W
// (out × in) comes with `<name>_scale_inv`, one float32 per 128 × 128 block, and the real weight is W · scale_inv
// of its block (DeepSeek-V3 inference/kernel.py `weight_dequant`; config.json `quantization_config`:
// `{"quant_method": "fp8", "fmt": "e4m3", "weight_block_size": [128, 128], "activation_scheme": "dynamic"}`).
// r1ts computes in float32, so FP8 weights are widened and their block scales applied once, at load.

import { f16ToF32 } from './half.js';

/** float8_e4m3fn: bias 7, no infinities, S.1111.111 is NaN; the largest finite value is 448. */
const E4M3 = new Float32Array(256);
/** float8_e5m2: the top byte of an IEEE binary16 (bias 15, with infinities and NaNs). */
const E5M2 = new Float32Array(256);
for (let b = 0; b < 256; b++) {
  const sign = b & 0x80 ? -1 : 1;
  const e = (b >> 3) & 0xf;
  const m = b & 7;
  E4M3[b] = e === 15 && m === 7 ? NaN : e === 0 ? sign * (m / 8) * 2 ** -6 : sign * (1 + m / 8) * 2 ** (e - 7);
  E5M2[b] = f16ToF32(b << 8);
}

/** Decode one F8_E4M3 (float8_e4m3fn) byte. */
export function fp8E4M3ToF32(b: number): number {
  return E4M3[b & 0xff]!;
}

/** Decode one F8_E5M2 byte. */
export function fp8E5M2ToF32(b: number): number {
  return E5M2[b & 0xff]!;
}

/** Widen `count` FP8 bytes of `dtype` into `out` from `at`. */
export function decodeFp8Into(bytes: Uint8Array, dtype: 'F8_E4M3' | 'F8_E5M2', count: number, out: Float32Array, at: number): void {
  const table = dtype === 'F8_E4M3' ? E4M3 : E5M2;
  for (let i = 0; i < count; i++) out[at + i] = table[bytes[i]!]!;
}

export const FP8_DTYPES: ReadonlySet<string> = new Set(['F8_E4M3', 'F8_E5M2']);

/** The suffix DeepSeek-V3's checkpoints give a weight's block scales. */
export const SCALE_SUFFIX = '_scale_inv';

/** Block-wise FP8 quantization as a config.json declares it: the block's rows and columns. */
export interface BlockQuant {
  block: [number, number];
}

/**
 * The block quantization a config.json object declares: null without `quantization_config`; an error naming the
 * field for anything r1ts cannot load (another method such as GPTQ, AWQ or bitsandbytes, another format, a bad block).
 */
export function blockQuantOf(hfConfig: unknown, source = 'config.json'): BlockQuant | null {
  const q = (hfConfig as { quantization_config?: unknown } | null)?.quantization_config;
  if (q === undefined || q === null) return null;
  const fail = (why: string): never => {
    throw new Error(`${source}: quantization_config ${why}; r1ts loads F32, F16 and BF16 weights and DeepSeek-V3's block-wise FP8 ("quant_method": "fp8", "fmt": "e4m3")`);
  };
  if (typeof q !== 'object' || Array.isArray(q)) return fail(`is ${JSON.stringify(q)}, not an object`);
  const { quant_method: method, fmt, weight_block_size: block } = q as { quant_method?: unknown; fmt?: unknown; weight_block_size?: unknown };
  if (method !== 'fp8') return fail(`has quant_method ${JSON.stringify(method)}, which is not supported`);
  if (fmt !== undefined && fmt !== 'e4m3') return fail(`has fmt ${JSON.stringify(fmt)}, which is not supported`);
  if (!Array.isArray(block) || block.length !== 2 || !block.every((d) => Number.isSafeInteger(d) && d > 0)) {
    return fail(`has weight_block_size ${JSON.stringify(block)}; block-wise FP8 needs two positive integers (DeepSeek-V3: [128, 128])`);
  }
  return { block: [block[0] as number, block[1] as number] };
}

/** The shape of the scales of a weight of `shape` (out × in) in blocks of `block`. */
export function scaleShape(shape: readonly number[], block: readonly [number, number]): number[] {
  return [Math.ceil((shape[0] ?? 0) / block[0]), Math.ceil((shape[1] ?? 0) / block[1])];
}

/** W[i, j] *= scale[i / block rows, j / block cols], in place (`w` is rows × cols, row-major). */
export function applyBlockScales(w: Float32Array, rows: number, cols: number, scale: Float32Array, block: readonly [number, number]): void {
  const sCols = Math.ceil(cols / block[1]);
  for (let i = 0; i < rows; i++) {
    const sRow = Math.floor(i / block[0]) * sCols;
    const base = i * cols;
    for (let bj = 0; bj < sCols; bj++) {
      const s = scale[sRow + bj]!;
      const end = Math.min(cols, (bj + 1) * block[1]);
      for (let j = bj * block[1]; j < end; j++) w[base + j]! *= s;
    }
  }
}
