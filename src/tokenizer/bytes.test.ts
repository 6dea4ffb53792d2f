// src/tokenizer/bytes.test.ts — the GPT-2 byte table and the UTF-8 encoder.

import test from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../util/rng.js';
import { BYTE_TO_CHAR, byteLevelToBytes, bytesToByteLevel, utf8Bytes } from './bytes.js';
import { randomUnicode } from './samples.js';

test('byte table: 256 distinct printable characters, space is Ġ, printable ASCII maps to itself', () => {
  assert.equal(new Set(BYTE_TO_CHAR).size, 256);
  assert.equal(BYTE_TO_CHAR[0x20], 'Ġ');
  assert.equal(BYTE_TO_CHAR[0x0a], 'Ċ');
  assert.equal(BYTE_TO_CHAR[0x41], 'A');
  assert.equal(BYTE_TO_CHAR[0xad], 'Ń'); // soft hyphen is remapped (GPT-2 encoder.py)
  const all = Uint8Array.from({ length: 256 }, (_, i) => i);
  assert.deepEqual(byteLevelToBytes(bytesToByteLevel(all)), all);
  assert.equal(byteLevelToBytes('<｜User｜>'), undefined);
});

test('utf8Bytes equals Buffer.from on random strings, and maps lone surrogates to U+FFFD', () => {
  const rng = new Rng(7);
  for (let i = 0; i < 200; i++) {
    const s = randomUnicode(rng, 30);
    assert.deepEqual(Uint8Array.from(utf8Bytes(s)), new Uint8Array(Buffer.from(s, 'utf8')));
  }
  for (const s of ['a\ud800b', '\udc00', 'x\ud83d', '\ud83d\ude00\ude00']) {
    assert.deepEqual(Uint8Array.from(utf8Bytes(s)), new Uint8Array(Buffer.from(s, 'utf8')));
  }
  assert.deepEqual(utf8Bytes('\ud800'), [0xef, 0xbf, 0xbd]);
});
