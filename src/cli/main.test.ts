// src/cli/main.test.ts — behaviour every `r1` subcommand shares, checked on the real entry point (spawned): a
// closed output pipe ends the command quietly; usage errors exit 2.

import test from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { saveTokenizer, trainTokenizer } from '../tokenizer/index.js';
import { exitQuietlyOnClosedPipe } from './pipe.js';

const fromSource = import.meta.url.endsWith('.ts');
const main = fileURLToPath(new URL(fromSource ? './main.ts' : './main.js', import.meta.url));

/** Run `r1 args` with its stdout pipe closed before it writes anything (as `r1 … | head -0` would). */
function r1ClosedStdout(args: string[]): Promise<{ code: number | null; stderr: string }> {
  const argv = fromSource ? ['--import', 'tsx', main, ...args] : [main, ...args];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy(); // the reader goes away: the child's first write gets EPIPE
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

test('every command exits 0 without a stack trace when its output pipe is closed', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'r1-epipe-'));
  try {
    saveTokenizer(trainTokenizer(['hello world, hello tokenizer'], { vocabSize: 270 }), dir);
    const file = join(dir, 'rows.jsonl');
    writeFileSync(file, Array.from({ length: 50 }, (_, i) => JSON.stringify({ gold: String(i), answer: String(i) })).join('\n'));
    const runs = [
      ['tasks', 'sample', 'arithmetic', '-n', '200'],
      ['tasks', 'list'],
      ['tokenizer', 'encode', '--tokenizer', dir, '--text', 'hello world '.repeat(2000)],
      ['verify', '--file', file, '--json'],
      ['verify', '--gold', '1', '--answer', '1'],
      ['model', 'info', 'tiny-dense'],
    ];
    for (const args of runs) {
      const r = await r1ClosedStdout(args);
      assert.equal(r.stderr, '', `r1 ${args.join(' ')}`);
      assert.equal(r.code, 0, `r1 ${args.join(' ')}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('usage errors exit 2 in every command: unknown flags, missing required options and arguments', () => {
  const runs = [
    ['--bogus'],
    ['bogus-command'],
    ['eval', '--bogus'],
    ['eval', '--model', 'x'], // --bench is required
    ['model', 'info', '--bogus', 'tiny-dense'],
    ['model', 'info'],
    ['tasks', 'sample', '--bogus', 'arithmetic'],
    ['tasks', 'list', '--bogus'],
    ['tokenizer', '--bogus'],
    ['tokenizer', 'encode', '--bogus'],
    ['tokenizer', 'encode'], // --tokenizer is required
    ['tokenizer', 'train', '--out', 'x'],
    ['verify', '--bogus'],
    ['demo', '--bogus'],
  ];
  for (const args of runs) {
    const r = spawnSync(process.execPath, fromSource ? ['--import', 'tsx', main, ...args] : [main, ...args], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 2, `r1 ${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /error|invalid|unknown/i, `r1 ${args.join(' ')}`);
  }
  for (const args of [['--help'], ['eval', '--help'], ['tokenizer', 'encode', '--help']]) {
    const r = spawnSync(process.execPath, fromSource ? ['--import', 'tsx', main, ...args] : [main, ...args], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, `r1 ${args.join(' ')}`);
  }
});

test('help shown because a subcommand is missing or unknown exits 2; help asked for exits 0', () => {
  const r1 = (args: string[]) => spawnSync(process.execPath, fromSource ? ['--import', 'tsx', main, ...args] : [main, ...args], { encoding: 'utf8', timeout: 60_000 });
  for (const args of [[], ['model'], ['tokenizer'], ['help', 'bogus'], ['model', 'help', 'bogus']]) {
    const r = r1(args);
    assert.equal(r.status, 2, `r1 ${args.join(' ')}`);
    assert.match(r.stderr, /Usage: r1/, `r1 ${args.join(' ')}: the help, on stderr`);
    assert.equal(r.stdout, '');
  }
  assert.match(r1(['help', 'bogus']).stderr, /^error: unknown command 'bogus'\n/);
  for (const args of [['help'], ['help', 'eval'], ['model', 'help'], ['model', '--help']]) {
    const r = r1(args);
    assert.equal(r.status, 0, `r1 ${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stdout, /Usage: r1/);
  }
});

test('exitQuietlyOnClosedPipe exits 0 on EPIPE and rethrows other stream errors', () => {
  const s = new EventEmitter();
  const codes: number[] = [];
  exitQuietlyOnClosedPipe([s], (c) => codes.push(c));
  s.emit('error', Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
  assert.deepEqual(codes, [0]);
  assert.throws(() => s.emit('error', Object.assign(new Error('write EIO'), { code: 'EIO' })), /EIO/);
});
