// src/cli/eval-interrupt.test.ts — Ctrl-C during a local-model eval (issue 12 item 2): a real `r1 eval --model`
// child process gets a real SIGINT mid-run; it must stop promptly (generation yields to the event loop between
// decode steps), keep every finished sample and write the summary of the items that finished.

import test from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeCheckpoint } from '../eval/fixtures.js';

const lines = (file: string): string[] => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '') : []);

test('SIGINT during `r1 eval --model` stops within a step, keeps finished samples and writes the summary of what finished', async (t) => {
  const ckpt = makeCheckpoint();
  const out = mkdtempSync(join(tmpdir(), 'r1-eval-int-'));
  const fromSource = import.meta.url.endsWith('.ts');
  const main = fileURLToPath(new URL(fromSource ? './main.ts' : './main.js', import.meta.url));
  // 4000 items × 2 samples × up to 200 tokens: far more work than the test waits for, so only the interrupt ends it.
  const args = ['eval', '--model', ckpt, '--bench', 'arithmetic', '-k', '2', '--limit', '4000', '--max-tokens', '200', '--out', out, '--no-progress'];
  const child = spawn(process.execPath, [...(fromSource ? ['--import', 'tsx'] : []), main, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '', stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const closed = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const guard = setTimeout(() => child.kill('SIGKILL'), 120_000);
  try {
    const samples = join(out, 'samples.jsonl');
    // Wait until a few samples are saved (polling the file the run appends to), then press Ctrl-C.
    while (lines(samples).length < 6) {
      assert.equal(child.exitCode, null, `eval ended before the interrupt: ${stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const before = lines(samples).length;
    const sentAt = performance.now();
    child.kill('SIGINT');
    const code = await closed;
    const ms = performance.now() - sentAt;
    t.diagnostic(`exited ${ms.toFixed(0)} ms after SIGINT with ${lines(samples).length} samples saved`);
    assert.equal(code, 130, stderr);
    assert.match(stderr, /interrupted; the summary of the \d+ finished items is in .*summary\.md/);
    // Far sooner than the run: a blocked event loop would have carried on for minutes.
    assert.ok(ms < 20_000, `stopped ${ms.toFixed(0)} ms after SIGINT`);
    const recs = lines(samples).map((l) => JSON.parse(l) as { itemId: string; sample: number });
    assert.ok(recs.length >= before, 'no saved sample was lost');
    assert.ok(recs.length < 8000);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { interrupted: { items: number; of: number }; benches: { bench: string; items: number }[]; totals: { samples: number } };
    const complete = new Set([...new Set(recs.map((r) => r.itemId))].filter((id) => recs.some((r) => r.itemId === id && r.sample === 0) && recs.some((r) => r.itemId === id && r.sample === 1)));
    assert.deepEqual(summary.interrupted, { items: complete.size, of: 4000 });
    assert.equal(summary.totals.samples, 2 * complete.size);
    assert.match(readFileSync(join(out, 'summary.md'), 'utf8'), /Interrupted: this summary covers the \d+ of 4000 items/);
    assert.match(stdout, /Interrupted: this summary covers/);
  } finally {
    clearTimeout(guard);
    if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(out, { recursive: true, force: true });
    rmSync(ckpt, { recursive: true, force: true });
  }
});
