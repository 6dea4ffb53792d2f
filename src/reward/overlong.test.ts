import test from 'node:test';
import assert from 'node:assert/strict';
import { overlongPenalty, overlongReward } from './overlong.js';

test('DAPO eq. 13: zero, then a linear ramp to -1 at L_max, then -1', async () => {
  const o = { maxTokens: 1000, cacheTokens: 200 };
  assert.equal(overlongPenalty(0, o), 0);
  assert.equal(overlongPenalty(800, o), 0);
  assert.equal(overlongPenalty(850, o), -0.25);
  assert.equal(overlongPenalty(1000, o), -1);
  assert.equal(overlongPenalty(1001, o), -1);
  const scores = await overlongReward(o).score([
    { prompt: 'p', completion: 'c', completionTokens: 900 },
    { prompt: 'p', completion: 'c' },
  ]);
  assert.deepEqual(scores, [-0.5, null]);
});

test('bad options and token counts are rejected', async () => {
  assert.throws(() => overlongReward({ maxTokens: 100, cacheTokens: 200 }), /cacheTokens must be in/);
  assert.throws(() => overlongReward({ maxTokens: 0, cacheTokens: 0 }), /maxTokens must be > 0/);
  await assert.rejects(overlongReward({ maxTokens: 10, cacheTokens: 5 }).score([{ prompt: 'p', completion: 'c', completionTokens: -1 }]), /bad completionTokens/);
});
