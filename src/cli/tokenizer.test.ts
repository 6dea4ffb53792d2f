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
    assert.match(bad.stderr, /r1 tokenizer train: invalid options[\s\S]*vocabSize/);
    const missing = await runCli(['encode', '--tokenizer', join(dir, 'nope'), '--text', 'x']);
    assert.equal(missing.exitCode, 1);
    assert.match(missing.stderr, /nope.*cannot read/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
