// src/generate/prefix-cache.ts — reuse of the KV of shared prompt prefixes across generate calls (the same system
// prompt, the G samples of one GRPO prompt, a chat's earlier turns). Prompts are cut into blocks of `blockSize`
// tokens; block k is keyed by a hash chain over every token up to its end (as vLLM's automatic prefix caching), so a
// block is only reused after the identical prefix. Entries hold that block's KV for every layer; the cache is LRU,
// bounded in bytes. Cached KV depends on the weights: call clear() after a training step changes them.

import type { KvStore } from '../backend/index.js';
import type { KvCache } from '../model/index.js';
import { readSpan, spanFloats, writeSpan } from './kv-blocks.js';

export interface PrefixCacheOptions {
  /** Upper bound on the bytes of cached KV (least recently used blocks are dropped first). */
  maxBytes: number;
  /** Tokens per block (default 16); only whole blocks are cached. */
  blockSize?: number;
}

export interface PrefixCacheStats {
  blocks: number;
  bytes: number;
  /** Lookups that reused at least one block, and those that reused none. */
  hits: number;
  misses: number;
  /** Prompt tokens served from the cache so far. */
  hitTokens: number;
  /** Blocks dropped to stay under maxBytes. */
  evictions: number;
}

interface Entry {
  parent: string;
  tokens: Int32Array;
  kv: KvStore;
}

/** 32-bit FNV-1a-style mix of a key and a block of tokens (two seeds give a 64-bit chain key). */
function mix(h: number, tokens: ArrayLike<number>, from: number, to: number, prime: number): number {
  for (let i = from; i < to; i++) {
    const t = tokens[i]!;
    h = Math.imul(h ^ (t & 0xffff), prime);
    h = Math.imul(h ^ (t >>> 16), prime);
  }
  return h >>> 0;
}

export class PrefixCache {
  readonly maxBytes: number;
  readonly blockSize: number;
  private readonly entries = new Map<string, Entry>(); // insertion order = LRU order (oldest first)
  private bytes = 0;
  private configKey: string | null = null;
  private counters = { hits: 0, misses: 0, hitTokens: 0, evictions: 0 };

  constructor(opts: PrefixCacheOptions) {
    if (!Number.isFinite(opts.maxBytes) || opts.maxBytes < 0) throw new RangeError(`PrefixCache: maxBytes must be a number >= 0, got ${opts.maxBytes}`);
    const bs = opts.blockSize ?? 16;
    if (!Number.isInteger(bs) || bs < 1) throw new RangeError(`PrefixCache: blockSize must be a positive integer, got ${bs}`);
    this.maxBytes = opts.maxBytes;
    this.blockSize = bs;
  }

  stats(): PrefixCacheStats {
    return { blocks: this.entries.size, bytes: this.bytes, ...this.counters };
  }

  /** Drops everything (call after the model's weights change: cached KV would be stale). */
  clear(): void {
    this.entries.clear();
    this.bytes = 0;
    this.configKey = null;
  }

  private checkModel(cache: KvCache): void {
    const key = `${cache.dtype}:${JSON.stringify(cache.config)}`;
    if (this.configKey === null) this.configKey = key;
    else if (this.configKey !== key) throw new Error('PrefixCache: used with a different model config or KV storage (f32/f16) than the one it holds KV for (clear() it first)');
  }

  /** Chain keys of the whole blocks of `tokens` (key k covers tokens [0, (k+1)·blockSize)). */
  private keys(tokens: ArrayLike<number>, nBlocks: number): string[] {
    const out: string[] = [];
    let a = 0x811c9dc5, b = 0x9e3779b9;
    for (let k = 0; k < nBlocks; k++) {
      const from = k * this.blockSize, to = from + this.blockSize;
      a = mix(a, tokens, from, to, 0x01000193);
      b = mix(b, tokens, from, to, 0x5bd1e995);
      out.push(`${a.toString(36)}.${b.toString(36)}.${to}`);
    }
    return out;
  }

  /**
   * Restores the longest cached prefix of `tokens` of at most `maxTokens` tokens into cache row `row` (which is
   * reset first) and returns its length (0 on a miss). Callers pass maxTokens = prompt length - 1 so at least one
   * token is left to compute the next-token logits from.
   */
  restore(cache: KvCache, row: number, tokens: ArrayLike<number>, maxTokens: number): number {
    this.checkModel(cache);
    cache.reset(row, 0);
    const n = Math.floor(Math.min(maxTokens, tokens.length) / this.blockSize);
    if (n <= 0) {
      this.counters.misses++;
      return 0;
    }
    const keys = this.keys(tokens, n);
    let parent = '';
    let got = 0;
    for (let k = 0; k < n; k++) {
      const e = this.entries.get(keys[k]!);
      if (!e || e.parent !== parent || !sameBlock(e.tokens, tokens, k * this.blockSize)) break;
      // Touch: move to the most recently used end.
      this.entries.delete(keys[k]!);
      this.entries.set(keys[k]!, e);
      writeSpan(cache, row, k * this.blockSize, this.blockSize, e.kv);
      parent = keys[k]!;
      got = (k + 1) * this.blockSize;
    }
    if (got > 0) {
      this.counters.hits++;
      this.counters.hitTokens += got;
    } else {
      this.counters.misses++;
    }
    return got;
  }

  /** Stores the whole blocks of `tokens` whose KV row `row` holds (positions [0, len)); returns blocks added. */
  store(cache: KvCache, row: number, tokens: ArrayLike<number>): number {
    this.checkModel(cache);
    const len = Math.min(tokens.length, cache.lengths[row]!);
    const n = Math.floor(len / this.blockSize);
    const blockBytes = spanFloats(cache, this.blockSize) * cache.bytesPerValue;
    if (n === 0 || blockBytes > this.maxBytes) return 0;
    const keys = this.keys(tokens, n);
    let added = 0;
    let parent = '';
    for (let k = 0; k < n; k++) {
      const key = keys[k]!;
      const have = this.entries.get(key);
      if (have && have.parent === parent && sameBlock(have.tokens, tokens, k * this.blockSize)) {
        this.entries.delete(key);
        this.entries.set(key, have);
      } else {
        if (have) this.drop(key, have);
        const from = k * this.blockSize;
        const block = Int32Array.from({ length: this.blockSize }, (_, i) => tokens[from + i]!);
        this.entries.set(key, { parent, tokens: block, kv: readSpan(cache, row, from, this.blockSize) });
        this.bytes += blockBytes;
        added++;
      }
      parent = key;
    }
    // Evict least recently used blocks (the oldest insertion-order entries).
    for (const [key, e] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.drop(key, e);
      this.counters.evictions++;
    }
    return added;
  }

  private drop(key: string, e: Entry): void {
    this.entries.delete(key);
    this.bytes -= e.kv.byteLength;
  }
}

function sameBlock(block: Int32Array, tokens: ArrayLike<number>, from: number): boolean {
  for (let i = 0; i < block.length; i++) if (block[i] !== tokens[from + i]) return false;
  return true;
}
