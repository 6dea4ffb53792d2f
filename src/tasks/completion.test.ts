import test from 'node:test';
import assert from 'node:assert/strict';
import { finalAnswer, lastAnswerLine, lastBoxed, splitCompletion } from './completion.js';

test('splitCompletion separates reasoning, final part and the last answer block', () => {
  const p = splitCompletion('<think> try <answer>1</answer> </think> <answer>2</answer> <answer>3</answer>');
  assert.equal(p.reasoning, ' try <answer>1</answer> ');
  assert.equal(p.answerBlock, '3');
  const chat = splitCompletion('reasoning here\n</think>\n\nThe sum is 5.');
  assert.equal(chat.reasoning, 'reasoning here\n');
  assert.equal(chat.final, '\n\nThe sum is 5.');
  assert.equal(chat.answerBlock, null);
  assert.equal(splitCompletion('no tags').reasoning, null);
});

test('lastBoxed handles nested braces, \\fbox, "\\boxed 5" and unclosed braces', () => {
  assert.equal(lastBoxed('\\boxed{1} then \\boxed{\\frac{1}{2}}'), '\\frac{1}{2}');
  assert.equal(lastBoxed('\\fbox{7}'), '7');
  assert.equal(lastBoxed('so \\boxed 5$'), '5');
  assert.equal(lastBoxed('\\boxed{1 + {2'), null);
  assert.equal(lastBoxed('\\boxedx{1}'), null);
  assert.equal(lastBoxed('none'), null);
});

test('finalAnswer never reads an answer from inside the reasoning', () => {
  assert.deepEqual(finalAnswer('<think>\\boxed{9} <answer>9</answer></think> <answer>4</answer>'), { answer: '4', source: 'answer-tag' });
  assert.equal(finalAnswer('<think>the answer is \\boxed{9}</think> I am not sure.'), null);
  assert.deepEqual(finalAnswer('<think>x</think> So \\boxed{12}.'), { answer: '12', source: 'boxed' });
  assert.deepEqual(finalAnswer('<answer> \\boxed{3/4} </answer>'), { answer: '3/4', source: 'answer-tag' });
  assert.deepEqual(finalAnswer('Thus the final answer is: 42'), { answer: '42', source: 'answer-line' });
  assert.equal(lastAnswerLine('Answer: 1\nAnswer: 2'), '2');
});
