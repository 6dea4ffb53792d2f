// src/verify/completion.test.ts — the one completion parser: reasoning / answer split, unclosed and
// template-opened think blocks, answer blocks, and the final answer with its extraction method.

import test from 'node:test';
import assert from 'node:assert/strict';
import { parseCompletion, promptOpensThink } from './completion.js';

test('R1-Zero and R1 chat completions: reasoning, answer text, answer block, final answer', () => {
  const zero = parseCompletion('<think> 2+2 is \\boxed{5}? no </think> <answer> 4 </answer>');
  assert.equal(zero.reasoning, ' 2+2 is \\boxed{5}? no ');
  assert.equal(zero.answerBlock, ' 4 ');
  assert.equal(zero.closed, true);
  assert.deepEqual(zero.final, { answer: '4', method: 'answer-tag' });
  const chat = parseCompletion('Let me think, maybe 7.\n</think>\n\nThe answer is $\\frac{1}{2}$.');
  assert.equal(chat.reasoning, 'Let me think, maybe 7.\n');
  assert.equal(chat.answerText, '\n\nThe answer is $\\frac{1}{2}$.');
  assert.deepEqual(chat.final, { answer: '\\frac{1}{2}', method: 'answer-line' });
});

test('an answer inside the reasoning never counts; the last </think> ends the reasoning', () => {
  assert.equal(parseCompletion('<think>the answer is \\boxed{9}</think> I am not sure.').final, null);
  assert.deepEqual(parseCompletion('<think>a</think> \\boxed{1} </think> so \\boxed{2}').final, { answer: '2', method: 'boxed' });
  // Unclosed block (max_tokens hit): all of it is reasoning, there is no answer.
  const cut = parseCompletion('intro <think> so far \\boxed{3}');
  assert.deepEqual([cut.closed, cut.preamble, cut.answerText, cut.final], [false, 'intro ', '', null]);
});

test('startsInReasoning: a template that opens <think> in the prompt', () => {
  const open = parseCompletion('still thinking \\boxed{4}', { startsInReasoning: true });
  assert.deepEqual([open.closed, open.reasoning, open.final], [false, 'still thinking \\boxed{4}', null]);
  const closed = parseCompletion('reasoning\n</think>\n\\boxed{4}', { startsInReasoning: true });
  assert.deepEqual([closed.reasoning, closed.final], ['reasoning\n', { answer: '4', method: 'boxed' }]);
  // Without the flag, text with no tags is all answer.
  assert.deepEqual(parseCompletion('\\boxed{4}').final, { answer: '4', method: 'boxed' });
  assert.equal(promptOpensThink('<|Assistant|><think>\n'), true);
  assert.equal(promptOpensThink('Assistant:'), false);
});

test('priority option, answer block with a phrase in it, bad input', () => {
  assert.deepEqual(parseCompletion('<answer>The answer is 9.</answer>').final, { answer: '9', method: 'answer-tag' });
  assert.equal(parseCompletion('so it is 12', { priority: ['boxed'] }).final, null);
  assert.deepEqual(parseCompletion('so it is 12').final, { answer: '12', method: 'last-number' });
  assert.equal(parseCompletion('<answer>  </answer>').final, null);
  assert.throws(() => parseCompletion(5 as unknown as string), /must be a string/);
});
