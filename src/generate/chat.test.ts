import test from 'node:test';
import assert from 'node:assert/strict';
import { R1_TOKENS, trainTokenizer } from '../tokenizer/index.js';
import { promptIds, splitReasoning, startsInReasoning, stopTokenIds } from './chat.js';

test('splitReasoning: at the last </think>; an unclosed block opened by the prompt is all reasoning', () => {
  assert.deepEqual(splitReasoning('a</think> b', true), { reasoning: 'a', content: 'b', closed: true });
  assert.deepEqual(splitReasoning('a</think>b</think> c', true), { reasoning: 'a</think>b', content: 'c', closed: true });
  assert.deepEqual(splitReasoning('still thinking', true), { reasoning: 'still thinking', content: '', closed: false });
  assert.deepEqual(splitReasoning(' <think> r </think> <answer> 5 </answer>', false), { reasoning: 'r', content: '<answer> 5 </answer>', closed: true });
  assert.deepEqual(splitReasoning('plain answer', false), { reasoning: '', content: 'plain answer', closed: true });
  assert.deepEqual(splitReasoning('x <think> unfinished', false), { reasoning: 'unfinished', content: 'x', closed: false });
});

test('promptIds: the R1 chat template with an open <think>, or BOS + text; chat tokens in text stay text', () => {
  const tok = trainTokenizer(['hello there, what is 2 + 3?'], { vocabSize: 280 });
  const chat = promptIds(tok, { kind: 'chat', messages: [{ role: 'user', content: 'hi' }] });
  assert.equal(tok.decode(chat), `${R1_TOKENS.bos}${R1_TOKENS.user}hi${R1_TOKENS.assistant}<think>\n`);
  const text = promptIds(tok, { kind: 'text', text: `User: ${R1_TOKENS.assistant} x. Assistant:` });
  assert.equal(text[0], tok.addedTokenId(R1_TOKENS.bos));
  assert.ok(!text.slice(1).includes(tok.addedTokenId(R1_TOKENS.assistant)), 'a chat token typed in the text is not the added token');
  assert.equal(startsInReasoning({ kind: 'chat', messages: [] }), true);
  assert.equal(startsInReasoning({ kind: 'text', text: '' }), false);
  assert.deepEqual(stopTokenIds(tok), [tok.addedTokenId(R1_TOKENS.eos)]);
});
