// src/tokenizer/bpe.ts — the BPE model: merge ranks and the two equivalent ways of applying them to one piece
// (a plain rescanning loop for short pieces, a rank heap over a linked list for long ones), plus a piece cache.

import { MinHeap } from './heap.js';
import { bytesToByteLevel, isAscii, utf8Bytes } from './bytes.js';

/** Ids must stay below this so that a pair (a, b) packs into one exact double: a * MAX_ID + b. */
export const MAX_ID = 1 << 21;

export function pairKey(a: number, b: number): number {
  return a * MAX_ID + b;
}

/** One merge rule, in rank order: symbols `a` then `b` become `id`. */
export interface Merge {
  a: number;
  b: number;
  id: number;
}

const NAIVE_MAX = 48; // pieces up to this many bytes use the rescanning loop (faster for short pieces)
const CACHE_MAX_ENTRIES = 1 << 18; // cleared when full: bounded memory, no LRU bookkeeping on the hot path
const CACHE_MAX_PIECE = 256; // longer pieces are rare and would bloat the cache

export interface BpeModelOptions {
  /** Id of each byte's single-byte token; -1 where the vocabulary has none (encoding that byte throws). */
  byteToId: Int32Array;
  merges: readonly Merge[];
  /**
   * Llama-3's `ignore_merges`: a piece that is itself a vocabulary entry becomes that token directly. Needs
   * `vocab` (byte-level string → id).
   */
  ignoreMerges?: boolean;
  vocab?: ReadonlyMap<string, number>;
}

export class BpeModel {
  readonly byteToId: Int32Array;
  readonly merges: readonly Merge[];
  private readonly rank = new Map<number, number>();
  private readonly mergedId: Int32Array;
  private readonly ignoreMerges: boolean;
  private readonly vocab: ReadonlyMap<string, number> | undefined;
  private readonly cache = new Map<string, readonly number[]>();
  private readonly heap = new MinHeap();

  constructor(opts: BpeModelOptions) {
    if (opts.byteToId.length !== 256) throw new Error('BpeModel: byteToId must have 256 entries');
    this.byteToId = opts.byteToId;
    this.merges = opts.merges;
    this.mergedId = new Int32Array(opts.merges.length);
    opts.merges.forEach((m, r) => {
      for (const x of [m.a, m.b, m.id]) {
        if (!Number.isInteger(x) || x < 0 || x >= MAX_ID) throw new Error(`BpeModel: merge ${r} has id ${x} outside [0, ${MAX_ID})`);
      }
      const k = pairKey(m.a, m.b);
      // A repeated pair keeps its first (best) rank, as Hugging Face does.
      if (!this.rank.has(k)) this.rank.set(k, r);
      this.mergedId[r] = m.id;
    });
    this.ignoreMerges = opts.ignoreMerges ?? false;
    this.vocab = opts.vocab;
    if (this.ignoreMerges && !this.vocab) throw new Error('BpeModel: ignoreMerges needs vocab');
  }

  /** Rank of merging (a, b), or undefined when no merge applies. */
  rankOf(a: number, b: number): number | undefined {
    return this.rank.get(pairKey(a, b));
  }

  /** Append the token ids of one pre-tokenized piece to `out`. Results are cached per piece. */
  encodePiece(piece: string, out: number[]): void {
    const hit = this.cache.get(piece);
    if (hit !== undefined) {
      for (let i = 0; i < hit.length; i++) out.push(hit[i] as number);
      return;
    }
    const ids = this.encodePieceUncached(piece);
    if (piece.length <= CACHE_MAX_PIECE) {
      if (this.cache.size >= CACHE_MAX_ENTRIES) this.cache.clear();
      this.cache.set(piece, ids);
    }
    for (let i = 0; i < ids.length; i++) out.push(ids[i] as number);
  }

  /** Token ids of one piece, without touching the cache. */
  encodePieceUncached(piece: string): number[] {
    const bytes: number[] = [];
    if (isAscii(piece)) for (let i = 0; i < piece.length; i++) bytes.push(piece.charCodeAt(i));
    else utf8Bytes(piece, bytes);
    if (this.ignoreMerges && this.vocab) {
      const whole = this.vocab.get(bytesToByteLevel(bytes));
      if (whole !== undefined) return [whole];
    }
    const sym = new Array<number>(bytes.length);
    for (let i = 0; i < bytes.length; i++) {
      const id = this.byteToId[bytes[i] as number] as number;
      if (id < 0) throw new Error(`tokenizer vocabulary has no token for byte 0x${(bytes[i] as number).toString(16)}`);
      sym[i] = id;
    }
    return sym.length <= NAIVE_MAX ? this.mergeNaive(sym) : this.mergeHeap(sym);
  }

  /**
   * Apply merges by rescanning: find the lowest-rank adjacent pair, merge all its occurrences left to right,
   * repeat. O(n^2) but allocation-free and fastest for short pieces. Mutates and returns `sym`.
   */
  mergeNaive(sym: number[]): number[] {
    let n = sym.length;
    for (;;) {
      let best = Infinity;
      for (let i = 0; i + 1 < n; i++) {
        const r = this.rank.get(pairKey(sym[i] as number, sym[i + 1] as number));
        if (r !== undefined && r < best) best = r;
      }
      if (best === Infinity) break;
      const m = this.merges[best] as Merge;
      const id = this.mergedId[best] as number;
      let w = 0;
      for (let i = 0; i < n; i++) {
        if (i + 1 < n && sym[i] === m.a && sym[i + 1] === m.b) {
          sym[w++] = id;
          i++;
        } else sym[w++] = sym[i] as number;
      }
      n = w;
    }
    sym.length = n;
    return sym;
  }

  /**
   * Apply merges with a heap of (rank, position) over a doubly linked list of symbols: O(n log n). Same
   * result as mergeNaive: ties in rank go to the leftmost position, exactly as Hugging Face's `Word::merge_all`.
   */
  mergeHeap(sym: number[]): number[] {
    const n = sym.length;
    const s = Int32Array.from(sym);
    const prev = new Int32Array(n);
    const next = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      prev[i] = i - 1;
      next[i] = i + 1 < n ? i + 1 : -1;
    }
    const POS = 2 ** 31; // (rank, pos) packed as rank * 2^31 + pos
    const heap = this.heap;
    heap.clear();
    for (let i = 0; i + 1 < n; i++) {
      const r = this.rank.get(pairKey(s[i] as number, s[i + 1] as number));
      if (r !== undefined) heap.push(r * POS + i);
    }
    for (;;) {
      const top = heap.pop();
      if (top === undefined) break;
      const r = Math.floor(top / POS);
      const i = top - r * POS;
      const j = next[i] as number;
      // Stale entry: the node was absorbed, or its right neighbour changed since the push.
      if (s[i] === -1 || j === -1 || this.rank.get(pairKey(s[i] as number, s[j] as number)) !== r) continue;
      s[i] = this.mergedId[r] as number;
      s[j] = -1;
      const k = next[j] as number;
      next[i] = k;
      if (k !== -1) prev[k] = i;
      const p = prev[i] as number;
      if (p !== -1) {
        const rp = this.rank.get(pairKey(s[p] as number, s[i] as number));
        if (rp !== undefined) heap.push(rp * POS + p);
      }
      if (k !== -1) {
        const rk = this.rank.get(pairKey(s[i] as number, s[k] as number));
        if (rk !== undefined) heap.push(rk * POS + i);
      }
    }
    const out: number[] = [];
    for (let i = 0; i !== -1 && n > 0; i = next[i] as number) out.push(s[i] as number);
    return out;
  }
}
