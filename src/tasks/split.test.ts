import test from 'node:test';
import assert from 'node:assert/strict';
import { HELDOUT_FRACTION, fnv1a32, splitOfKey, splitStream, syntheticSplit, takeItems } from './split.js';
import { arithmeticTask } from './arithmetic/index.js';
import { countdownTask } from './countdown/index.js';
import { knightsTask } from './knights/index.js';
import type { Task, TaskItem } from './types.js';

test('fnv1a32 is deterministic and spreads keys', () => {
  assert.equal(fnv1a32('abc'), fnv1a32('abc'));
  assert.notEqual(fnv1a32('abc'), fnv1a32('abd'));
  let held = 0;
  for (let i = 0; i < 20000; i++) if (splitOfKey(`key-${i}`) === 'heldout') held++;
  assert.ok(Math.abs(held / 20000 - HELDOUT_FRACTION) < 0.01, `held-out share ${held / 20000}`);
});

test('test is a synonym of heldout for synthetic tasks; unknown splits are rejected', () => {
  assert.equal(syntheticSplit('test'), 'heldout');
  assert.equal(syntheticSplit('train'), 'train');
  assert.throws(() => syntheticSplit('dev' as never), /unknown split "dev"/);
});

test('a stream is reproducible from its seed and ids are unique', () => {
  const gen = (rng: { int(a: number, b: number): number }) => {
    const x = rng.int(0, 1_000_000);
    return { question: `q${x}`, gold: String(x), key: `k${x}`, meta: {} };
  };
  const a = takeItems(splitStream('t', gen, { split: 'train', seed: 5 }), 50);
  const b = takeItems(splitStream('t', gen, { split: 'train', seed: 5 }), 50);
  const c = takeItems(splitStream('t', gen, { split: 'train', seed: 6 }), 50);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  assert.equal(new Set(a.map((x) => x.id)).size, 50);
  assert.throws(() => takeItems(splitStream('t', gen, { split: 'train' }), -1), /non-negative integer/);
});

test('a problem space too small for the held-out split fails with a clear error', () => {
  const gen = () => ({ question: 'q', gold: '1', key: 'always-the-same', meta: {} });
  const other = splitOfKey('always-the-same') === 'train' ? 'heldout' : 'train';
  assert.throws(() => takeItems(splitStream('tiny', gen, { split: other, maxRejects: 50 }), 1), /tiny: no .* item found in 50 draws/);
});

async function keys(task: Task, split: 'train' | 'heldout', seeds: number[], n: number): Promise<string[]> {
  const out: string[] = [];
  for (const seed of seeds) {
    const items: TaskItem[] = await task.items({ split, n, seed });
    for (const it of items) out.push(String(it.meta?.['key']));
  }
  return out;
}

test('train and held-out are disjoint by construction, even in small problem spaces', async () => {
  // Small difficulties make repeats within a split common, so an unhashed split would leak problems.
  const tasks: Task[] = [
    arithmeticTask({ digits: 1, operands: 2, operators: ['+', '-'] }),
    countdownTask({ numbers: 3, maxNumber: 6, maxTarget: 30 }),
    knightsTask({ people: 2 }),
  ];
  for (const task of tasks) {
    const train = await keys(task, 'train', [1, 2, 3], 300);
    const held = await keys(task, 'heldout', [1, 2, 3], 40);
    const trainSet = new Set(train);
    assert.ok(trainSet.size < train.length, `${task.name}: expected repeats within train (small space)`);
    for (const k of held) {
      assert.equal(trainSet.has(k), false, `${task.name}: held-out problem ${k} also in train`);
      assert.equal(splitOfKey(k), 'heldout');
    }
    for (const k of trainSet) assert.equal(splitOfKey(k), 'train');
  }
});
