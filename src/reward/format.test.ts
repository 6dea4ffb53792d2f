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
