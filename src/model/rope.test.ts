// src/model/rope.test.ts — tests: RoPE frequency scaling (llama3, linear) in the frequency list and the cos/sin tables.

import test from 'node:test';
import assert from 'node:assert/strict';
import { ropeFrequencies, RopeTable } from './rope.js';

test('RoPE tables under scaling: llama3 keeps high frequencies, divides low ones by the factor and blends between; linear divides all', () => {
  const dim = 16, theta = 10000, T = 64;
  const base = ropeFrequencies(dim, theta);
  const l3 = { type: 'llama3' as const, factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositionEmbeddings: 64 };
  const scaled = ropeFrequencies(dim, theta, l3);
  let kept = 0, divided = 0, blended = 0;
  for (let p = 0; p < dim / 2; p++) {
    const wavelen = (2 * Math.PI) / base[p]!;
    if (wavelen < 64 / 4) { assert.equal(scaled[p], base[p], `dim ${p}: high frequency kept`); kept++; }
    else if (wavelen > 64 / 1) { assert.ok(Math.abs(scaled[p]! - base[p]! / 8) <= 1e-7 * base[p]!, `dim ${p}: low frequency / 8`); divided++; }
    else { assert.ok(scaled[p]! < base[p]! && scaled[p]! > base[p]! / 8, `dim ${p}: blended`); blended++; }
  }
  assert.ok(kept > 0 && divided > 0 && blended > 0, `every regime appears (kept ${kept}, divided ${divided}, blended ${blended})`);
  const lin = new RopeTable(T, dim, theta, { type: 'linear', factor: 4 }), plain = new RopeTable(T, dim, theta);
  // Linear scaling: position t rotates as position t / 4 would without scaling.
  for (const t of [4, 8, 40]) for (let p = 0; p < dim / 2; p++) {
    assert.ok(Math.abs(lin.cos[t * dim / 2 + p]! - plain.cos[(t / 4) * dim / 2 + p]!) < 1e-6, `linear cos t=${t} p=${p}`);
  }
  const t3 = new RopeTable(T, dim, theta, l3);
  assert.ok(t3.cos.some((x, i) => Math.abs(x - plain.cos[i]!) > 1e-3), 'the llama3 table differs from the plain one');
});
