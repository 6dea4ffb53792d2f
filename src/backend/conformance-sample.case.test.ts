// src/backend/conformance-sample.case.test.ts — conformance of Backend.sampleRows (a kernel with no tensor op): every row's token
// equal to the reference for greedy, plain, top-k, top-p and top-k + top-p sampling at several temperatures, on
// random logits, ties, -Infinity entries and peaked rows, B from 1 to 64 and V from 1 to 1500; log-probs within
// float tolerance; bad arguments rejected.

import assert from 'node:assert/strict';
import type { Backend } from '../contract/kernels.js';
import { Rng } from '../util/rng.js';

export function checkSampleRows(candidate: Backend, ref: Backend): void {
  const rng = new Rng(5150);
  const settings: [number, number, number][] = [[0, 0, 1], [1, 0, 1], [0.6, 0, 0.95], [0.7, 40, 1], [1.3, 5, 0.8], [0.6, 1, 1], [2, 0, 0.3]];
  for (const [B, V] of [[1, 1], [1, 7], [3, 50], [64, 512], [5, 1500]] as const) {
    const logits = new Float32Array(B * V);
    for (let b = 0; b < B; b++) {
      for (let i = 0; i < V; i++) {
        const kind = b % 4;
        logits[b * V + i] = kind === 0 ? rng.normal() * 3 : kind === 1 ? Math.round(rng.normal() * 2) / 2 : kind === 2 ? (rng.next() < 0.2 ? -Infinity : rng.normal()) : rng.normal() * 0.1;
      }
      if (b % 4 === 2) logits[b * V] = 1; // at least one finite logit
      if (b % 4 === 3 && V > 3) logits[b * V + (b % V)] = 12; // a peaked row
    }
    for (const [T, k, p] of settings) {
      const u = Float64Array.from({ length: B }, () => rng.next());
      const run = (be: Backend) => {
        const tokens = new Int32Array(B).fill(-1), lp = new Float64Array(B).fill(NaN);
        be.sampleRows(logits, B, V, T, k, p, u, tokens, lp);
        return { tokens, lp };
      };
      const got = run(candidate), want = run(ref);
      const what = `sampleRows B=${B} V=${V} T=${T} topK=${k} topP=${p}`;
      assert.deepEqual(got.tokens, want.tokens, `${what}: tokens`);
      for (let b = 0; b < B; b++) {
        assert.ok(want.tokens[b]! >= 0 && want.tokens[b]! < V, `${what}: token in range`);
        assert.ok(Math.abs(got.lp[b]! - want.lp[b]!) <= 1e-5 * (1 + Math.abs(want.lp[b]!)), `${what} row ${b}: logprob ${got.lp[b]} vs ${want.lp[b]}`);
        if (k > 0) {
          // The token is among the k most likely.
          const row = logits.subarray(b * V, (b + 1) * V);
          const higher = Array.from(row).filter((x) => x > row[want.tokens[b]!]!).length;
          assert.ok(higher < k, `${what} row ${b}: token outside the top ${k}`);
        }
      }
    }
  }
  const L = new Float32Array(8), t = new Int32Array(2), lp = new Float64Array(2), u = new Float64Array(2);
  assert.throws(() => candidate.sampleRows(L, 2, 5, 1, 0, 1, u, t, lp), /logits/);
  assert.throws(() => candidate.sampleRows(L, 2, 4, 1, 0, 1, u.subarray(1), t, lp), /u holds|draws/);
  assert.throws(() => candidate.sampleRows(L, 2, 4, 1, 0, 1.5, u, t, lp), /topP/);
  assert.throws(() => candidate.sampleRows(L, 2, 4, -1, 0, 1, u, t, lp), /temperature/);
  assert.throws(() => candidate.sampleRows(L, 2, 4, 1, 0, 1, Float64Array.of(0.5, 1), t, lp), /u\[1\]/);
  const nan = new Float32Array(8);
  nan[6] = NaN;
  assert.throws(() => candidate.sampleRows(nan, 2, 4, 1, 0, 1, u, t, lp), /row 1.*NaN|NaN.*row 1|row 1/);
  assert.throws(() => candidate.sampleRows(new Float32Array(4).fill(-Infinity), 1, 4, 1, 0, 1, u, t, lp), /-Infinity/);
}
