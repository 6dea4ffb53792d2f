// src/backend/ref/f16.ts — IEEE binary16 (half) conversion in plain TypeScript: round to nearest even on the way in
// (overflow to ±inf, subnormals exact, NaN kept quiet with its top payload bits), exact on the way out. The oracle
// for the native conversions (F16C) and the storage of 16-bit KV caches.

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The half (as its 16 bits) nearest to the float32 value of x (ties to even). */
export function halfFromFloat(x: number): number {
  f32[0] = x;
  const bits = u32[0]!;
  const sign = (bits >>> 16) & 0x8000;
  const ax = bits & 0x7fffffff;
  if (ax >= 0x7f800000) return sign | 0x7c00 | (ax > 0x7f800000 ? 0x200 | ((ax >>> 13) & 0x3ff) : 0); // inf / NaN
  if (ax >= 0x477ff000) return sign | 0x7c00; // rounds past 65504: inf
  if (ax < 0x38800000) {
    // Subnormal half or zero: value = h · 2^-24.
    if (ax < 0x33000000) return sign;
    const e = ax >>> 23;
    const m = (ax & 0x7fffff) | 0x800000;
    const shift = 126 - e; // 14..24
    let h = m >>> shift;
    const rem = m & ((1 << shift) - 1), halfway = 1 << (shift - 1);
    if (rem > halfway || (rem === halfway && (h & 1) === 1)) h++;
    return sign | h;
  }
  let h = (ax - 0x38000000) >>> 13; // exponent rebias 127 → 15
  const rem = ax & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && (h & 1) === 1)) h++;
  return sign | h;
}

/** The value of the half whose 16 bits are h. */
export function floatFromHalf(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const e = (h >>> 10) & 0x1f, m = h & 0x3ff;
  if (e === 0x1f) return m === 0 ? sign * Infinity : NaN;
  if (e === 0) return sign * m * 2 ** -24;
  return sign * (1 + m / 1024) * 2 ** (e - 15);
}

/** Backend.toF16: dst[i] = halfFromFloat(src[i]). */
export function toF16(src: Float32Array, dst: Uint16Array): void {
  if (src.length !== dst.length) throw new RangeError(`toF16: src holds ${src.length} floats, dst ${dst.length} halves`);
  for (let i = 0; i < src.length; i++) dst[i] = halfFromFloat(src[i]!);
}

/** Backend.fromF16: dst[i] = floatFromHalf(src[i]). */
export function fromF16(src: Uint16Array, dst: Float32Array): void {
  if (src.length !== dst.length) throw new RangeError(`fromF16: src holds ${src.length} halves, dst ${dst.length} floats`);
  for (let i = 0; i < src.length; i++) dst[i] = floatFromHalf(src[i]!);
}
