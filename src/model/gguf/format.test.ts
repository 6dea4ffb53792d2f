// src/model/gguf/format.test.ts — tests: GGUF v3 container round trip and corrupt-file errors.

import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../../util/rng.js';
import { type GgufValue, encodeGguf, parseGguf, readGguf, writeGguf } from './format.js';
import { f16ToF32, f32ToF16 } from '../checkpoint/half.js';

const rand = (rng: Rng, n: number): Float32Array => Float32Array.from({ length: n }, () => rng.normal());

test('GGUF v3 round trip keeps typed metadata and tensors, with 32-byte aligned data', () => {
  const rng = new Rng(3);
  const md = new Map<string, GgufValue>([
    ['general.architecture', { type: 'string', value: 'llama' }],
    ['a.u32', { type: 'u32', value: 7 }],
    ['a.i32', { type: 'i32', value: -7 }],
    ['a.f32', { type: 'f32', value: 0.5 }],
    ['a.bool', { type: 'bool', value: true }],
    ['a.u64', { type: 'u64', value: 1n << 40n }],
    ['a.strs', { type: 'array', itemType: 'string', value: ['x', 'Ġy', ''] }],
    ['a.ints', { type: 'array', itemType: 'i32', value: [1, -2, 3] }],
  ]);
  const w = rand(rng, 15), v = rand(rng, 3), h = rand(rng, 6);
  const chunks = encodeGguf(md, [
    { name: 'w', shape: [3, 5], data: w, type: 'F32' },
    { name: 'v', shape: [3], data: v, type: 'F32' },
    { name: 'h', shape: [2, 3], data: h, type: 'F16' },
  ]);
  const buf = Buffer.concat(chunks);
  assert.equal(buf.readUInt32LE(4), 3);
  assert.equal(chunks[0]!.length % 32, 0);
  const g = parseGguf(buf);
  assert.deepEqual(g.metadata, md);
  assert.deepEqual(g.tensors.get('w')!.shape, [3, 5]);
  assert.deepEqual(g.tensors.get('w')!.data, w);
  assert.deepEqual(g.tensors.get('v')!.data, v);
  assert.deepEqual([...g.tensors.get('h')!.data], [...h].map((x) => f16ToF32(f32ToF16(x))));
  // ggml lists the fastest dim first: the 3x5 matrix is stored as ne = [5, 3]
  const info = Buffer.alloc(8 + 1 + 4 + 16);
  info.writeBigUInt64LE(1n, 0);
  info.write('w', 8);
  info.writeUInt32LE(2, 9);
  info.writeBigUInt64LE(5n, 13);
  info.writeBigUInt64LE(3n, 21);
  assert.ok(buf.indexOf(info) > 0, 'tensor info of w holds n_dims 2, ne [5, 3]');
});

test('a truncated or corrupt GGUF is rejected with an error naming the file and the problem', () => {
  const dir = mkdtempSync(join(tmpdir(), 'r1ts-gguf-'));
  try {
    const file = join(dir, 'm.gguf');
    writeGguf(file, new Map([['general.architecture', { type: 'string', value: 'llama' }]]), [{ name: 'w', shape: [4, 4], data: new Float32Array(16), type: 'F32' }]);
    assert.equal(readGguf(file).tensors.get('w')!.data.length, 16);
    const good = readFileSync(file);
    const bad = join(dir, 'bad.gguf');
    writeFileSync(bad, good.subarray(0, good.length - 8));
    assert.throws(() => readGguf(bad), (e: Error) => e.message.includes(bad) && /runs past the end/.test(e.message));
    writeFileSync(bad, good.subarray(0, 30));
    assert.throws(() => readGguf(bad), (e: Error) => e.message.includes(bad) && /unexpected end of file/.test(e.message));
    const c = Buffer.from(good);
    c.write('GGUX', 0);
    writeFileSync(bad, c);
    assert.throws(() => readGguf(bad), /bad magic/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  assert.throws(() => encodeGguf(new Map([['k', { type: 'u32', value: 1.5 }]]), []), /non-integer/);
});

test('a GGUF whose alignment is not a power of two of at least 8, or whose tensors share bytes, is rejected', () => {
  const md = new Map<string, GgufValue>([['general.architecture', { type: 'string', value: 'llama' }], ['general.alignment', { type: 'u32', value: 32 }]]);
  const good = Buffer.concat(encodeGguf(md, [{ name: 'w', shape: [4, 4], data: new Float32Array(16), type: 'F32' }, { name: 'v', shape: [16], data: new Float32Array(16).fill(1), type: 'F32' }]));
  assert.deepEqual(parseGguf(good, 'm.gguf').tensors.get('v')!.data, new Float32Array(16).fill(1));
  // general.alignment's value: the u32 after its key and type.
  const key = Buffer.from('general.alignment');
  const at = good.indexOf(key) + key.length + 4;
  assert.equal(good.readUInt32LE(at), 32);
  for (const align of [24, 12, 4, 0]) {
    const c = Buffer.from(good);
    c.writeUInt32LE(align, at);
    assert.throws(() => parseGguf(c, 'm.gguf'), new RegExp(`^Error: m\\.gguf: .*general\\.alignment ${align} is not a power of two of at least 8`), String(align));
    assert.throws(() => encodeGguf(new Map([['general.alignment', { type: 'u32', value: align }]]), []), /power of two of at least 8/);
  }
  // v's offset (the last u64 of its tensor info: name, n_dims 1, ne[0], type) moved into w's 64 bytes.
  const v = good.indexOf(Buffer.from([1, 0, 0, 0, 0, 0, 0, 0, 'v'.charCodeAt(0), 1, 0, 0, 0]));
  const offAt = v + 9 + 4 + 8 + 4;
  assert.equal(good.readBigUInt64LE(offAt), 64n);
  const c = Buffer.from(good);
  c.writeBigUInt64LE(32n, offAt);
  assert.throws(() => parseGguf(c, 'm.gguf'), /m\.gguf: .*tensor v data \(bytes 32-96 of the data section\) overlaps tensor w's \(bytes 0-64\)/);
});
