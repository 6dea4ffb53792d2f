import test from 'node:test';
import assert from 'node:assert/strict';
import { tagCountReward, tagCountScore } from './tag-count.js';

test('0.25 per tag present once and in order; duplicates cost 0.25', async () => {
  const cases: [string, number][] = [
    ['<think>x</think><answer>1</answer>', 1],
    ['<think>x</think> 1', 0.5],
    ['<think>x', 0.25],
    ['nothing', 0],
    ['<think>x</think><answer>1</answer><answer>2</answer>', 0],
    ['<think><think>x</think></think><think></think><answer>1</answer><answer>1</answer>', -1],
    ['<answer>1</answer><think>x</think>', 0.5], // out of order: the answer tags precede the reasoning
  ];
  const scores = await tagCountReward().score(cases.map(([completion]) => ({ prompt: 'p', completion })));
  assert.deepEqual(scores, cases.map(([, s]) => s));
});

test('a prompt that opens <think> expects no <think> in the completion', () => {
  assert.equal(tagCountScore('…<think>\n', 'x</think><answer>1</answer>'), 1);
  assert.equal(tagCountScore('…<think>\n', '<think>x</think><answer>1</answer>'), 0.5);
});

test('tag-count: opensThinking from the template says whether <think> is expected in the completion', () => {
  const full = '<think>x</think><answer>1</answer>';
  assert.equal(tagCountScore('p', full, false), 1);
  assert.equal(tagCountScore('p', full, true), 0.5); // <think> was not expected: −0.25 instead of +0.25
  assert.equal(tagCountScore('p', 'x</think><answer>1</answer>', true), 1);
  assert.equal(tagCountScore('p<think>\n', 'x</think><answer>1</answer>', undefined), 1);
});
