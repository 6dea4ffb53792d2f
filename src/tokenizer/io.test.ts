// src/tokenizer/io.test.ts — tokenizer.json save → load, Llama-3 / Qwen2 style files, and malformed files.

import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../util/rng.js';
import { loadTokenizer, saveTokenizer, tokenizerFromJson } from './io.js';
import { toTokenizerJson } from './hf-json.js';
import { trainTokenizer } from './train-tokenizer.js';
import { R1_CHAT_TEMPLATE } from './chat.js';
import { LLAMA3_PATTERN } from './regex.js';
import { builtinCorpus, randomUnicode } from './samples.js';

const tok = trainTokenizer(builtinCorpus(), { vocabSize: 500 });
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const clone = (): Json => JSON.parse(JSON.stringify(toTokenizerJson(tok.spec))) as Json;

function withDir(fn: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'r1ts-tok-'));
  try {
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('save → load: same ids on random text, same tokenizer.json, config names and chat template kept', () => {
  withDir((dir) => {
    const paths = saveTokenizer(tok, dir);
    const back = loadTokenizer(dir);
    const rng = new Rng(5);
    for (let i = 0; i < 100; i++) {
      const s = randomUnicode(rng, 40);
      assert.deepEqual(back.encode(s), tok.encode(s));
    }
    assert.deepEqual(toTokenizerJson(back.spec), toTokenizerJson(tok.spec));
    assert.equal(readFileSync(paths.tokenizerJson, 'utf8'), JSON.stringify(toTokenizerJson(back.spec), null, 2) + '\n');
    assert.equal(back.spec.chatTemplate, R1_CHAT_TEMPLATE);
    assert.deepEqual([back.bosId, back.eosId, back.padId], [tok.bosId, tok.eosId, tok.padId]);
    assert.deepEqual(loadTokenizer(paths.tokenizerJson).encode('hello'), tok.encode('hello'));
    const config = JSON.parse(readFileSync(paths.tokenizerConfigJson, 'utf8')) as Json;
    assert.equal(config['clean_up_tokenization_spaces'], false);
    assert.equal(config['tokenizer_class'], 'PreTrainedTokenizerFast');
  });
});

test('a `__proto__` vocab entry survives save and load as a plain token', () => {
  const j = clone();
  const vocab = j['model']['vocab'] as Json;
  const id = Object.keys(vocab).length + 100;
  Object.defineProperty(vocab, '__proto__', { value: id, enumerable: true });
  const t = tokenizerFromJson(JSON.parse(JSON.stringify(j)), 'mem.json');
  assert.equal(t.tokenToId('__proto__'), id);
  assert.equal(t.decode([id]), '__proto__');
  withDir((dir) => {
    saveTokenizer(t, dir);
    const back = loadTokenizer(dir);
    assert.equal(back.tokenToId('__proto__'), id);
    assert.equal(Object.getPrototypeOf(JSON.parse(readFileSync(join(dir, 'tokenizer.json'), 'utf8'))['model']['vocab']), Object.prototype);
  });
});

test('Llama-3 style file: Split regex + ByteLevel, ignore_merges, BOS from a TemplateProcessing post-processor', () => {
  const j = clone();
  const vocab = j['model']['vocab'] as Json;
  vocab['Ġzebra'] = 1000; // a whole word that no merge chain builds
  j['model']['ignore_merges'] = true;
  j['added_tokens'] = [{ id: 1001, content: '<|begin_of_text|>', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }];
  j['pre_tokenizer'] = {
    type: 'Sequence',
    pretokenizers: [
      { type: 'Split', pattern: { Regex: LLAMA3_PATTERN }, behavior: 'Isolated', invert: false },
      { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false },
    ],
  };
  j['post_processor'] = {
    type: 'Sequence',
    processors: [
      { type: 'ByteLevel', add_prefix_space: true, trim_offsets: false, use_regex: true },
      {
        type: 'TemplateProcessing',
        single: [{ SpecialToken: { id: '<|begin_of_text|>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
        pair: [],
        special_tokens: { '<|begin_of_text|>': { id: '<|begin_of_text|>', ids: [1001], tokens: ['<|begin_of_text|>'] } },
      },
    ],
  };
  const t = tokenizerFromJson(j, 'llama3/tokenizer.json');
  assert.deepEqual(t.encode(' zebra'), [1000]);
  assert.deepEqual(t.encode(' zebra', { addSpecialTokens: true }), [1001, 1000]);
  assert.equal(t.decode([1001, 1000]), '<|begin_of_text|> zebra');
  j['model']['ignore_merges'] = false;
  assert.ok(tokenizerFromJson(j, 'x').encode(' zebra').length > 1);
});

test('Qwen2 style file: an NFC normalizer runs before pre-tokenization', () => {
  const j = clone();
  j['normalizer'] = { type: 'NFC' };
  const t = tokenizerFromJson(j, 'qwen2/tokenizer.json');
  assert.deepEqual(t.encode('cafe\u0301'), t.encode('café'));
  assert.notDeepEqual(tok.encode('cafe\u0301'), tok.encode('café'));
});

test('malformed tokenizer files give errors naming the file and the problem', () => {
  withDir((dir) => {
    const file = join(dir, 'tokenizer.json');
    const full = JSON.stringify(clone());
    writeFileSync(file, full.slice(0, full.length / 2));
    assert.throws(() => loadTokenizer(file), (e: Error) => e.message.startsWith(file) && /not valid JSON.*truncated/.test(e.message));
    assert.throws(() => loadTokenizer(join(dir, 'missing')), /missing.*cannot read/);
  });
  const bad = (edit: (j: Json) => void, re: RegExp): void => {
    const j = clone();
    edit(j);
    assert.throws(() => tokenizerFromJson(j, 'bad.json'), (e: Error) => e.message.startsWith('bad.json: ') && re.test(e.message), String(re));
  };
  bad((j) => { delete j['model']; }, /model: /);
  bad((j) => { j['model']['type'] = 'WordPiece'; }, /model\.type: unsupported model "WordPiece"/);
  bad((j) => { j['model']['merges'][0] = 'a b c'; }, /model\.merges\.0: expected "left right"/);
  bad((j) => { j['model']['merges'].push('Ġ zzz'); }, /merge \d+ \("Ġ" "zzz"\) needs "zzz", which is not in the vocab/);
  bad((j) => { j['model']['vocab']['a'] = -3; }, /model\.vocab\["a"\]: expected a non-negative integer id/);
  // Ids are u32, as in Hugging Face tokenizers (which refuses 2^32 too); 10^15 made a vocabulary of 10^15 + 1.
  bad((j) => { j['model']['vocab']['a'] = 2 ** 32; }, /model\.vocab\["a"\]: expected a non-negative integer id of at most 4294967295, got 4294967296/);
  bad((j) => { j['added_tokens'][0]['id'] = 1e15; }, /added_tokens\.0\.id: /);
  // Sequences nested past any real file: an error naming the file, not a stack overflow.
  const nest = (inner: Json, key: 'pretokenizers' | 'normalizers', n: number): Json => {
    let out = inner;
    for (let i = 0; i < n; i++) out = { type: 'Sequence', [key]: [out] };
    return out;
  };
  bad((j) => { j['pre_tokenizer'] = nest({ type: 'ByteLevel' }, 'pretokenizers', 100_000); }, /pre_tokenizer(\.pretokenizers\.0)+: Sequence nested more than 32 deep/);
  bad((j) => { j['normalizer'] = nest({ type: 'NFC' }, 'normalizers', 100_000); }, /normalizer(\.normalizers\.0)+: Sequence nested more than 32 deep/);
  bad((j) => { j['model']['byte_fallback'] = true; }, /byte_fallback/);
  bad((j) => { j['pre_tokenizer'] = { type: 'Metaspace', replacement: '▁' }; }, /pre_tokenizer\.type: unsupported pre-tokenizer "Metaspace"/);
  bad((j) => { j['pre_tokenizer'] = { type: 'Split', pattern: { Regex: ' ' }, behavior: 'Isolated', invert: false }; }, /not a byte-level tokenizer/);
  bad((j) => { j['pre_tokenizer']['pretokenizers'][0]['pattern'] = { Regex: '(unclosed' }; }, /does not compile/);
  // ReDoS shapes are refused at load (encoding " aaaa…a!" with them took minutes, or forever).
  bad((j) => { j['pre_tokenizer']['pretokenizers'][0]['pattern'] = { Regex: '(a+)+$' }; }, /repeats a group that itself repeats \(\(a\+\)\+\).*ReDoS/);
  bad((j) => { j['pre_tokenizer']['pretokenizers'][0]['pattern'] = { Regex: '(\\w+\\s?)+$' }; }, /ReDoS/);
  bad((j) => { j['pre_tokenizer']['pretokenizers'][0]['behavior'] = 'Sideways'; }, /pre_tokenizer\.pretokenizers\.0\.behavior/);
  bad((j) => { j['decoder'] = { type: 'WordPiece' }; }, /decoder\.type: unsupported decoder/);
  bad((j) => { j['added_tokens'][0]['id'] = 65; }, /reuses id 65 of vocab entry "A"/);
  bad((j) => { j['added_tokens'][1]['id'] = j['added_tokens'][0]['id']; }, /used twice/);
  // A TemplateProcessing post-processor whose template is not made of {"Sequence": …} / {"SpecialToken": …} pieces.
  const template = (single: unknown[], special_tokens: unknown = { '<s>': { id: '<s>', ids: [1], tokens: ['<s>'] } }): Json => ({ type: 'TemplateProcessing', single, pair: [], special_tokens });
  bad((j) => { j['post_processor'] = template([null, { Sequence: { id: 'A', type_id: 0 } }]); }, /post_processor\.single\[0\] must be \{"Sequence": …\} or \{"SpecialToken": …\}, got null$/);
  bad((j) => { j['post_processor'] = { type: 'Sequence', processors: [{ type: 'ByteLevel' }, template([{ Sequence: { id: 'A' } }, 'eos'])] }; }, /post_processor\.processors\[1\]\.single\[1\] must be .*, got "eos"$/);
  bad((j) => { j['post_processor'] = template([{ SpecialToken: null }]); }, /post_processor\.single\[0\] must be \{"Sequence": …\} or \{"SpecialToken": \{"id": NAME\}\}, got \{"SpecialToken":null\}$/);
  bad((j) => { j['post_processor'] = template([{ SpecialToken: { id: '<s>' } }], { '<s>': { id: '<s>', ids: null } }); }, /post_processor\.single\[0\] names special token "<s>", which post_processor\.special_tokens gives no ids/);
  bad((j) => { j['post_processor'] = template([{ SpecialToken: { id: 'toString' } }]); }, /names special token "toString", which post_processor\.special_tokens gives no ids/);
  bad((j) => { j['post_processor'] = template([{ SpecialToken: { id: '<s>' } }], null); }, /post_processor\.special_tokens must be an object/);
});
