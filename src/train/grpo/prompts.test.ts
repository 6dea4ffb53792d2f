import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Task, TaskItem } from '../../tasks/types.js';
import { PromptStream } from './prompts.js';

/** A data folder holding a small amc23 file (the benchmark's row format). */
function amcData(rows: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'r1-prompts-'));
  const lines = Array.from({ length: rows }, (_, i) => JSON.stringify({ id: i, problem: `What is ${i} + ${i + 1}?`, answer: 2 * i + 1 }));
  writeFileSync(join(dir, 'amc23-test.jsonl'), lines.join('\n') + '\n');
  return dir;
}

test('a task without a train split (a benchmark) is refused, naming the task and the option that allows it', async () => {
  const dir = amcData(60);
  try {
    await assert.rejects(
      PromptStream.open([{ name: 'arithmetic', weight: 1 }, { name: 'amc23', weight: 1 }], 0, dir),
      /task amc23 has no train split \(only test\): GRPO on it would train on the items it is evaluated on\. Set allowTestSplit: true .*--allow-test-split/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('allowTestSplit: training draws only part of the test split; the held-out view holds the rest and nothing training draws', async () => {
  const dir = amcData(60);
  const notices: string[] = [];
  try {
    const stream = await PromptStream.open([{ name: 'amc23', weight: 1 }], 3, dir, {}, { allowTestSplit: true, log: (m) => notices.push(m) });
    const drawn = new Set(stream.next(300).map((d) => d.item.id));
    const view = stream.tasks[0]!;
    assert.equal(view.name, 'amc23');
    // heldout.ts asks fixed item sets for their test split.
    const heldout = (await view.items({ split: 'test' })).map((i) => i.id);
    assert.ok(heldout.length > 0 && heldout.length < 20, `${heldout.length} held-out items`);
    for (const id of heldout) assert.ok(!drawn.has(id), `held-out item ${id} was drawn for training`);
    assert.equal(drawn.size + heldout.length, 60, 'every other item is trained on');
    assert.deepEqual((await view.items({ split: 'test', n: 2 })).map((i) => i.id), heldout.slice(0, 2));
    assert.deepEqual(notices, [`task amc23 has no train split: training on ${60 - heldout.length} of its test items (allowTestSplit); the other ${heldout.length}, never drawn, are its held-out items`]);
    // The view checks answers with the task's own checker.
    const item = (await view.items({ split: 'train' }))[0]!;
    assert.equal((await view.check(item, `<answer>${item.gold}</answer>`)).correct, true);
    await stream.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a failure to read a task\'s train split is reported, never replaced by its test split', async () => {
  const item: TaskItem = { id: 'x-0', question: 'q', gold: '1' };
  const task: Task = {
    name: 'x', description: 'fails to load its training items',
    async items({ split }) {
      if (split === 'train') throw new Error('x: training file is damaged');
      return [item];
    },
    prompt: (i) => i.question,
    check: async () => ({ correct: false, score: 0, extracted: null }),
  };
  await assert.rejects(PromptStream.open([{ name: 'x', weight: 1 }], 0, undefined, { x: task }, { allowTestSplit: true }), /x: training file is damaged/);
});
