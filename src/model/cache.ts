// src/model/cache.ts — the KV cache that generation owns and the model writes: per layer, per batch row, the keys and
// values of past tokens (MHA/GQA) or the compressed MLA latent plus the decoupled RoPE key (DeepSeek-V2 §2.1.4:
// the cache holds (d_c + d_h^R) numbers per token and layer, independent of the number of heads).
// B = rows (sequences), L = maxLen, Hkv = kv heads, D = head dim, Dc = kvLoraRank, Dr = qkRopeHeadDim.

import { type ModelConfig, mhaDims } from './config.js';
import type { KvStore } from '../backend/index.js';

/**
 * How cached keys and values are stored: 'f32', or 'f16' (IEEE half precision in Uint16Arrays: half the memory and
 * half the bytes each decode step reads, at about 3 significant digits; MHA/GQA caches only).
 */
export type KvDtype = 'f32' | 'f16';

/**
 * The KV-cache storage generation uses unless told otherwise, for MHA/GQA models (an MLA latent cache is always
 * f32): half precision, since decode attention at large batches is bound by the bytes it reads (bench:generate).
 * Its logits differ from the full forward's by about 1e-3 (three significant digits per cached value), so callers
 * that need the sampler's log-probs to match a training forward within 1e-4 — GRPO's rollouts — ask for 'f32'.
 */
export const DEFAULT_KV_DTYPE: KvDtype = 'f16';

/** The default KV storage for a model: DEFAULT_KV_DTYPE for MHA/GQA, 'f32' for MLA (its latent cache has no f16 form). */
export function defaultKvDtype(config: ModelConfig): KvDtype {
  return config.attention.kind === 'mha' ? DEFAULT_KV_DTYPE : 'f32';
}

/** Per-layer buffers from this size up come from the backend's huge-page allocator when it has one. */
const HUGE_MIN_BYTES = 1 << 21;

/**
 * Large per-layer cache buffers handed back by KvCache.release(), for the next cache of the same model to reuse.
 * Why: a fresh huge-page buffer is zeroed by the kernel on first touch, page fault by page fault, inside the decode
 * steps that first write each position; on a VM whose host backs guest memory lazily that costs far more than the
 * zeroing (measured on a 2-core cloud VM: 312 MB first touched at 0.37 GB/s, 0.9 s, against 38 ms once the pages
 * had been used; `perf` put 5% of a batch-64 `generate` call of the large bench model in the kernel's page clearing).
 * A reused buffer is cleared with one fill instead (~30 ms for 312 MB). Holds at most `maxBytes` (oldest dropped
 * first).
 */
export class KvBufferPool {
  readonly #free: ArrayBuffer[] = [];
  #bytes = 0;

  constructor(private readonly alloc: (bytes: number) => ArrayBuffer | null, readonly maxBytes = 2 ** 30) {}

  /** Bytes held for reuse now. */
  get heldBytes(): number {
    return this.#bytes;
  }

  /**
   * A buffer of at least `bytes` whose first `bytes` are zero: the smallest released one no more than twice that
   * size, else a new one from the allocator (null when it has none: the caller allocates normally).
   */
  take(bytes: number): ArrayBuffer | null {
    let best = -1;
    for (let i = 0; i < this.#free.length; i++) {
      const n = this.#free[i]!.byteLength;
      if (n >= bytes && n <= 2 * bytes && (best < 0 || n < this.#free[best]!.byteLength)) best = i;
    }
    if (best < 0) return this.alloc(bytes);
    const buf = this.#free.splice(best, 1)[0]!;
    this.#bytes -= buf.byteLength;
    new Uint8Array(buf, 0, bytes).fill(0);
    return buf;
  }

  /** Takes back a buffer that take() gave out and nothing uses any more. */
  give(buf: ArrayBuffer): void {
    this.#free.push(buf);
    this.#bytes += buf.byteLength;
    while (this.#bytes > this.maxBytes) this.#bytes -= this.#free.shift()!.byteLength;
  }
}

export type CacheLayout =
  | { kind: 'mha'; nKvHeads: number; headDim: number }
  | { kind: 'mla'; kvLoraRank: number; ropeDim: number };

export class KvCache {
  readonly layout: CacheLayout;
  /** Tokens stored per row so far; the next token of row b goes to position lengths[b]. */
  readonly lengths: Int32Array;
  /**
   * Per layer, time-major so a row's first S positions are one contiguous block: MHA keys (B, L, Hkv, D) and
   * values (B, L, Hkv, D); MLA one buffer (B, L, Dc + Dr) holding [normalized c_kv, rotated k_pe] per token, `v` empty.
   * Float32Arrays, or Uint16Arrays of half-precision bits when dtype is 'f16'.
   */
  readonly k: KvStore[];
  readonly v: KvStore[];

  /** Buffers taken from a pool, handed back by release(). */
  readonly #pooled: ArrayBuffer[] = [];
  readonly #pool: KvBufferPool | null;
  #released = false;

  /**
   * `hugeBuffer`, when given (Backend.hugeBuffer, or a KvBufferPool over it), allocates the larger per-layer buffers:
   * memory the backend backs with huge pages, which decode attention streams faster (every row's keys and values are
   * read once per step). From a pool, release() hands them back for the next cache.
   */
  constructor(readonly config: ModelConfig, readonly rows: number, readonly maxLen: number = config.maxSeqLen, nLayers = config.nLayers, readonly dtype: KvDtype = 'f32',
    hugeBuffer?: ((bytes: number) => ArrayBuffer | null) | KvBufferPool) {
    if (!Number.isInteger(rows) || rows < 1) throw new RangeError(`KvCache: rows must be a positive integer, got ${rows}`);
    if (!Number.isInteger(maxLen) || maxLen < 1 || maxLen > config.maxSeqLen) throw new RangeError(`KvCache: maxLen ${maxLen} must be in [1, maxSeqLen=${config.maxSeqLen}]`);
    const a = config.attention;
    this.layout = a.kind === 'mha' ? { kind: 'mha', ...mhaDims(config) } : { kind: 'mla', kvLoraRank: a.kvLoraRank, ropeDim: a.qkRopeHeadDim };
    if (dtype !== 'f32' && dtype !== 'f16') throw new RangeError(`KvCache: dtype must be 'f32' or 'f16', got ${String(dtype)}`);
    if (dtype === 'f16' && this.layout.kind !== 'mha') throw new RangeError('KvCache: f16 storage is available for MHA/GQA caches; an MLA latent cache is float32');
    const pool = hugeBuffer instanceof KvBufferPool ? hugeBuffer : null;
    this.#pool = pool;
    const take = hugeBuffer instanceof KvBufferPool ? (bytes: number) => hugeBuffer.take(bytes) : hugeBuffer;
    const buf = (n: number): KvStore => {
      const bytes = n * (dtype === 'f16' ? 2 : 4);
      const big = take && bytes >= HUGE_MIN_BYTES ? take(bytes) : null;
      if (big && pool) this.#pooled.push(big);
      if (dtype === 'f16') return big ? new Uint16Array(big, 0, n) : new Uint16Array(n);
      return big ? new Float32Array(big, 0, n) : new Float32Array(n);
    };
    this.lengths = new Int32Array(rows);
    this.k = [];
    this.v = [];
    for (let l = 0; l < nLayers; l++) {
      if (this.layout.kind === 'mha') {
        const n = rows * this.layout.nKvHeads * maxLen * this.layout.headDim;
        this.k.push(buf(n));
        this.v.push(buf(n));
      } else {
        this.k.push(new Float32Array(rows * maxLen * this.tokenWidth()));
        this.v.push(new Float32Array(0));
      }
    }
  }

  /** True after release(). */
  get released(): boolean {
    return this.#released;
  }

  /**
   * Ends this cache: its pooled buffers go back to the pool for the next cache, and its per-layer lists are emptied
   * (a decode step on a released cache fails on them). Call it only when nothing reads the cache any more.
   */
  release(): void {
    if (this.#released) return;
    this.#released = true;
    this.k.length = 0;
    this.v.length = 0;
    this.lengths.fill(0);
    for (const b of this.#pooled.splice(0)) this.#pool!.give(b);
  }

  /** Floats stored per token per layer: 2·Hkv·D for MHA, Dc + Dr for MLA. */
  tokenWidth(): number {
    return this.layout.kind === 'mha' ? 2 * this.layout.nKvHeads * this.layout.headDim : this.layout.kvLoraRank + this.layout.ropeDim;
  }

  /** Total values held (all layers, rows, positions). */
  floats(): number {
    let n = 0;
    for (let l = 0; l < this.k.length; l++) n += this.k[l]!.length + this.v[l]!.length;
    return n;
  }

  /** Bytes per stored value: 4 (f32) or 2 (f16). */
  get bytesPerValue(): number {
    return this.dtype === 'f16' ? 2 : 4;
  }

  /** Total bytes held. */
  bytes(): number {
    return this.floats() * this.bytesPerValue;
  }

  /** Layer l's MLA latent buffer (MLA caches are always float32). */
  latent(l: number): Float32Array {
    const k = this.k[l];
    if (!(k instanceof Float32Array)) throw new Error('KvCache.latent: not a float32 cache');
    return k;
  }

  /** Forget row b (or truncate it to `len` tokens, e.g. back to a shared prompt). */
  reset(b: number, len = 0): void {
    if (len < 0 || len > this.lengths[b]!) throw new RangeError(`KvCache.reset: length ${len} outside [0, ${this.lengths[b]}] for row ${b}`);
    this.lengths[b] = len;
  }

  /** Copies the first `len` tokens (default all) of row src into row dst (prefix sharing: G samples of one prompt). */
  copyRow(src: number, dst: number, len = this.lengths[src]!): void {
    if (len > this.lengths[src]!) throw new RangeError(`KvCache.copyRow: row ${src} holds ${this.lengths[src]} tokens, asked for ${len}`);
    // Time-major rows: the first `len` positions of a row are one contiguous block in every buffer.
    const w = this.layout.kind === 'mha' ? this.layout.nKvHeads * this.layout.headDim : this.tokenWidth();
    for (let l = 0; l < this.k.length; l++) {
      for (const buf of [this.k[l]!, this.v[l]!]) {
        if (buf.length > 0) buf.copyWithin(dst * this.maxLen * w, src * this.maxLen * w, (src * this.maxLen + len) * w);
      }
    }
    this.lengths[dst] = len;
  }
}

/**
 * Splits batch entries 0..B-1 into runs that one strided attention call can serve: consecutive entries whose cache
 * rows are consecutive and whose lengths are equal (the G samples of one prompt decode in lockstep). Returns
 * [first entry, count] pairs.
 */
export function equalLengthRuns(rows: Int32Array, starts: Int32Array): [number, number][] {
  const runs: [number, number][] = [];
  let b = 0;
  while (b < rows.length) {
    let n = 1;
    while (b + n < rows.length && starts[b + n] === starts[b] && rows[b + n] === rows[b]! + n) n++;
    runs.push([b, n]);
    b += n;
  }
  return runs;
}
