import test from 'node:test';
import assert from 'node:assert/strict';
import { repetitionRate, repetitionReward } from './repetition.js';

test('repetition rate is 1 - distinct/all n-grams', () => {
  assert.equal(repetitionRate('a b c d', 2), 0);
  assert.equal(repetitionRate('a b a b a b', 2), 1 - 2 / 5);
  assert.equal(repetitionRate('Wait, wait. WAIT wait', 1), 0.75);
  assert.equal(repetitionRate('too short', 3), 0);
  assert.equal(repetitionRate('我我我我', 2), 1 - 1 / 3);
});

test('the reward scales the rate by maxPenalty and a looping completion scores lowest', async () => {
  const loop = 'Let me check again. '.repeat(40);
  const fresh = 'First we compute the sum of both numbers, then we divide the result by three and round down.';
  const [a, b] = await repetitionReward({ ngram: 3, maxPenalty: -0.5 }).score([
    { prompt: 'p', completion: fresh },
    { prompt: 'p', completion: loop },
  ]);
  assert.equal(a, 0);
  assert.ok(b !== null && b < -0.45 && b >= -0.5, String(b));
  assert.throws(() => repetitionReward({ maxPenalty: 1 }), /maxPenalty must be <= 0/);
  assert.throws(() => repetitionReward({ ngram: 0 }), /ngram must be a positive integer/);
});
