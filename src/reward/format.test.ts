import test from 'node:test';
import assert from 'node:assert/strict';
import { formatReward, hasFormat } from './format.js';

const P = 'User: q. Assistant:';
const CHAT = '<｜User｜>q<｜Assistant｜><think>\n';

test('R1-Zero format accepts exactly one think block then one answer block', async () => {
  const ok = ['<think> r </think> <answer> 5 </answer>', ' <think>\nr\n</think>\n<answer>\n5\n</answer>\n'];
  const bad = [
    '<think> r </think>', // no answer
    '<answer>5</answer>', // no think
    'Sure! <think> r </think> <answer>5</answer>', // text before
    '<think> r </think> <answer>5</answer> bye', // text after
    '<think> r </think> so <answer>5</answer>', // text between
    '<think> a <think> b </think> </think> <answer>5</answer>', // nested
    '<think> r </think> <think> s </think> <answer>5</answer>', // duplicated think
    '<think> r </think> <answer>5</answer><answer>6</answer>', // duplicated answer
    '<think> r </think> <answer>5 <answer>6</answer>', // nested answer
    '<think> r <answer>1</answer> </think> <answer>5</answer>', // answer inside think
    '<think> r </THINK> </think> <answer>5</answer>', // mis-cased tag inside
    '<think> r </think> <answer>  </answer>', // empty answer
    '<think>   </think> <answer>5</answer>', // empty reasoning
  ];
  const fmt = formatReward({ style: 'r1-zero' });
  assert.equal(fmt.name, 'format');
  const scores = await fmt.score([...ok, ...bad].map((completion) => ({ prompt: P, completion })));
  assert.deepEqual(scores, [...ok.map(() => 1), ...bad.map(() => 0)]);
});

test('when the prompt opens <think>, the completion must not open it again', () => {
  assert.equal(hasFormat('r1-zero', CHAT, 'r </think> <answer>5</answer>'), true);
  assert.equal(hasFormat('r1-zero', CHAT, '<think> r </think> <answer>5</answer>'), false);
  assert.equal(hasFormat('r1-chat', CHAT, 'reasoning\n</think>\n\nThe answer is 5.'), true);
  assert.equal(hasFormat('r1-chat', CHAT, '<think>reasoning</think> The answer is 5.'), false);
});

test('R1 chat format needs a reasoning block then a non-empty summary', async () => {
  const fmt = formatReward({ style: 'r1-chat' });
  assert.equal(fmt.name, 'format-chat');
  const scores = await fmt.score(
    ['<think>r</think> Summary: 5.', '<think>r</think>   ', '<think>r</think> 5 </think>', 'no tags at all', '<think>r</think> ok <think>x'].map(
      (completion) => ({ prompt: P, completion }),
    ),
  );
  assert.deepEqual(scores, [1, 0, 0, 0, 0]);
  assert.throws(() => formatReward({ style: 'xml' as never }), /unknown style "xml"/);
});

test('opensThinking from the rendered template decides where the block opens, not the prompt text', async () => {
  const chatml = '<|im_start|>user\nq<|im_end|>\n<|im_start|>assistant\n';
  // A ChatML prompt does not open <think>: the completion must.
  assert.equal(hasFormat('r1-chat', chatml, '<think>r</think> s', false), true);
  assert.equal(hasFormat('r1-chat', chatml, 'r</think> s', false), false);
  // A template whose prompt opened it (the flag wins over the prompt text) forbids opening it again.
  assert.equal(hasFormat('r1-chat', chatml, 'r</think> s', true), true);
  assert.equal(hasFormat('r1-chat', CHAT, '<think>r</think> s', false), true);
  const fmt = formatReward({ style: 'r1-chat' });
  assert.deepEqual(await fmt.score([{ prompt: chatml, completion: 'r</think> s', opensThinking: true }, { prompt: chatml, completion: 'r</think> s' }]), [1, 0]);
});
