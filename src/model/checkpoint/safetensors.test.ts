// src/model/checkpoint/safetensors.test.ts — tests: safetensors round trip, F16/BF16 reads, half conversion, corrupt-file errors.

import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../../util/rng.js';
import { encodeSafetensors, parseSafetensors, readSafetensors, writeSafetensors } from './safetensors.js';
import { f16ToF32, f32ToF16 } from './half.js';

function randomTensors(seed: number): Map<string, { shape: number[]; data: Float32Array }> {
  const rng = new Rng(seed);
  const m = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const [name, shape] of [['a.weight', [3, 5]], ['b', [7]], ['c.scalar', []], ['d.empty', [0, 4]]] as const) {
    const n = shape.reduce((x: number, y: number) => x * y, 1);
    m.set(name, { shape: [...shape], data: Float32Array.from({ length: n }, () => rng.normal()) });
  }
  return m;
}

function withTmp(fn: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'r1ts-st-'));
  try {
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('save -> load is bit-exact, keeps metadata, aligns data to 8 bytes, leaves no temp file', () => {
  withTmp((dir) => {
    const file = join(dir, 'm.safetensors');
    const t = randomTensors(1);
    writeSafetensors(file, t, { format: 'pt' });
    assert.deepEqual(readdirSync(dir), ['m.safetensors']);
    const buf = readFileSync(file);
    assert.equal(Number(buf.readBigUInt64LE(0)) % 8, 0);
    const back = readSafetensors(file);
    assert.deepEqual(back.metadata, { format: 'pt' });
    for (const [k, v] of t) {
      const got = back.tensors.get(k)!;
      assert.deepEqual(got.shape, v.shape);
      assert.deepEqual(Buffer.from(got.data.buffer), Buffer.from(v.data.buffer), k);
    }
  });
});

test('reads F16 and BF16 tensors', () => {
  const vals = [1, -2.5, 0.1, 65504];
  const header = JSON.stringify({
    h: { dtype: 'F16', shape: [4], data_offsets: [0, 8] },
    b: { dtype: 'BF16', shape: [2, 2], data_offsets: [8, 16] },
  });
  const hb = Buffer.from(header);
  const buf = Buffer.alloc(8 + hb.length + 16);
  buf.writeBigUInt64LE(BigInt(hb.length), 0);
  hb.copy(buf, 8);
  const base = 8 + hb.length;
  vals.forEach((v, i) => buf.writeUInt16LE(f32ToF16(v), base + 2 * i));
  const f = new Float32Array(vals);
  const u = new Uint32Array(f.buffer);
  vals.forEach((_, i) => buf.writeUInt16LE(u[i]! >>> 16, base + 8 + 2 * i));
  const got = parseSafetensors(buf);
  assert.deepEqual([...got.tensors.get('h')!.data], vals.map((v) => f16ToF32(f32ToF16(v))));
  assert.equal(got.tensors.get('h')!.data[0], 1);
  assert.equal(got.tensors.get('b')!.data[1], -2.5);
  assert.ok(Math.abs(got.tensors.get('b')!.data[2]! - 0.1) < 1e-3);
});

test('half conversion rounds to nearest even and handles subnormals and overflow', () => {
  assert.equal(f32ToF16(1), 0x3c00);
  assert.equal(f32ToF16(-2), 0xc000);
  assert.equal(f32ToF16(65504), 0x7bff);
  assert.equal(f32ToF16(1e6), 0x7c00);
  assert.equal(f32ToF16(2 ** -24), 0x0001);
  assert.equal(f32ToF16(1 + 2 ** -11), 0x3c00); // tie -> even
  assert.equal(f32ToF16(1 + 3 * 2 ** -11), 0x3c02); // tie -> even (up)
  for (let h = 0; h < 0x7c00; h += 7) assert.equal(f32ToF16(f16ToF32(h)), h);
});

test('a truncated or corrupt file is rejected with an error naming the file and the problem', () => {
  withTmp((dir) => {
    const file = join(dir, 'm.safetensors');
    writeSafetensors(file, randomTensors(2));
    const good = readFileSync(file);
    const bad = join(dir, 'bad.safetensors');
    writeFileSync(bad, good.subarray(0, good.length - 5));
    assert.throws(() => readSafetensors(bad), (e: Error) => e.message.includes(bad) && /truncat/.test(e.message));
    writeFileSync(bad, good.subarray(0, 4));
    assert.throws(() => readSafetensors(bad), (e: Error) => e.message.includes(bad) && /shorter than/.test(e.message));
    const corrupt = Buffer.from(good);
    corrupt[9] = 0xff; // break the JSON
    writeFileSync(bad, corrupt);
    assert.throws(() => readSafetensors(bad), (e: Error) => e.message.includes(bad) && /JSON/.test(e.message));
    const huge = Buffer.from(good);
    huge.writeBigUInt64LE(1n << 40n, 0);
    writeFileSync(bad, huge);
    assert.throws(() => readSafetensors(bad), /implausibly large/);
    assert.throws(() => readSafetensors(join(dir, 'missing.safetensors')), /missing\.safetensors: cannot read/);
  });
});

test('inconsistent headers are rejected: wrong span, overlap, unknown dtype', () => {
  const mk = (header: object, dataBytes: number): Buffer => {
    const hb = Buffer.from(JSON.stringify(header));
    const b = Buffer.alloc(8 + hb.length + dataBytes);
    b.writeBigUInt64LE(BigInt(hb.length), 0);
    hb.copy(b, 8);
    return b;
  };
  assert.throws(() => parseSafetensors(mk({ x: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, 8), 'f'), /needs 12/);
  assert.throws(() => parseSafetensors(mk({ x: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, y: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } }, 12), 'f'), /overlap or hole/);
  assert.throws(() => parseSafetensors(mk({ x: { dtype: 'Q4', shape: [2], data_offsets: [0, 8] } }, 8), 'f'), /unknown dtype/);
  // Names of Object.prototype's members are not dtypes either.
  for (const dtype of ['toString', 'constructor', '__proto__', 'hasOwnProperty']) {
    assert.throws(() => parseSafetensors(mk({ x: { dtype, shape: [2], data_offsets: [0, 8] } }, 8), 'f'), new RegExp(`^Error: f: not a valid safetensors file: tensor x: unknown dtype "${dtype}"$`));
  }
  assert.throws(() => parseSafetensors(mk({ x: { dtype: 'I32', shape: [2], data_offsets: [0, 8] } }, 8), 'f'), /not supported/);
  assert.throws(() => encodeSafetensors({ x: { shape: [3], data: new Float32Array(2) } }), /has 2 values/);
});
