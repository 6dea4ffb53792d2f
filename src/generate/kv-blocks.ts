// src/generate/kv-blocks.ts — copying spans of cached positions out of and into a KvCache row, for prompt sharing
// (the n samples of one prompt) and the prefix cache. The cache is time-major, so positions [s, e) of a row are one
// contiguous block in every layer's buffers; a span is stored as one array of the cache's storage type (Float32Array,
// or Uint16Array for an f16 cache) [layer 0 k, layer 0 v, layer 1 k, ...].
// L = cache capacity per row, W = floats per position per buffer (Hkv·D for MHA keys or values, Dc + Dr for MLA).

import type { KvStore } from '../backend/index.js';
import type { KvCache } from '../model/index.js';

/** Floats per cached position in each of a layer's buffers (k, and v when present). */
function widths(cache: KvCache): { wk: number; wv: number } {
  if (cache.layout.kind === 'mha') {
    const w = cache.layout.nKvHeads * cache.layout.headDim;
    return { wk: w, wv: w };
  }
  return { wk: cache.layout.kvLoraRank + cache.layout.ropeDim, wv: 0 };
}

/** Floats a span of `len` positions occupies (all layers). */
export function spanFloats(cache: KvCache, len: number): number {
  const { wk, wv } = widths(cache);
  return cache.k.length * (wk + wv) * len;
}

function checkSpan(cache: KvCache, row: number, start: number, len: number, what: string): void {
  if (!Number.isInteger(row) || row < 0 || row >= cache.rows) throw new RangeError(`${what}: row ${row} outside [0, ${cache.rows})`);
  if (!Number.isInteger(start) || !Number.isInteger(len) || start < 0 || len < 0 || start + len > cache.maxLen) {
    throw new RangeError(`${what}: positions [${start}, ${start + len}) outside the row's capacity ${cache.maxLen}`);
  }
}

/** Copies positions [start, start + len) of `row` into a new array of the cache's storage type (the row must hold them). */
export function readSpan(cache: KvCache, row: number, start: number, len: number): KvStore {
  checkSpan(cache, row, start, len, 'readSpan');
  if (start + len > cache.lengths[row]!) throw new RangeError(`readSpan: row ${row} holds ${cache.lengths[row]} positions, asked for [${start}, ${start + len})`);
  const { wk, wv } = widths(cache);
  const out = cache.dtype === 'f16' ? new Uint16Array(spanFloats(cache, len)) : new Float32Array(spanFloats(cache, len));
  let at = 0;
  for (let l = 0; l < cache.k.length; l++) {
    for (const [buf, w] of [[cache.k[l]!, wk], [cache.v[l]!, wv]] as const) {
      if (w === 0) continue;
      const s = (row * cache.maxLen + start) * w;
      (out as Float32Array).set((buf as Float32Array).subarray(s, s + len * w), at); // same storage type on both sides
      at += len * w;
    }
  }
  return out;
}

/**
 * Writes a span read by readSpan (of `len` positions) into `row` at `start`; the row's length becomes start + len.
 * Positions before `start` must already hold the matching prefix.
 */
export function writeSpan(cache: KvCache, row: number, start: number, len: number, span: KvStore): void {
  checkSpan(cache, row, start, len, 'writeSpan');
  if ((span instanceof Uint16Array) !== (cache.dtype === 'f16')) throw new TypeError(`writeSpan: a ${span instanceof Uint16Array ? 'f16' : 'f32'} span does not fit a ${cache.dtype} cache`);
  if (span.length !== spanFloats(cache, len)) throw new RangeError(`writeSpan: span holds ${span.length} floats, ${len} positions need ${spanFloats(cache, len)}`);
  if (start > cache.lengths[row]!) throw new RangeError(`writeSpan: row ${row} holds ${cache.lengths[row]} positions; cannot write at ${start}`);
  const { wk, wv } = widths(cache);
  let at = 0;
  for (let l = 0; l < cache.k.length; l++) {
    for (const [buf, w] of [[cache.k[l]!, wk], [cache.v[l]!, wv]] as const) {
      if (w === 0) continue;
      (buf as Float32Array).set((span as Float32Array).subarray(at, at + len * w), (row * cache.maxLen + start) * w); // same storage type
      at += len * w;
    }
  }
  cache.lengths[row] = start + len;
}
