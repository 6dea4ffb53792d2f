import test from 'node:test';
import assert from 'node:assert/strict';
import { renderPrompt } from './prompt.js';

test('r1-zero renders DeepSeek-R1 Table 1 verbatim around the question', () => {
  const p = renderPrompt('What is 2 + 3?', 'r1-zero');
  assert.equal(
    p,
    'A conversation between User and Assistant. The user asks a question, and the Assistant solves it. The assistant ' +
      'first thinks about the reasoning process in the mind and then provides the user with the answer. The reasoning ' +
      'process and answer are enclosed within <think> </think> and <answer> </answer> tags, respectively, i.e., <think> ' +
      'reasoning process here </think> <answer> answer here </answer>. User: What is 2 + 3? Assistant:',
  );
  // A trailing period is not doubled; "$&" in a question is not a replacement pattern.
  assert.ok(renderPrompt('Add $&1 and 2.', 'r1-zero').endsWith('User: Add $&1 and 2. Assistant:'));
  assert.ok(renderPrompt('  Find x  ', 'r1-zero').endsWith('User: Find x. Assistant:'));
  // A Chinese question keeps its own full stop.
  assert.ok(renderPrompt('计算 3 + 4。', 'r1-zero').endsWith('User: 计算 3 + 4。 Assistant:'));
});

test('boxed appends the paper evaluation instruction', () => {
  assert.equal(renderPrompt('Find x.', 'boxed'), 'Find x.\nPlease reason step by step, and put your final answer within \\boxed{}.');
  assert.throws(() => renderPrompt('q', 'chat' as never), /unknown prompt style "chat"/);
});
