// src/model/checkpoint/half.ts — IEEE half (F16) and bfloat16 (BF16) <-> float32 conversion for checkpoints.

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** Decode one IEEE 754 binary16 value. */
export function f16ToF32(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24; // subnormal (or zero)
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

/** Encode a float32 as binary16 with round-to-nearest-even (what numpy and ggml do). */
export function f32ToF16(x: number): number {
  f32[0] = x;
  const b = u32[0]!;
  const sign = (b >>> 16) & 0x8000;
  const exp = (b >>> 23) & 0xff;
  let mant = b & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0); // inf / NaN
  const e = exp - 127 + 15;
  if (e >= 31) return sign | 0x7c00; // overflow -> inf
  if (e <= 0) {
    if (e < -10) return sign; // underflow -> signed zero
    mant |= 0x800000; // make the implicit bit explicit, then shift into subnormal position
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    const rest = mant & ((1 << shift) - 1);
    let v = mant >>> shift;
    if (rest > half || (rest === half && (v & 1))) v++;
    return sign | v;
  }
  let v = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (v & 1))) v++; // may carry into the exponent: still correct
  return sign | v;
}

/** Decode one bfloat16 value (the top 16 bits of a float32). */
export function bf16ToF32(h: number): number {
  u32[0] = (h & 0xffff) << 16;
  return f32[0]!;
}

/** Encode a float32 array as little-endian F16 bytes. */
export function encodeF16(src: Float32Array): Uint8Array {
  const out = new Uint8Array(src.length * 2);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < src.length; i++) dv.setUint16(2 * i, f32ToF16(src[i]!), true);
  return out;
}
