// src/cli/train.test.ts — `r1 sft` and `r1 grpo` as a user runs them (the built CLI, spawned): resuming a run that
// has no intact checkpoint, sizes beyond the data or the machine, a closed output pipe, Ctrl-C during a step, and a
// run that diverges.

import test from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { preset } from '../model/index.js';
import { copyTaskBase } from '../train/fixtures.js';
import { initCheckpoint } from '../train/init.js';
import { r1 as r1Spawn } from './r1.case.test.js';

const fromSource = import.meta.url.endsWith('.ts');
const main = fileURLToPath(new URL(fromSource ? './main.ts' : './main.js', import.meta.url));

interface Run { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

/** `r1 args` as a child process; `closeOutput` closes its stdout and stderr pipes before it writes anything. */
function r1(args: string[], opts: { closeOutput?: boolean } = {}): { child: ReturnType<typeof spawn>; done: Promise<Run>; stderr: () => string } {
  const child = spawn(process.execPath, [...(fromSource ? ['--import', 'tsx'] : []), main, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '', stderr = '';
  if (opts.closeOutput) {
    child.stdout!.destroy();
    child.stderr!.destroy();
  } else {
    child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  }
  const guard = setTimeout(() => child.kill('SIGKILL'), 150_000);
  const done = new Promise<Run>((resolve) => child.on('close', (code, signal) => (clearTimeout(guard), resolve({ code, signal, stdout, stderr }))));
  return { child, done, stderr: () => stderr };
}

const metricSteps = (run: string): number[] =>
  existsSync(join(run, 'metrics.jsonl')) ? readFileSync(join(run, 'metrics.jsonl'), 'utf8').trim().split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { step: number }).step) : [];
const checkpoints = (run: string): string[] => (existsSync(join(run, 'checkpoints')) ? readdirSync(join(run, 'checkpoints')).filter((n) => n.startsWith('step-')).sort() : []);

/** A tiny model and 200 prompt/completion lines for `r1 sft`. */
function sftFixture(): { dir: string; model: string; data: string } {
  const dir = mkdtempSync(join(tmpdir(), 'r1-cli-train-'));
  const lines = Array.from({ length: 200 }, (_, i) => ({ prompt: `What is ${i % 10} plus ${(i * 3) % 10}?`, completion: `add them</think> The sum is ${(i % 10) + ((i * 3) % 10)}.` }));
  writeFileSync(join(dir, 'data.jsonl'), lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
  initCheckpoint(join(dir, 'init'), { config: { ...preset('tiny-dense'), maxSeqLen: 64 }, tokenizer: { corpus: lines.map((l) => l.prompt + ' ' + l.completion), vocabSize: 300 }, seed: 1 });
  return { dir, model: join(dir, 'init'), data: join(dir, 'data.jsonl') };
}

async function until(what: string, cond: () => boolean, run: { child: ReturnType<typeof spawn>; stderr: () => string }): Promise<void> {
  while (!cond()) {
    assert.equal(run.child.exitCode, null, `the run ended before ${what}: ${run.stderr()}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

test('r1 sft --resume: a run stopped before its first checkpoint starts over cleanly; one whose checkpoints are all damaged is refused', async () => {
  const { dir, model, data } = sftFixture();
  try {
    const out = join(dir, 'run');
    const sft = ['sft', '--model', model, '--data', data, '--out', out, '--batch-size', '4'];
    // Stopped before its first checkpoint: metrics.jsonl holds steps 1-6, checkpoints/ nothing.
    assert.equal((await r1([...sft, '--steps', '6', '--checkpoint-every', '100']).done).code, 0);
    rmSync(join(out, 'checkpoints'), { recursive: true });
    rmSync(join(out, 'final'), { recursive: true });
    const again = await r1([...sft, '--steps', '3', '--checkpoint-every', '100', '--resume']).done;
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /no checkpoint in .*run \(the run stopped before its first one\): starting over from step 0 \(metrics\.jsonl starts again\)/);
    assert.deepEqual(metricSteps(out), [1, 2, 3]);

    // Every checkpoint damaged: refused, naming them; nothing in the run is changed.
    const out2 = join(dir, 'run2');
    assert.equal((await r1([...sft, '--out', out2, '--steps', '6', '--checkpoint-every', '2']).done).code, 0);
    assert.deepEqual(checkpoints(out2), ['step-00000004', 'step-00000006']);
    for (const c of checkpoints(out2)) truncateSync(join(out2, 'checkpoints', c, 'model.safetensors'), 100);
    const refused = await r1([...sft, '--out', out2, '--steps', '8', '--checkpoint-every', '2', '--resume']).done;
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /no intact checkpoint to resume from \(2 damaged: step-00000006: model\.safetensors has 100 bytes, the manifest says \d+; step-00000004: .*\); use a new --out, or remove .*run2 to start over/);
    assert.doesNotMatch(refused.stderr, /no checkpoint in/);
    assert.deepEqual(metricSteps(out2), [1, 2, 3, 4, 5, 6]);
    assert.deepEqual(checkpoints(out2), ['step-00000004', 'step-00000006']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('sizes beyond the data or the machine are refused before anything is allocated', async () => {
  const { dir, model, data } = sftFixture();
  try {
    const big = await r1(['sft', '--model', model, '--data', data, '--out', join(dir, 'big'), '--steps', '2', '--batch-size', '100000']).done;
    assert.equal(big.code, 1);
    assert.match(big.stderr, /r1 sft: a step of batchSize × gradAccum = 100000 × 1 = 100000 examples is more than the 190 training examples \(at most 256 per step\): lower --batch-size or --grad-accum/);
    const accum = await r1(['sft', '--model', model, '--data', data, '--out', join(dir, 'accum'), '--steps', '2', '--batch-size', '8', '--grad-accum', '1000000000']).done;
    assert.equal(accum.code, 1);
    assert.match(accum.stderr, /8 × 1000000000 = 8000000000 examples/);
    const grpo = await r1(['grpo', '--model', model, '--out', join(dir, 'g'), '--steps', '2', '--task', 'arithmetic', '--reward', 'accuracy', '--prompts-per-step', '100000000', '--group-size', '16', '--max-new-tokens', '32']).done;
    assert.equal(grpo.code, 1);
    assert.match(grpo.stderr, /r1 grpo: a step's rollout of promptsPerStep × groupSize = 1600000000 completions of up to 33 tokens needs about [\d.]+ GiB, more than this machine's [\d.]+ GiB: lower --prompts-per-step or --group-size/);
    // A small data set may still be repeated within a step (up to 256 examples).
    const small = await r1(['sft', '--model', model, '--data', data, '--out', join(dir, 'ok'), '--steps', '1', '--batch-size', '250']).done;
    assert.equal(small.code, 0, small.stderr);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a closed output pipe does not end a run: it finishes, writes final/ and every step', async () => {
  const { dir, model, data } = sftFixture();
  try {
    const out = join(dir, 'run');
    const r = await r1(['sft', '--model', model, '--data', data, '--out', out, '--steps', '40', '--batch-size', '4', '--checkpoint-every', '10'], { closeOutput: true }).done;
    assert.equal(r.code, 0);
    assert.deepEqual(metricSteps(out), Array.from({ length: 40 }, (_, i) => i + 1));
    assert.ok(existsSync(join(out, 'final', 'model.safetensors')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('r1 sft --lr 1e10 stops as diverged: exit 1, a clear message, no final/, no checkpoint of the diverged weights', async () => {
  const { dir, model, data } = sftFixture();
  try {
    const out = join(dir, 'run');
    const r = await r1(['sft', '--model', model, '--data', data, '--out', out, '--steps', '20', '--batch-size', '4', '--lr', '1e10', '--checkpoint-every', '2']).done;
    assert.equal(r.code, 1, r.stderr);
    // Step 1's update (a finite gradient, an enormous step) breaks the weights; steps 2-4 have a NaN loss.
    assert.match(r.stderr, /r1 sft: training diverged: steps 2-4 had a non-finite loss or gradient \(loss NaN, 3 updates skipped for a non-finite gradient\); stopped at step 4 without writing .*final\. No checkpoint was written before it\. Lower the learning rate/);
    assert.deepEqual(metricSteps(out), [1, 2, 3, 4]);
    assert.ok(!existsSync(join(out, 'final')));
    assert.deepEqual(checkpoints(out), []);
    assert.doesNotMatch(r.stdout, /steps done/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('r1 grpo Ctrl-C: the first stops at the end of the step in flight with a checkpoint; a second ends the process at once', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'r1-cli-grpo-int-'));
  try {
    mkdirSync(dir, { recursive: true });
    const base = await copyTaskBase(dir, { steps: 40, config: { ...preset('tiny-dense'), maxSeqLen: 512 } });
    // 1024 completions of up to 200 tokens a step: a step is long enough to be interrupted in the middle.
    const grpo = (out: string, steps: number, extra: string[] = []): string[] => [
      'grpo', '--model', base, '--out', out, '--steps', String(steps), '--task', 'arithmetic:digits=1,operands=2,operators=+', '--reward', 'accuracy',
      '--prompts-per-step', '64', '--group-size', '16', '--max-new-tokens', '200', '--prompt-style', 'chat', '--checkpoint-every', '100', ...extra,
    ];
    // A run of one step, then resumed: "resumed from" is printed just before the process's first step begins, the
    // first turn of its event loop (which does not deliver a signal that came before it).
    const out = join(dir, 'a');
    assert.equal((await r1(grpo(out, 1)).done).code, 0);
    const a = r1(grpo(out, 5, ['--resume']));
    await until('it resumed', () => /resumed from/.test(a.stderr()), a);
    a.child.kill('SIGINT');
    const ra = await a.done;
    assert.equal(ra.code, 130, ra.stderr);
    assert.match(ra.stderr, /stopping at the end of the step in flight to write a checkpoint; press Ctrl-C again to stop now without one \(the newest checkpoint, .*step-00000001 \(step 1\), is intact and --resume continues from it\)/);
    const at = Number(/interrupted at step (\d+); checkpoint .*step-0000000\d \(continue with --resume\)/.exec(ra.stderr)?.[1]);
    // Step 2 was in flight, or about to start (then the run stops before it): never a step later.
    assert.ok(at === 1 || at === 2, `stopped at step ${at}`);
    assert.deepEqual(metricSteps(out), Array.from({ length: at }, (_, i) => i + 1));
    assert.ok(checkpoints(out).includes(`step-0000000${at}`));

    // A second Ctrl-C: the process ends within a second, in the middle of the step, without a checkpoint.
    const out2 = join(dir, 'b');
    const b = r1(grpo(out2, 5));
    await until('the first step', () => metricSteps(out2).length >= 1, b);
    b.child.kill('SIGINT');
    await until('it acknowledged Ctrl-C', () => /press Ctrl-C again to stop now without one \(there is no checkpoint yet, so --resume would start over\)/.test(b.stderr()), b);
    const sentAt = performance.now();
    b.child.kill('SIGINT');
    const rb = await b.done;
    const ms = performance.now() - sentAt;
    assert.equal(rb.signal, 'SIGINT', rb.stderr);
    // Ended by the signal itself (not at the end of the step, seconds later); the bound leaves room for a loaded machine.
    assert.ok(ms < 2500, `ended ${ms.toFixed(0)} ms after the second Ctrl-C`);
    assert.deepEqual(metricSteps(out2), [1], 'step 2 did not finish');
    assert.deepEqual(checkpoints(out2), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('r1 sft / r1 grpo flag errors: one line naming each flag as typed', () => {
  const notNumber = r1Spawn(['sft', '--steps', 'abc', '--model', 'x']);
  assert.equal(notNumber.code, 2);
  assert.equal(notNumber.stderr.trim(), 'r1 sft: --steps: must be a number, got "abc"');
  const missing = r1Spawn(['sft', '--model', 'x', '--data', 'y']);
  assert.equal(missing.stderr.trim(), 'r1 sft: --out: is required; --steps: is required');
  const grpo = r1Spawn(['grpo', '--model', 'x', '--out', 'o', '--steps', '1', '--group-size', '1', '--task', 'arithmetic', '--reward', 'accuracy']);
  assert.equal(grpo.code, 2);
  assert.match(grpo.stderr, /^r1 grpo: --group-size: groupSize \(G\) must be at least 2[^\n]*\n$/);
});
