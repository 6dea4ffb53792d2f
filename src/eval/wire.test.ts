// src/eval/wire.test.ts — wire mapping (usage fields of DeepSeek and OpenAI, choices) and <think> splitting.

import test from 'node:test';
import assert from 'node:assert/strict';
import { splitThinkTags } from './reasoning-split.js';
import { errorMessage, mapUsage, toCompletions, WireResponseSchema } from './wire.js';

test('splitThinkTags handles closed, template-opened, unclosed and absent think blocks', () => {
  assert.deepEqual(splitThinkTags('<think>\nr\n</think>\n\nans'), { reasoning: 'r', content: 'ans', closed: true });
  assert.deepEqual(splitThinkTags('r only</think> ans'), { reasoning: 'r only', content: 'ans', closed: true });
  assert.deepEqual(splitThinkTags('<think>cut off'), { reasoning: 'cut off', content: '', closed: false });
  assert.deepEqual(splitThinkTags(' plain '), { reasoning: '', content: 'plain', closed: true });
});

test('mapUsage reads DeepSeek cache fields, else OpenAI cached_tokens', () => {
  assert.deepEqual(
    mapUsage({ prompt_tokens: 10, completion_tokens: 5, prompt_cache_hit_tokens: 4, prompt_cache_miss_tokens: 6, completion_tokens_details: { reasoning_tokens: 3 } }),
    { promptTokens: 10, completionTokens: 5, reasoningTokens: 3, cacheHitTokens: 4, cacheMissTokens: 6 },
  );
  assert.deepEqual(mapUsage({ prompt_tokens: 10, completion_tokens: 5, prompt_tokens_details: { cached_tokens: 8 } }), {
    promptTokens: 10,
    completionTokens: 5,
    reasoningTokens: null,
    cacheHitTokens: 8,
    cacheMissTokens: null,
  });
  assert.equal(mapUsage(null), null);
});

test('toCompletions orders choices by index and maps finish reasons', () => {
  const res = WireResponseSchema.parse({
    choices: [
      { index: 1, message: { content: 'B', reasoning_content: 'rb' }, finish_reason: 'length' },
      { index: 0, message: { content: 'A', reasoning_content: 'ra' }, finish_reason: 'stop' },
    ],
    usage: { prompt_tokens: 4, completion_tokens: 10 },
  });
  const out = toCompletions(res);
  assert.deepEqual(out.map((c) => [c.content, c.reasoning, c.finishReason]), [['A', 'ra', 'stop'], ['B', 'rb', 'length']]);
  assert.equal(out[0]!.usage!.completionTokens, 5);
});

test('errorMessage reads OpenAI error bodies and falls back to clipped text', () => {
  assert.equal(errorMessage('{"error":{"message":"Rate limit"}}'), 'Rate limit');
  assert.equal(errorMessage('{"error":"overloaded"}'), 'overloaded');
  assert.equal(errorMessage('<html>bad gateway</html>'), '<html>bad gateway</html>');
  assert.equal(errorMessage(''), '(empty body)');
  assert.equal(errorMessage('x'.repeat(1000)).length, 301);
});

test('an empty reasoning field does not hide <think> tags in content; the other field is read when one is empty', () => {
  const res = WireResponseSchema.parse({
    choices: [
      { index: 0, message: { content: '<think>\nsteps \\boxed{7}\n</think>\n\nSo \\boxed{18}', reasoning_content: '' }, finish_reason: 'stop' },
      { index: 1, message: { content: 'So \\boxed{18}', reasoning_content: '', reasoning: 'steps' }, finish_reason: 'stop' },
      { index: 2, message: { content: 'plain \\boxed{18}', reasoning_content: ' ' }, finish_reason: 'stop' },
    ],
  });
  assert.deepEqual(toCompletions(res).map((c) => [c.reasoning, c.content]), [
    ['steps \\boxed{7}', 'So \\boxed{18}'],
    ['steps', 'So \\boxed{18}'],
    ['', 'plain \\boxed{18}'],
  ]);
});
