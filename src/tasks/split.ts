// src/tasks/split.ts — the train / held-out split of synthetic tasks, derived from a hash of each item's content.
// Because the split is a pure function of the problem itself (not of the seed or the position in a stream),
// a problem is in exactly one split: training can never see a held-out problem, whatever seed it uses.

import type { Split } from './types.js';
import { Rng } from '../util/rng.js';

/**
 * Fraction of the problem space that is held out. Fixed on purpose: if it were a per-run knob, a run with a
 * smaller fraction would train on problems another run evaluates on.
 */
export const HELDOUT_FRACTION = 0.1;

/** 32-bit FNV-1a over the UTF-16 code units of `s` (small, fast, well spread; not cryptographic). */
export function fnv1a32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  // Final avalanche (murmur3 fmix32) so that near-identical keys land in unrelated buckets.
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  h ^= h >>> 16;
  return h >>> 0;
}

/** The split a problem belongs to, from its canonical content key. Never returns 'test'. */
export function splitOfKey(key: string): 'train' | 'heldout' {
  return fnv1a32(key) % 10000 < HELDOUT_FRACTION * 10000 ? 'heldout' : 'train';
}

/**
 * Synthetic tasks have two splits; 'test' is accepted as a synonym of 'heldout' so that generic evaluation
 * code can ask every task for its test split.
 */
export function syntheticSplit(split: Split): 'train' | 'heldout' {
  if (split === 'train' || split === 'heldout') return split;
  if (split === 'test') return 'heldout';
  throw new Error(`unknown split "${String(split)}" (expected train, heldout or test)`);
}

/** What a synthetic generator produces before it gets an id. */
export interface GeneratedItem {
  question: string;
  gold: string;
  /** Canonical content key: two problems with the same key are the same problem (hashed for the split). */
  key: string;
  meta: Record<string, unknown>;
}

/**
 * An unlimited, seeded stream of one split's items: draw problems from `generate`, keep those whose key hashes
 * into `split`. Ids carry the seed, the position and the content hash, so they are unique and stable.
 * Throws when `maxRejects` draws in a row fall outside the split (a difficulty whose problem space is too
 * small to have held-out items).
 */
export function* splitStream(
  taskName: string,
  generate: (rng: Rng) => GeneratedItem,
  opts: { split: Split; seed?: number; maxRejects?: number },
): Generator<{ id: string; question: string; gold: string; meta: Record<string, unknown> }> {
  const split = syntheticSplit(opts.split);
  const seed = opts.seed ?? 0;
  const maxRejects = opts.maxRejects ?? 100_000;
  const rng = new Rng(seed);
  let index = 0;
  let rejects = 0;
  for (;;) {
    const g = generate(rng);
    const h = fnv1a32(g.key);
    if (splitOfKey(g.key) !== split) {
      if (++rejects > maxRejects) {
        throw new Error(
          `${taskName}: no ${split} item found in ${maxRejects} draws; the difficulty's problem space is too small`,
        );
      }
      continue;
    }
    rejects = 0;
    const id = `${taskName}-${split}-s${seed}-${index}-${h.toString(16).padStart(8, '0')}`;
    index++;
    yield { id, question: g.question, gold: g.gold, meta: { ...g.meta, key: g.key } };
  }
}

/** The first `n` items of a stream (n defaults to 100 for unlimited synthetic tasks). */
export function takeItems<T>(stream: Iterable<T>, n: number | undefined): T[] {
  const want = n ?? 100;
  if (!Number.isInteger(want) || want < 0) throw new RangeError(`n must be a non-negative integer, got ${n}`);
  const out: T[] = [];
  if (want === 0) return out;
  for (const x of stream) {
    out.push(x);
    if (out.length >= want) break;
  }
  return out;
}
