import test from 'node:test';
import assert from 'node:assert/strict';
import { accuracyReward } from './accuracy.js';
import { arithmeticTask } from '../tasks/arithmetic/index.js';
import { countdownTask } from '../tasks/countdown/index.js';
import type { RewardSample } from './types.js';
import { getTask } from '../tasks/registry.js';

test('accuracy delegates to the task checker and reads the answer after the reasoning', async () => {
  const task = arithmeticTask({ digits: 3, operands: 2, operators: ['+'] });
  const [item] = await task.items({ split: 'train', n: 1, seed: 2 });
  assert.ok(item);
  const prompt = task.prompt(item, 'r1-zero');
  const samples: RewardSample[] = [
    { prompt, completion: `<think>sum</think> <answer>${item.gold}</answer>`, item, task },
    { prompt, completion: `<think>it is ${item.gold}, <answer>${item.gold}</answer></think> <answer>0</answer>`, item, task },
    { prompt, completion: `<think>it is \\boxed{${item.gold}}</think> no idea`, item, task },
    { prompt, completion: `\\boxed{${item.gold}}`, item, task },
    { prompt: 'open-ended', completion: 'text' },
  ];
  assert.deepEqual(await accuracyReward().score(samples), [1, 0, 0, 1, null]);
});

test('accuracy uses each sample\'s own task (mixed batches)', async () => {
  const cd = countdownTask({ numbers: 3, maxNumber: 10, maxTarget: 50 });
  const ar = arithmeticTask();
  const [c] = await cd.items({ split: 'train', n: 1, seed: 1 });
  const [a] = await ar.items({ split: 'train', n: 1, seed: 1 });
  assert.ok(c && a);
  const scores = await accuracyReward().score([
    { prompt: '', completion: `<answer>${String(c.meta?.['solution'])}</answer>`, item: c, task: cd },
    { prompt: '', completion: `<answer>${c.gold}</answer>`, item: c, task: cd }, // the target alone is no expression
    { prompt: '', completion: `<answer>${a.gold}</answer>`, item: a, task: ar },
  ]);
  assert.deepEqual(scores, [1, 0, 1]);
});

test('accuracy on a code item runs the program from the answer block (fraction of tests passed)', async () => {
  const code = getTask('code');
  const item = (await code.items({ split: 'train' })).find((x) => x.id === 'code-reverse-words');
  assert.ok(item, 'code-reverse-words is a training problem');
  const good = "def reverse_words(s):\n    return ' '.join(reversed(s.split(' ')))";
  const scores = await accuracyReward().score([
    { prompt: '', completion: `<think>split and reverse</think> <answer>\`\`\`python\n${good}\n\`\`\`</answer>`, item, task: code },
    { prompt: '', completion: `<think>\`\`\`python\n${good}\n\`\`\`</think> <answer>\`\`\`python\ndef reverse_words(s):\n    return s\n\`\`\`</answer>`, item, task: code },
  ]);
  assert.equal(scores[0], 1);
  assert.ok(scores[1] !== null && scores[1] < 1, `draft in <think> must not count, got ${scores[1]}`);
});

test('accuracy: a completion that never closes a reasoning block the prompt opened has no answer', async () => {
  const task = arithmeticTask({ digits: 2, operands: 2, operators: ['+'] });
  const [item] = await task.items({ split: 'train', n: 1, seed: 3 });
  assert.ok(item);
  const unclosed = `the sum is \\boxed{${item.gold}}`;
  const s = (opensThinking: boolean | undefined, prompt = 'q'): RewardSample => ({ prompt, completion: unclosed, item, task, ...(opensThinking === undefined ? {} : { opensThinking }) });
  assert.deepEqual(await accuracyReward().score([s(true), s(false), s(undefined, 'q<think>\n'), s(undefined)]), [0, 1, 0, 1]);
});

test('accuracy with requireFormat: the answer counts only in that format, so a prose answer earns nothing', async () => {
  const task = arithmeticTask({ digits: 1, operands: 2, operators: ['+'] });
  const [item] = await task.items({ split: 'train', n: 1, seed: 5 });
  assert.ok(item);
  const prompt = task.prompt(item, 'r1-zero');
  const s = (completion: string): RewardSample => ({ prompt, completion, item, task });
  const samples = [s(`<think> add </think> <answer> ${item.gold} </answer>`), s(`The answer is ${item.gold}.`), s(`<think> add </think> The answer is ${item.gold}.`), s(`<think> add </think> <answer> ${Number(item.gold) + 1} </answer>`)];
  assert.deepEqual(await accuracyReward().score(samples), [1, 1, 1, 0]);
  assert.deepEqual(await accuracyReward({ requireFormat: 'r1-zero' }).score(samples), [1, 0, 0, 0]);
});
