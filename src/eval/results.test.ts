// src/eval/results.test.ts — the sample store: crash-truncated last line, corrupt lines, duplicate keys.

import test from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, ftruncateSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkRunConfig, SampleStore, type SampleRecord } from './results.js';
import { weightsFingerprint } from './local-source.js';

const rec = (itemId: string, sample: number, correct = true): SampleRecord => ({
  bench: 'b',
  itemId,
  sample,
  seed: sample,
  reasoning: 'r',
  content: '\\boxed{1}',
  finishReason: 'stop',
  extracted: '1',
  correct,
  score: correct ? 1 : 0,
  formatOk: true,
  usage: null,
  reasoningTokens: null,
  answerTokens: null,
  tokensEstimated: false,
  latencyMs: 1,
});

test('SampleStore drops a truncated last line and appends on a fresh line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'r1-store-'));
  try {
    const path = join(dir, 'samples.jsonl');
    writeFileSync(path, `${JSON.stringify(rec('a', 0))}\n${JSON.stringify(rec('a', 1)).slice(0, 30)}`);
    const store = SampleStore.open(dir);
    assert.equal(store.droppedLines, 1);
    assert.ok(store.has('b', 'a', 0));
    assert.ok(!store.has('b', 'a', 1));
    store.append(rec('a', 1, false));
    store.append(rec('a', 1, true)); // duplicate key: ignored
    const lines = readFileSync(path, 'utf8').split('\n');
    assert.equal(lines.length, 3); // two records + final empty string
    const reopened = SampleStore.open(dir);
    assert.equal(reopened.droppedLines, 0);
    assert.equal(reopened.get('b', 'a', 1)!.correct, false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('SampleStore refuses a corrupt line in the middle, naming file and line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'r1-store-'));
  try {
    writeFileSync(join(dir, 'samples.jsonl'), `${JSON.stringify(rec('a', 0))}\n{"bench": 1}\n${JSON.stringify(rec('a', 1))}\n`);
    assert.throws(() => SampleStore.open(dir), /samples\.jsonl:2: not a sample record/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('checkRunConfig writes run.json once and lists every difference', () => {
  const dir = mkdtempSync(join(tmpdir(), 'r1-store-'));
  try {
    const cfg = { model: 'm', temperature: 0.6, topP: 0.95, maxTokens: 100, seed: 0, promptStyle: 'boxed' };
    checkRunConfig(dir, cfg);
    checkRunConfig(dir, cfg);
    assert.throws(() => checkRunConfig(dir, { ...cfg, model: 'x', seed: 3 }), /model: "m" there, "x" now; seed: 0 there, 3 now/);
    writeFileSync(join(dir, 'run.json'), '[]');
    assert.throws(() => checkRunConfig(dir, cfg), /not an r1 eval run config/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a resumed evaluation of a checkpoint whose weights changed under the same name is refused', () => {
  const dir = mkdtempSync(join(tmpdir(), 'r1-weights-'));
  try {
    const ckpt = join(dir, 'model');
    mkdirSync(ckpt);
    writeFileSync(join(ckpt, 'config.json'), '{}');
    writeFileSync(join(ckpt, 'model.safetensors'), Buffer.alloc(3 << 20, 1));
    const before = weightsFingerprint(ckpt);
    assert.match(before ?? '', /^sha256:[0-9a-f]{16}$/);
    assert.equal(weightsFingerprint(ckpt), before, 'stable');
    // One byte changed in the middle of a 3 MiB file is not read; at either end it is.
    const bytes = Buffer.alloc(3 << 20, 1);
    bytes[(3 << 20) - 10] = 2;
    writeFileSync(join(ckpt, 'model.safetensors'), bytes);
    const after = weightsFingerprint(ckpt);
    assert.notEqual(after, before);
    assert.equal(weightsFingerprint(join(dir, 'nothing-here')), null);
    const out = join(dir, 'out');
    const cfg = { model: 'model', temperature: 0.6, topP: 0.95, maxTokens: 100, seed: 0, promptStyle: 'boxed' };
    checkRunConfig(out, { ...cfg, weights: before as string });
    assert.throws(() => checkRunConfig(out, { ...cfg, weights: after as string }), /other weights of the same model name \(weights: "sha256:/);
    // A run.json written before fingerprints were kept resumes as before.
    const old = join(dir, 'old');
    checkRunConfig(old, cfg);
    checkRunConfig(old, { ...cfg, weights: after as string });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('SampleStore reads its file line by line: a many-chunk file with multi-byte text loads whole, a torn tail is cut at its byte', () => {
  const dir = mkdtempSync(join(tmpdir(), 'r1-store-'));
  try {
    // ~6 MB of records whose text is multi-byte, read in 4 KiB chunks (about 1,500 chunk boundaries, many
    // inside a character): the same reader takes a file of any size, one chunk and one line at a time.
    const path = join(dir, 'samples.jsonl');
    const long = 'π≈3.14159, “reasoning” 🙂 '.repeat(200);
    const n = 1000;
    const lines = Array.from({ length: n }, (_, i) => JSON.stringify({ ...rec(`item-${i}`, i % 4), reasoning: `${i}: ${long}` }));
    const whole = `${lines.join('\n')}\n`;
    writeFileSync(path, `${whole}${lines[0]!.slice(0, 77)}`);
    assert.ok(statSync(path).size > 5_000_000);
    const store = SampleStore.open(dir, { chunkBytes: 4096 });
    assert.equal(store.records.size, n);
    assert.equal(store.droppedLines, 1);
    assert.equal(store.get('b', 'item-999', 3)!.reasoning, `999: ${long}`);
    assert.equal(statSync(path).size, Buffer.byteLength(whole, 'utf8'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('SampleStore on a samples file past V8\'s largest string (600 MiB, sparse): it reads line by line and names file and line', () => {
  // V8 cannot build a string over 0x1fffffe8 characters (~512 MiB): reading the file whole failed with a RangeError
  // that named no file. A sparse file costs no disk: two records, then a 600 MiB hole of NUL bytes (what a crash
  // can leave at the end of an appended file), cut into 8 MiB lines.
  const dir = mkdtempSync(join(tmpdir(), 'r1-store-big-'));
  try {
    const path = join(dir, 'samples.jsonl');
    const head = `${JSON.stringify(rec('item-0', 0))}\n${JSON.stringify(rec('item-0', 1))}\n`;
    writeFileSync(path, head);
    const size = 600 * 2 ** 20;
    const fd = openSync(path, 'r+');
    try {
      ftruncateSync(fd, size);
      for (let off = head.length + (8 << 20); off < size; off += 8 << 20) writeSync(fd, '\n', off);
    } finally {
      closeSync(fd);
    }
    assert.ok(statSync(path).size > 0x1fffffe8);
    assert.throws(() => SampleStore.open(dir), (e: Error) => e.message.startsWith(`${path}:3: not a sample record`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
