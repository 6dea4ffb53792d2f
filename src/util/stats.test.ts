// src/util/stats.test.ts — benchmark repetition summaries: median, spread, the too-wide flag.

import test from 'node:test';
import assert from 'node:assert/strict';
import { formatSpread, median, quantile, spreadOf, tooWide } from './stats.js';

test('median of odd and even counts; empty input is an error', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.throws(() => median([]), /no values/);
});

test('quantiles interpolate between neighbours', () => {
  assert.equal(quantile([1, 2, 3, 4, 5], 0.5), 3);
  assert.ok(Math.abs(quantile([1, 2, 3, 4, 5], 0.1) - 1.4) < 1e-12);
  assert.equal(quantile([7], 0.9), 7);
  assert.throws(() => quantile([], 0.5), /no values/);
});

test('spread is (p90 - p10) / median over the finite values; one outlier among many does not dominate', () => {
  const s = spreadOf([10, 11, 9, 10.5, NaN]);
  assert.deepEqual([s.n, s.median, s.min, s.max], [4, 10.25, 9, 11]);
  // sorted 9, 10, 10.5, 11: p10 = 9.3, p90 = 10.85
  assert.ok(Math.abs(s.spread - 1.55 / 10.25) < 1e-12);
  const many = spreadOf([...Array.from({ length: 20 }, (_, i) => 100 + (i % 3)), 300]);
  assert.ok(many.spread < 0.03, String(many.spread));
  assert.ok(Number.isNaN(spreadOf([5]).spread));
  assert.throws(() => spreadOf([NaN]), /no finite values/);
});

test('a wide spread is flagged; a narrow one and a single repetition are not', () => {
  const narrow = spreadOf([100, 102, 101, 99]);
  assert.equal(tooWide(narrow), false);
  assert.equal(formatSpread(narrow), 'spread 2.4% over 4 reps');
  const wide = spreadOf([100, 140, 98]);
  assert.equal(tooWide(wide), true);
  assert.equal(formatSpread(wide), 'spread 34% over 3 reps: TOO WIDE (> 10%)');
  assert.equal(tooWide(wide, 0.5), false, 'the limit is the caller’s');
  assert.equal(formatSpread(spreadOf([7])), '1 rep, spread unknown');
});
