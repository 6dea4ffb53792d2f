// src/tokenizer/train.ts — BPE training (Sennrich et al. 2016) with incremental pair counts: unique pieces are
// counted once, then each merge touches only the words that contain the merged pair (linked-list symbols,
// per-pair word lists, a lazy max-heap of pair counts) instead of recounting the corpus per merge.

import { PairHeap } from './heap.js';
import { pairKey, MAX_ID, type Merge } from './bpe.js';
import { bytesToByteLevel, utf8Bytes } from './bytes.js';

/** Progress of a training run; `phase` says which stage, `done`/`total` count its units. */
export interface TrainProgress {
  phase: 'merge';
  done: number;
  total: number;
}

export interface LearnMergesOptions {
  /** Merges to learn at most (training stops early when no pair occurs `minFrequency` times). */
  numMerges: number;
  /** A pair must occur at least this often (weighted by piece counts) to be merged. Default 2. */
  minFrequency?: number;
  /** Byte strings no merge may produce (special-token contents: those get their own ids instead). */
  forbidden?: readonly Uint8Array[];
  onProgress?: (p: TrainProgress) => void;
}

export interface LearnedMerges {
  merges: Merge[];
  /** Bytes of every token id: ids 0–255 are the single bytes, then one id per merge in rank order. */
  tokens: Uint8Array[];
}

/**
 * Learn merges from piece counts (piece text → how often the pre-tokenizer produced it). Ties between equally
 * frequent pairs go to the smaller (left id, right id), so a run is a pure function of its input.
 */
export function learnMerges(pieceCounts: ReadonlyMap<string, number>, opts: LearnMergesOptions): LearnedMerges {
  const minFrequency = opts.minFrequency ?? 2;
  if (!Number.isInteger(opts.numMerges) || opts.numMerges < 0) throw new Error(`numMerges must be a non-negative integer, got ${opts.numMerges}`);
  if (256 + opts.numMerges > MAX_ID) throw new Error(`numMerges too large: ids must stay below ${MAX_ID}`);
  const tokens: Uint8Array[] = [];
  for (let b = 0; b < 256; b++) tokens.push(Uint8Array.of(b));
  const forbidden = new Set((opts.forbidden ?? []).map((b) => bytesToByteLevel(b)));

  // 1. Lay every unique piece out as a linked list of byte symbols in flat arrays.
  const wordCount: number[] = [];
  const wordStart: number[] = [];
  const flat: number[] = [];
  for (const [piece, c] of pieceCounts) {
    const before = flat.length;
    utf8Bytes(piece, flat);
    if (flat.length - before < 2) {
      flat.length = before; // a one-byte piece has no pairs
      continue;
    }
    wordStart.push(before);
    wordCount.push(c);
  }
  const nWords = wordStart.length;
  const sym = Int32Array.from(flat);
  const next = new Int32Array(sym.length);
  const prev = new Int32Array(sym.length);
  for (let w = 0; w < nWords; w++) {
    const s = wordStart[w] as number;
    const e = w + 1 < nWords ? (wordStart[w + 1] as number) : sym.length;
    for (let i = s; i < e; i++) {
      prev[i] = i === s ? -1 : i - 1;
      next[i] = i + 1 < e ? i + 1 : -1;
    }
  }

  // 2. Count every adjacent pair once, remembering which words hold it.
  const count = new Map<number, number>();
  const where = new Map<number, number[]>();
  const addWhere = (k: number, w: number): void => {
    const list = where.get(k);
    if (list === undefined) where.set(k, [w]);
    else if (list[list.length - 1] !== w) list.push(w);
  };
  for (let w = 0; w < nWords; w++) {
    const c = wordCount[w] as number;
    for (let i = wordStart[w] as number; next[i] !== -1; i = next[i] as number) {
      const k = pairKey(sym[i] as number, sym[next[i] as number] as number);
      count.set(k, (count.get(k) ?? 0) + c);
      addWhere(k, w);
    }
  }
  const heap = new PairHeap();
  for (const [k, c] of count) heap.push(c, k);

  // 3. Merge the most frequent pair, updating only the counts around each occurrence.
  const merges: Merge[] = [];
  const seen = new Int32Array(nWords).fill(-1); // dedupe word lists per merge
  const touched = new Set<number>();
  while (merges.length < opts.numMerges) {
    const top = heap.peekCount();
    if (top === undefined) break;
    const key = heap.peekKey() as number;
    const cur = count.get(key) ?? 0;
    if (cur !== top) {
      heap.pop(); // stale: re-queue with the current count
      if (cur > 0) heap.push(cur, key);
      continue;
    }
    if (cur < minFrequency) break;
    heap.pop();
    const a = Math.floor(key / MAX_ID);
    const b = key - a * MAX_ID;
    const ta = tokens[a] as Uint8Array;
    const tb = tokens[b] as Uint8Array;
    const merged = new Uint8Array(ta.length + tb.length);
    merged.set(ta);
    merged.set(tb, ta.length);
    if (forbidden.size > 0 && forbidden.has(bytesToByteLevel(merged))) {
      count.delete(key); // this pair may never merge
      continue;
    }
    const x = tokens.length;
    tokens.push(merged);
    merges.push({ a, b, id: x });
    const stamp = merges.length;
    touched.clear();
    const inc = (k: number, c: number, w: number): void => {
      count.set(k, (count.get(k) ?? 0) + c);
      addWhere(k, w);
      touched.add(k);
    };
    const dec = (k: number, c: number): void => {
      count.set(k, (count.get(k) ?? 0) - c);
    };
    for (const w of where.get(key) ?? []) {
      if (seen[w] === stamp) continue;
      seen[w] = stamp;
      const c = wordCount[w] as number;
      for (let i = wordStart[w] as number; i !== -1; ) {
        const j = next[i] as number;
        if (j === -1) break;
        if (sym[i] !== a || sym[j] !== b) {
          i = j;
          continue;
        }
        const p = prev[i] as number;
        const k = next[j] as number;
        if (p !== -1) {
          dec(pairKey(sym[p] as number, a), c);
          inc(pairKey(sym[p] as number, x), c, w);
        }
        if (k !== -1) {
          dec(pairKey(b, sym[k] as number), c);
          inc(pairKey(x, sym[k] as number), c, w);
        }
        sym[i] = x;
        next[i] = k;
        if (k !== -1) prev[k] = i;
        i = k;
      }
    }
    count.delete(key);
    where.delete(key);
    for (const k of touched) {
      const c = count.get(k) ?? 0;
      if (c > 0) heap.push(c, k);
    }
    if (opts.onProgress && (stamp % 256 === 0 || stamp === opts.numMerges)) {
      opts.onProgress({ phase: 'merge', done: stamp, total: opts.numMerges });
    }
  }
  return { merges, tokens };
}

/**
 * The plain definition of BPE training, kept as an oracle for tests: recount every pair of every word after
 * each merge. Same tie-breaking as learnMerges. Far too slow for real corpora.
 */
export function learnMergesNaive(pieceCounts: ReadonlyMap<string, number>, numMerges: number, minFrequency = 2): Merge[] {
  const words = [...pieceCounts].map(([p, c]) => ({ s: utf8Bytes(p), c }));
  const merges: Merge[] = [];
  let nextId = 256;
  while (merges.length < numMerges) {
    const counts = new Map<number, number>();
    for (const { s, c } of words) for (let i = 0; i + 1 < s.length; i++) {
      const k = pairKey(s[i] as number, s[i + 1] as number);
      counts.set(k, (counts.get(k) ?? 0) + c);
    }
    let bestK = -1;
    let bestC = 0;
    for (const [k, c] of counts) if (c > bestC || (c === bestC && k < bestK)) [bestK, bestC] = [k, c];
    if (bestK < 0 || bestC < minFrequency) break;
    const a = Math.floor(bestK / MAX_ID);
    const b = bestK - a * MAX_ID;
    const id = nextId++;
    merges.push({ a, b, id });
    for (const w of words) {
      const out: number[] = [];
      for (let i = 0; i < w.s.length; i++) {
        if (i + 1 < w.s.length && w.s[i] === a && w.s[i + 1] === b) {
          out.push(id);
          i++;
        } else out.push(w.s[i] as number);
      }
      w.s = out;
    }
  }
  return merges;
}
