import test from 'node:test';
import assert from 'node:assert/strict';
import { getTask, getTaskByName, isTaskName, listTasks, taskInfo } from './registry.js';

test('listTasks names every task once, with kinds and splits', () => {
  const tasks = listTasks();
  assert.deepEqual(tasks.map((t) => t.name), ['arithmetic', 'countdown', 'knights', 'instructions', 'gsm8k', 'math500', 'aime24', 'amc23', 'code', 'functions']);
  for (const t of tasks) {
    assert.ok(t.description.length > 10, t.name);
    assert.deepEqual(t.splits, t.kind === 'benchmark' ? ['test'] : ['train', 'heldout']);
  }
  // Callers get copies: mutating one does not change the registry.
  tasks[0]!.splits.push('test');
  assert.deepEqual(listTasks()[0]!.splits, ['train', 'heldout']);
});

test('getTask builds typed tasks; difficulty as knobs or a spec string', async () => {
  const a = getTask('arithmetic', { difficulty: { digits: 6 } });
  const [item] = await a.items({ split: 'train', n: 1, seed: 1 });
  assert.match(String(item?.meta?.['expression']), /^\d{6} /);
  const c = getTask('countdown', { difficulty: 'easy,numbers=5' });
  const [ci] = await c.items({ split: 'heldout', n: 1 });
  assert.equal((ci?.meta?.['numbers'] as number[]).length, 5);
  assert.equal(getTask('knights').name, 'knights');
  assert.equal(getTask('gsm8k', { dataDir: '/nowhere' }).name, 'gsm8k');
  const code = getTask('code', { reward: 'all-pass' });
  const train = await code.items({ split: 'train' });
  const held = await code.items({ split: 'heldout' });
  assert.ok(train.length > 0 && held.length > 0);
  assert.equal(train.filter((x) => held.some((h) => h.id === x.id)).length, 0);
});

test('string lookup validates names and options with clear errors', () => {
  assert.equal(isTaskName('countdown'), true);
  assert.equal(isTaskName('toString'), false);
  assert.throws(() => getTaskByName('sudoku'), /unknown task "sudoku" \(known: arithmetic, countdown/);
  assert.throws(() => getTaskByName('gsm8k', { difficulty: 'hard' }), /benchmark: it has no difficulty/);
  assert.throws(() => getTaskByName('countdown', { dataDir: '/x' }), /synthetic: it reads no data folder/);
  assert.throws(() => getTaskByName('code', { difficulty: 'hard' }), /fixed problem set: it has no difficulty/);
  assert.throws(() => getTask('code', { reward: 'x' as never }), /bad options/);
  assert.throws(() => getTaskByName('countdown', { difficulty: 'numbers=99' }), /countdown: bad difficulty/);
  assert.equal(getTaskByName('knights', { difficulty: 'hard' }).name, 'knights');
  assert.equal(taskInfo('math500').defaultSplit, 'test');
  assert.throws(() => taskInfo('nope'), /unknown task "nope"/);
});
