// src/tokenizer/tokenizer.test.ts — encode/decode: exact round trip on random Unicode, atomic added tokens,
// lone surrogates, streaming decode, and a trained tokenizer that compresses its corpus.

import test from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../util/rng.js';
import { trainTokenizer } from './train-tokenizer.js';
import { DIGIT_PATTERN } from './regex.js';
import type { Tokenizer } from './tokenizer.js';
import { R1_ADDED_TOKENS, R1_TOKENS } from './specials.js';
import { builtinCorpus, randomUnicode } from './samples.js';
import { utf8Bytes } from './bytes.js';

const tok = trainTokenizer(builtinCorpus(), { vocabSize: 500 });
const addedIds = new Set(tok.added.tokens.map((t) => t.id));

test('trained tokenizer: 256 bytes + merges + added tokens, and it compresses its corpus', () => {
  assert.equal(tok.vocabSize, 500);
  assert.equal(tok.spec.merges.length, 500 - 256 - R1_ADDED_TOKENS.length);
  const text = builtinCorpus().join('\n');
  const n = tok.encode(text).length;
  assert.ok(n < utf8Bytes(text).length / 2.5, `${n} tokens for ${utf8Bytes(text).length} bytes`);
  assert.equal(tok.bosId, tok.addedTokenId(R1_TOKENS.bos));
  assert.equal(tok.eosId, tok.addedTokenId(R1_TOKENS.eos));
  assert.equal(tok.padId, tok.addedTokenId(R1_TOKENS.pad));
});

test('round trip: decode(encode(s)) === s on 300 seeded random Unicode strings', () => {
  const rng = new Rng(2024);
  for (let i = 0; i < 300; i++) {
    const s = randomUnicode(rng, rng.int(0, 60));
    assert.equal(tok.decode(tok.encode(s)), s, `string ${i}: ${JSON.stringify(s)}`);
    assert.equal(tok.decode(tok.encode(s, { allowedAdded: 'none' })), s);
  }
  // Edge cases: empty, a leading BOM (must not be eaten as a byte-order mark), NUL, lone combining mark.
  for (const s of ['', '\ufeffx', '\u0000', '\u0301', ' '.repeat(100), 'a'.repeat(5000), '\r\n\r\n']) {
    assert.equal(tok.decode(tok.encode(s)), s);
  }
});

test('lone surrogates are not UTF-8: each encodes as U+FFFD (like TextEncoder), and encoding never throws', () => {
  const s = 'a\ud800b\udc00c\ud83d';
  assert.equal(tok.decode(tok.encode(s)), 'a\ufffdb\ufffdc\ufffd');
  assert.deepEqual(tok.encode(s), tok.encode('a\ufffdb\ufffdc\ufffd'));
  assert.equal(tok.decode(tok.encode('\ud83d\ude00')), '😀'); // a proper pair is kept
});

test('added tokens are matched whole when allowed, and are ordinary text otherwise', () => {
  const think = tok.addedTokenId(R1_TOKENS.thinkStart);
  const thinkEnd = tok.addedTokenId(R1_TOKENS.thinkEnd);
  const ids = tok.encode('<think>x</think><think><think>');
  assert.equal(ids[0], think);
  assert.equal(ids.filter((i) => i === think).length, 3);
  assert.equal(ids.filter((i) => i === thinkEnd).length, 1);
  assert.deepEqual(tok.encode(R1_TOKENS.user), [tok.addedTokenId(R1_TOKENS.user)]);
  // Not allowed: the same text becomes ordinary tokens and no added id appears.
  const plain = tok.encode('<think>x</think>', { allowedAdded: 'none' });
  assert.ok(plain.length > 2 && plain.every((i) => !addedIds.has(i)));
  // Allowed list: only the listed token is atomic.
  const some = tok.encode('<think></think>', { allowedAdded: [R1_TOKENS.thinkEnd] });
  assert.ok(!some.includes(think) && some[some.length - 1] === thinkEnd);
  // Near misses stay text.
  assert.ok(tok.encode('<think <thinkx> think>').every((i) => !addedIds.has(i)));
  assert.throws(() => tok.encode('x', { allowedAdded: ['<nope>'] }), /unknown added token "<nope>"/);
});

test('ordinary text never merges into an added token, even when the corpus is full of it', () => {
  const t = trainTokenizer(Array.from({ length: 200 }, () => '<think>\n</think><answer>1</answer> <｜User｜>'), { vocabSize: 320 });
  const vocabStrings = new Set(t.spec.vocab.keys());
  for (const a of R1_ADDED_TOKENS) assert.ok(!vocabStrings.has(a.content), a.content);
  const ids = t.encode('<think>\n</think><answer>1</answer> <｜User｜>', { allowedAdded: 'none' });
  const added = new Set(t.added.tokens.map((x) => x.id));
  assert.ok(ids.every((i) => !added.has(i)));
});

test('skipSpecialTokens drops BOS/EOS/roles but keeps the reasoning tags', () => {
  const text = `${R1_TOKENS.bos}${R1_TOKENS.user}hi${R1_TOKENS.assistant}<think>\nok</think>yes${R1_TOKENS.eos}`;
  const ids = tok.encode(text);
  assert.equal(tok.decode(ids), text);
  assert.equal(tok.decode(ids, { skipSpecialTokens: true }), 'hi<think>\nok</think>yes');
});

test('stream decoder never splits a character across token boundaries', () => {
  const s = '数学 😀👨‍👩‍👧 ok é';
  const ids = tok.encode(s);
  const dec = tok.streamDecoder();
  const chunks = ids.map((id) => dec.push(id));
  const joined = chunks.join('') + dec.flush();
  assert.equal(joined, s);
  assert.ok(chunks.every((c) => !c.includes('\ufffd')));
  const cut = tok.streamDecoder();
  const bytes = tok.decodeBytes(ids);
  assert.equal(bytes.length, utf8Bytes(s).length);
  assert.throws(() => tok.decode([tok.vocabSize]), /token id 500 is not in the vocabulary \(size 500\)/);
  assert.equal(cut.flush(), '');
});

test('encodeBatch equals encode per text; tokenToId / idToToken are inverse', () => {
  const texts = builtinCorpus().slice(0, 5);
  assert.deepEqual(tok.encodeBatch(texts), texts.map((t) => tok.encode(t)));
  for (let id = 0; id < tok.vocabSize; id += 37) {
    const s = tok.idToToken(id) as string;
    assert.equal(tok.tokenToId(s), id);
  }
  assert.equal(tok.idToToken(32), 'Ġ'); // byte 0x20 in GPT-2's table
});

test('vocabSize too small for bytes + added tokens is rejected', () => {
  assert.throws(() => trainTokenizer(['x'], { vocabSize: 260 }), /vocabSize 260 is too small/);
});

test('trainTokenizer from JavaScript: no options, or one string instead of a list of texts, throws naming the problem', () => {
  assert.throws(() => trainTokenizer(['x'], undefined as never), { name: 'TypeError', message: 'trainTokenizer: options are required ({ vocabSize })' });
  // A bare string would otherwise be iterated character by character: a tokenizer trained on nothing useful.
  for (const texts of ['some text', undefined, 42]) {
    assert.throws(() => trainTokenizer(texts as never, { vocabSize: 300 }), { name: 'TypeError', message: 'trainTokenizer: texts must be an iterable of strings (an array of texts)' });
  }
});

test('DIGIT_PATTERN: a tokenizer trained with it keeps every digit its own token, where LLAMA3_PATTERN merges up to three', () => {
  const corpus = Array.from({ length: 200 }, (_, i) => `${i} + ${i * 7} = ${i * 8}. The answer is ${i * 8}.`);
  const digits = trainTokenizer(corpus, { vocabSize: 400, pattern: DIGIT_PATTERN });
  const groups = trainTokenizer(corpus, { vocabSize: 400 });
  const pieces = (t: Tokenizer, s: string) => t.encode(s).map((id) => t.decode([id]));
  assert.deepEqual(pieces(digits, '123 + 45').filter((p) => /\d/.test(p)), ['1', '2', '3', '4', '5']);
  assert.ok(pieces(groups, '123 + 45').some((p) => /\d\d/.test(p)), 'the default pattern merges digits');
});
