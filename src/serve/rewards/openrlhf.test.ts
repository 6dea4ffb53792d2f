// src/serve/rewards/openrlhf.test.ts — OpenRLHF's queries cut into responses, labels read as samples, and the
// answer in the shape its client reads.

import test from 'node:test';
import assert from 'node:assert/strict';
import { labelFields, openRlhfResponse, responseOfQuery, samplesOfOpenRlhf } from './openrlhf.js';
import { serviceConfigSchema } from './wire.js';

const END = serviceConfigSchema.parse({}).endTokens;

test('the response is what follows the prompt, without padding or end tokens', () => {
  assert.deepEqual(responseOfQuery('User: hi Assistant: <think>x</think> y<|im_end|>', 'User: hi Assistant:', END), { completion: ' <think>x</think> y', promptFound: true, promptTruncated: false });
  // Left padding and a BOS token before the prompt (batched clients), trailing pads after the end token.
  assert.deepEqual(responseOfQuery('<|endoftext|><|endoftext|><s>P: Q A: ok</s><|endoftext|><|endoftext|>', 'P: Q A:', END), { completion: ' ok', promptFound: true, promptTruncated: false });
  // The prompt text inside the response does not move the cut (the first occurrence counts).
  assert.equal(responseOfQuery('P: Q A: I repeat P: Q A: done', 'P: Q A:', END).completion, ' I repeat P: Q A: done');
  // Not found: the whole query is scored, and the caller is told.
  assert.deepEqual(responseOfQuery('different text', 'P:', END), { completion: 'different text', promptFound: false, promptTruncated: false });
  assert.equal(responseOfQuery('P: x <eos>', 'P:', []).completion, ' x <eos>', 'only the configured tokens are cut');
  // A prompt cut from the left (OpenRLHF's --prompt_max_len): the response follows the prompt's end.
  const long = `System: ${'rules. '.repeat(60)}User: what is 2+2? Assistant:`;
  const cut = responseOfQuery(`${long.slice(150)} <think>4</think> <answer>4</answer><|im_end|>`, long, END);
  assert.deepEqual(cut, { completion: ' <think>4</think> <answer>4</answer>', promptFound: true, promptTruncated: true });
});

test('labels: plain text is a gold answer, a JSON object describes the sample', () => {
  assert.deepEqual(labelFields('\\frac{1}{2}', 0), { gold: '\\frac{1}{2}' });
  assert.deepEqual(labelFields(7, 0), { gold: '7' });
  assert.deepEqual(labelFields(null, 0), {});
  assert.deepEqual(labelFields('{1, 2}', 0), { gold: '{1, 2}' }, 'a set in braces is not JSON');
  const tests = [{ kind: 'stdio', input: '1\n', output: '1' }];
  assert.deepEqual(labelFields(JSON.stringify({ task: 'code', tests }), 0), { task: 'code', tests });
  assert.deepEqual(labelFields('{"gold": 24, "task": "countdown", "meta": {"numbers": [1, 2]}}', 0), { gold: '24', task: 'countdown', meta: { numbers: [1, 2] } });
  assert.throws(() => labelFields('{"tests": []}', 3), /labels\[3\]/);
  assert.throws(() => labelFields('{"answer": "1"}', 1), /labels\[1\].*answer/);
  // An object label as the dataset stores it (not in a string) describes the sample too.
  assert.deepEqual(labelFields({ gold: '5', task: 'math' }, 0), { gold: '5', task: 'math' });
  assert.throws(() => labelFields(['5', 'five'], 2), /labels\[2\] is a list/);
  assert.throws(() => labelFields(true, 4), /labels\[4\] is a boolean/);
});

test('with the accuracy reward, a missing, null or empty label is refused, never scored by the other rewards alone', () => {
  for (const [label, what] of [[null, 'null'], [undefined, 'missing'], ['', 'empty'], ['  ', 'empty']] as const) {
    assert.throws(() => labelFields(label, 3, true), new RegExp(`labels\\[3\\] is ${what}.*--label_key`));
    assert.deepEqual(labelFields(label, 3, false), {}, 'without accuracy it is an open-ended sample');
  }
  assert.throws(() => labelFields({ task: 'math' }, 1, true), /labels\[1\] names neither "gold" nor "tests"/);
});

test('a request becomes samples in order; the answer carries rewards, scores and per-sample extra_logs', () => {
  const { samples, promptMissing } = samplesOfOpenRlhf({ query: ['A1 r1', 'zz', 'A3 r3'], prompts: ['A1', 'A2', 'A3'], labels: ['1', null, '3'] }, END);
  assert.deepEqual(samples.map((s) => [s.prompt, s.completion, s.gold]), [['A1', ' r1', '1'], ['A2', 'zz', undefined], ['A3', ' r3', '3']]);
  assert.deepEqual(promptMissing, [1]);
  const res = openRlhfResponse(
    [
      { total: 0.75, components: { accuracy: 1, format: 0.5 } },
      { total: 0.2, components: { accuracy: null, format: 0.2 } },
    ],
    ['accuracy', 'format'],
  );
  assert.deepEqual(res, { rewards: [0.75, 0.2], scores: [1, 0], extra_logs: { accuracy: [1, 0], format: [0.5, 0.2] } });
  assert.deepEqual(openRlhfResponse([{ total: 0.4, components: { format: 0.4 } }], ['format']).scores, [0.4], 'no accuracy: scores are the totals');
});
