// src/eval/metrics.test.ts — metrics against hand-computed values (pass@k, cons@k grouping and ties).

import test from 'node:test';
import assert from 'node:assert/strict';
import { consAtK, formatRate, majorityVote, mean, meanPassAtK, passAt1, passAtK, passAtKCurve, standardError } from './metrics.js';

const close = (a: number, b: number, eps = 1e-12): void => assert.ok(Math.abs(a - b) <= eps, `${a} != ${b}`);

test('passAt1 is the fraction of correct samples', () => {
  assert.equal(passAt1([true, false, true, false]), 0.5);
  assert.equal(passAt1([false]), 0);
  assert.throws(() => passAt1([]), /no samples/);
});

test('passAtK matches hand-computed binomial ratios', () => {
  // n = 5, c = 2: pass@1 = 2/5; pass@2 = 1 - C(3,2)/C(5,2) = 1 - 3/10; pass@3 = 1 - C(3,3)/C(5,3) = 1 - 1/10.
  close(passAtK(5, 2, 1), 0.4);
  close(passAtK(5, 2, 2), 0.7);
  close(passAtK(5, 2, 3), 0.9);
  // n - c = 3 < k = 4: every 4-subset contains a correct sample.
  assert.equal(passAtK(5, 2, 4), 1);
  assert.equal(passAtK(5, 2, 5), 1);
  // n = 10, c = 3, k = 4: 1 - C(7,4)/C(10,4) = 1 - 35/210 = 5/6.
  close(passAtK(10, 3, 4), 5 / 6);
  assert.equal(passAtK(8, 0, 3), 0);
  assert.equal(passAtK(8, 8, 1), 1);
});

test('passAtK stays accurate for large n where binomials overflow doubles', () => {
  // Exact reference with BigInt binomials: n = 1100, c = 37, k = 500 (C(1100, 500) ~ 1e329 > Number.MAX_VALUE).
  const binom = (n: bigint, k: bigint): bigint => {
    let r = 1n;
    for (let i = 1n; i <= k; i++) r = (r * (n - k + i)) / i;
    return r;
  };
  const n = 1100, c = 37, k = 500;
  const num = binom(BigInt(n - c), BigInt(k));
  const den = binom(BigInt(n), BigInt(k));
  // ratio to 15 significant digits via scaled integer division.
  const scale = 10n ** 18n;
  const ratio = Number((num * scale) / den) / 1e18;
  close(passAtK(n, c, k), 1 - ratio, 1e-12);
});

test('passAtK rejects bad arguments with a clear message', () => {
  assert.throws(() => passAtK(4, 5, 1), /c must be an integer in \[0, n=4\]/);
  assert.throws(() => passAtK(4, 1, 5), /k must be an integer in \[1, n=4\]/);
  assert.throws(() => passAtK(0, 0, 1), /n must be a positive integer/);
  assert.throws(() => passAtK(4, 1.5, 1), /c must be an integer/);
});

test('meanPassAtK and passAtKCurve average over problems for every k up to the smallest n', () => {
  const perItem = [
    [true, false, false, false], // c=1, n=4: pass@1 = .25, pass@2 = 1 - C(3,2)/C(4,2) = .5, pass@3 = .75, pass@4 = 1
    [false, false, false, false], // all zero
    [true, true, false, true], // c=3: pass@1 = .75, pass@2 = 1 (n-c=1<2)
  ];
  close(meanPassAtK(perItem, 1), (0.25 + 0 + 0.75) / 3);
  const curve = passAtKCurve(perItem);
  assert.equal(curve.length, 4);
  close(curve[0]!, (0.25 + 0 + 0.75) / 3);
  close(curve[1]!, (0.5 + 0 + 1) / 3);
  close(curve[2]!, (0.75 + 0 + 1) / 3);
  close(curve[3]!, (1 + 0 + 1) / 3);
  assert.deepEqual(passAtKCurve([]), []);
});

test('majorityVote groups by answerKey and merges equivalent groups', async () => {
  const grouping = {
    answerKey: (a: string) => a.replace(/\s+/g, ''),
    // "0.5" and "1/2" are the same number; everything else compares by key.
    equivalent: async (a: string, b: string) => {
      const val = (s: string): number => (s.includes('/') ? Number(s.split('/')[0]) / Number(s.split('/')[1]) : Number(s));
      return val(a.replace(/\s+/g, '')) === val(b.replace(/\s+/g, ''));
    },
  };
  const samples = [
    { extracted: '3', correct: false },
    { extracted: '1/2', correct: true },
    { extracted: '3', correct: false },
    { extracted: '0.5', correct: true },
    { extracted: ' 1 / 2', correct: true },
    { extracted: null, correct: false },
  ];
  // Without merging: "3" has 2 votes, "1/2" 2 votes (key strips spaces), "0.5" 1 -> tie goes to "3" (first seen).
  const plain = await majorityVote(samples, { answerKey: grouping.answerKey });
  assert.deepEqual(plain, { answer: '3', correct: false, votes: 2, groups: 3 });
  // With equivalence: "1/2" + "0.5" = 3 votes beat "3".
  const merged = await majorityVote(samples, grouping);
  assert.deepEqual(merged, { answer: '1/2', correct: true, votes: 3, groups: 2 });
});

test('majorityVote breaks ties by earliest first occurrence, independent of later order', async () => {
  const a = { extracted: 'A', correct: true };
  const b = { extracted: 'B', correct: false };
  assert.equal((await majorityVote([b, a, a, b])).answer, 'B');
  assert.equal((await majorityVote([a, b, b, a])).answer, 'A');
  assert.equal((await majorityVote([a, b, b])).answer, 'B');
  // Default key trims whitespace; no answers at all -> no vote, counted wrong.
  assert.deepEqual(await majorityVote([{ extracted: ' A ', correct: true }, a]), { answer: ' A ', correct: true, votes: 2, groups: 1 });
  assert.deepEqual(await majorityVote([{ extracted: null, correct: false }]), { answer: null, correct: false, votes: 0, groups: 0 });
});

test('consAtK is the fraction of problems whose vote is correct', async () => {
  const right = { extracted: '7', correct: true };
  const wrong = { extracted: '8', correct: false };
  const cons = await consAtK([
    [right, wrong, right], // 7 wins
    [wrong, wrong, right], // 8 wins
    [right, wrong], // tie -> 7 (first)
    [wrong, right], // tie -> 8 (first)
  ]);
  assert.equal(cons, 0.5);
});

test('formatRate, mean and standardError', () => {
  assert.equal(formatRate([true, true, false, true]), 0.75);
  assert.ok(Number.isNaN(formatRate([])));
  assert.equal(mean([1, 2, 3, 6]), 3);
  // values 1, 3: sd = sqrt(2), se = sqrt(2)/sqrt(2) = 1
  close(standardError([1, 3]), 1);
  assert.equal(standardError([5]), 0);
});
