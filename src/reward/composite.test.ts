import test from 'node:test';
import assert from 'node:assert/strict';
import { compositeReward } from './composite.js';
import { formatReward } from './format.js';
import { overlongReward } from './overlong.js';
import type { RewardFn } from './types.js';

const constant = (name: string, v: number | null): RewardFn => ({ name, score: async (s) => s.map(() => v) });

test('reports every component and the weighted mean over applicable ones', async () => {
  const r = compositeReward([
    { fn: formatReward(), weight: 1 },
    { fn: overlongReward({ maxTokens: 100, cacheTokens: 50 }), weight: 3 },
  ]);
  const out = await r.scoreDetailed([
    { prompt: 'p', completion: '<think>x</think><answer>1</answer>', completionTokens: 75 },
    { prompt: 'p', completion: 'no format', completionTokens: 10 },
    { prompt: 'p', completion: '<think>x</think><answer>1</answer>' },
  ]);
  assert.deepEqual(out, [
    { total: (1 * 1 + 3 * -0.5) / 4, components: { format: 1, overlong: -0.5 } },
    { total: 0, components: { format: 0, overlong: 0 } },
    { total: 1, components: { format: 1, overlong: null } }, // overlong skipped, weights renormalized
  ]);
  assert.deepEqual(await r.score([{ prompt: 'p', completion: 'x', completionTokens: 200 }]), [-0.75]);
});

test('all-null gives a null total; bad configurations are rejected', async () => {
  const r = compositeReward([{ fn: constant('a', null), weight: 1 }, { fn: constant('b', 5), weight: 0 }]);
  assert.deepEqual(await r.scoreDetailed([{ prompt: '', completion: '' }]), [{ total: null, components: { a: null, b: 5 } }]);
  assert.throws(() => compositeReward([]), /no components/);
  assert.throws(() => compositeReward([{ fn: constant('a', 1), weight: 1 }, { fn: constant('a', 1), weight: 1 }]), /duplicate component name "a"/);
  assert.throws(() => compositeReward([{ fn: constant('a', 1), weight: -1 }]), /must be >= 0/);
  assert.throws(() => compositeReward([{ fn: constant('a', 1), weight: 0 }]), /every weight is 0/);
  const broken: RewardFn = { name: 'broken', score: async () => [1] };
  await assert.rejects(compositeReward([{ fn: broken, weight: 1 }]).score([{ prompt: '', completion: '' }, { prompt: '', completion: '' }]), /returned 1 scores for 2 samples/);
});
