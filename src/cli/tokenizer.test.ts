// src/cli/tokenizer.test.ts — `r1 tokenizer train/encode/decode` in-process on a temporary folder.

import test from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { Command } from 'commander';
import { createTokenizerCommand } from './tokenizer.js';
import { builtinCorpus } from '../tokenizer/samples.js';

async function runCli(args: string[], stdin = ''): Promise<{ stdout: string; stderr: string; exitCode: number }> {
  let stdout = '';
  let stderr = '';
  const err = new PassThrough();
  err.on('data', (c: Buffer) => (stderr += c.toString()));
  let exitCode = 0;
  const program = new Command().exitOverride();
  program.addCommand(
    createTokenizerCommand({ stdout: { write: (s: string) => (stdout += s) }, stderr: err, readStdin: () => stdin, setExitCode: (c) => (exitCode = c) }),
  );
  await program.parseAsync(['tokenizer', ...args], { from: 'user' });
  return { stdout, stderr, exitCode };
}

test('r1 tokenizer: train on JSONL, encode, decode round trip, and bad flags exit 2', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'r1-cli-tok-'));
  try {
    const data = join(dir, 'train.jsonl');
    writeFileSync(data, builtinCorpus().map((t, i) => JSON.stringify({ id: i, text: t, skip: 'ZZZZ' })).join('\n') + '\n');
    const out = join(dir, 'tok');
    const tr = await runCli(['train', '--input', data, '--out', out, '--vocab-size', '400', '--field', 'text', '--no-progress']);
    assert.equal(tr.exitCode, 0, tr.stderr);
    assert.match(tr.stdout, /135 merges, vocabulary 400/);
    assert.ok(existsSync(join(out, 'tokenizer.json')) && existsSync(join(out, 'tokenizer_config.json')));

    const text = 'Natalia sold 48 clips <think>ok</think> 😀';
    const enc = await runCli(['encode', '--tokenizer', out, '--format', 'json'], text);
    assert.equal(enc.exitCode, 0, enc.stderr);
    const ids = JSON.parse(enc.stdout) as number[];
    const dec = await runCli(['decode', '--tokenizer', out, ...ids.map(String)]);
    assert.equal(dec.stdout, text + '\n');
    const viaStdin = await runCli(['decode', '--tokenizer', out], JSON.stringify(ids));
    assert.equal(viaStdin.stdout, text + '\n');
    const plain = await runCli(['encode', '--tokenizer', out, '--no-added', '--text', '<think>']);
    assert.ok(plain.stdout.trim().split(' ').length > 1);

    const bad = await runCli(['train', '--input', data, '--out', out, '--vocab-size', 'lots']);
    assert.equal(bad.exitCode, 2);
    assert.equal(bad.stderr, 'r1 tokenizer train: --vocab-size: must be a number, got "lots"\n');
    const badIds = await runCli(['decode', '--tokenizer', out, '12', 'abc']);
    assert.equal(badIds.exitCode, 2);
    assert.equal(badIds.stderr, 'r1 tokenizer decode: token ids are non-negative integers, got "abc"\n');
    const missing = await runCli(['encode', '--tokenizer', join(dir, 'nope'), '--text', 'x']);
    assert.equal(missing.exitCode, 1);
    assert.match(missing.stderr, /nope.*cannot read/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('r1 tokenizer train checks its output directory and its input before training', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'r1-tok-out-'));
  try {
    const data = join(dir, 'corpus.txt');
    writeFileSync(data, builtinCorpus().join('\n').slice(0, 2000));
    // A parent that refuses new entries: one message, at once (node's recursive mkdir spins forever on /proc).
    const proc = await runCli(['train', '--input', data, '--out', '/proc/r1-no-such-dir', '--vocab-size', '300', '--no-progress']);
    assert.equal(proc.exitCode, 1);
    assert.match(proc.stderr, /\/proc\/r1-no-such-dir: cannot create the output directory/);
    // A file where the directory should be.
    writeFileSync(join(dir, 'file'), '');
    const file = await runCli(['train', '--input', data, '--out', join(dir, 'file', 'tok'), '--vocab-size', '300', '--no-progress']);
    assert.match(file.stderr, /is a file/);
    // A field that no line has: nothing to train on is an error, not a tokenizer of bytes only.
    const jsonl = join(dir, 'rows.jsonl');
    writeFileSync(jsonl, '{"text": "hello"}\n');
    const none = await runCli(['train', '--input', jsonl, '--field', 'nope', '--out', join(dir, 'tok'), '--vocab-size', '300', '--no-progress']);
    assert.equal(none.exitCode, 1);
    assert.match(none.stderr, /no text to train on: no line of .*rows\.jsonl has a string field "nope"/);
    assert.ok(!existsSync(join(dir, 'tok', 'tokenizer.json')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
