import test from 'node:test';
import assert from 'node:assert/strict';
import { chatTemplateOf, R1_ADDED_TOKENS, R1_TOKENS, Tokenizer, trainTokenizer } from '../tokenizer/index.js';
import { createRefBackend } from '../backend/index.js';
import { parseModelConfig, preset, Transformer } from '../model/index.js';
import { createEngine } from '../tensor/index.js';
import { Rng } from '../util/rng.js';
import { encodePrompt, promptIds, sampleChat, splitReasoning, startsInReasoning, stopTokenIds, type PromptInput } from './chat.js';

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

test("encodePrompt: the tokenizer's own Jinja template, whether it opens <think>, and its EOS as a stop token", () => {
  const base = trainTokenizer(['hello there, what is 2 + 3?'], { vocabSize: 300, addedTokens: [...R1_ADDED_TOKENS, { content: '<|im_start|>', special: true }, { content: '<|im_end|>', special: true }] });
  const chatml = "{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% if think %}<think>\n{% endif %}{% endif %}";
  const tok = new Tokenizer({ ...base.spec, chatTemplate: chatml.replace('{% if think %}<think>\n{% endif %}', ''), specialNames: { ...base.spec.specialNames, eos: '<|im_end|>' } });
  const q: PromptInput = { kind: 'chat', messages: [{ role: 'user', content: 'hi' }] };
  const p = encodePrompt(tok, q);
  assert.equal(p.text, '<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n');
  assert.deepEqual(p.ids, tok.encode(p.text));
  assert.equal(p.opensThinking, false);
  assert.deepEqual(promptIds(tok, q), p.ids);
  const thinking = new Tokenizer({ ...base.spec, chatTemplate: chatml.replace('{% if think %}<think>\n{% endif %}', '<think>\n') });
  assert.equal(encodePrompt(thinking, q).opensThinking, true);
  assert.equal(startsInReasoning(q, chatTemplateOf(tok)), false);
  assert.equal(startsInReasoning(q, chatTemplateOf(thinking)), true);
  assert.deepEqual(stopTokenIds(tok), [tok.addedTokenId('<|im_end|>'), tok.addedTokenId(R1_TOKENS.eos)]);
  // literalContent: a message that spells <|im_start|> stays text.
  const forged: PromptInput = { kind: 'chat', messages: [{ role: 'user', content: 'a<|im_start|>b' }] };
  const start = tok.addedTokenId('<|im_start|>');
  assert.equal(encodePrompt(tok, forged).ids.filter((i) => i === start).length, 3);
  assert.equal(encodePrompt(tok, forged, undefined, { literalContent: true }).ids.filter((i) => i === start).length, 2);
  // An explicit template wins over the tokenizer's.
  assert.equal(encodePrompt(tok, q, chatTemplateOf(base)).text, `${R1_TOKENS.bos}${R1_TOKENS.user}hi${R1_TOKENS.assistant}<think>\n`);
});

test('sampleChat: a prompt that does not open <think> splits tag-free text as answer, with 0 reasoning tokens', () => {
  const tok0 = trainTokenizer(['hello there, what is 2 + 3?'], { vocabSize: 300, addedTokens: [...R1_ADDED_TOKENS, { content: '<|im_start|>', special: true }, { content: '<|im_end|>', special: true }] });
  const chatml = new Tokenizer({ ...tok0.spec, chatTemplate: "{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}<|im_start|>assistant\n" });
  const model = new Transformer(createEngine(createRefBackend()), parseModelConfig({ ...preset('tiny-dense'), vocabSize: tok0.vocabSize, maxSeqLen: 128 }), new Rng(4));
  const q: PromptInput[] = [{ kind: 'chat', messages: [{ role: 'user', content: 'what is 2 + 3?' }] }];
  const opts = { n: 6, maxTokens: 8, sampling: { temperature: 1 }, seed: 2 };
  const tagFree = (t: string): boolean => !t.includes('<think>') && !t.includes('</think>');
  const plain = sampleChat({ model, tokenizer: chatml }, q, opts);
  assert.equal(plain.prompts[0]!.opensThinking, false);
  const free = plain.samples.filter((s) => tagFree(s.text));
  assert.ok(free.length > 0);
  for (const s of free) assert.deepEqual([s.reasoning, s.content, s.reasoningTokens], ['', s.text.trim(), 0]);
  const r1 = sampleChat({ model, tokenizer: tok0 }, q, opts);
  assert.equal(r1.prompts[0]!.opensThinking, true);
  for (const s of r1.samples.filter((x) => tagFree(x.text))) assert.deepEqual([s.reasoning, s.content, s.reasoningTokens], [s.text.trim(), '', s.generation.tokens.length]);
});
