import test from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { preset } from '../../model/index.js';
import { parseGrpoConfig, type GrpoConfigInput } from '../config.js';
import { copyTask, copyTaskBase } from '../fixtures.js';
import { MetricsStream, withoutTiming, type StepMetrics } from '../metrics.js';
import { trainGrpo } from './trainer.js';

const CLI = fileURLToPath(new URL('../../cli/main.js', import.meta.url));
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

async function learns(name: 'tiny-dense' | 'tiny-moe-mla', steps: number): Promise<StepMetrics[]> {
  const dir = mkdtempSync(join(tmpdir(), `r1-grpo-${name}-`));
  try {
    const base = await copyTaskBase(dir, { steps: 80, config: { ...preset(name), maxSeqLen: 64 } });
    const ms = new MetricsStream();
    const seen: StepMetrics[] = [];
    ms.subscribe((m) => seen.push(m));
    const res = await trainGrpo({
      metrics: ms, customTasks: { copy: copyTask() },
      config: parseGrpoConfig({
        out: join(dir, 'grpo'), model: base, steps, seed: 1, promptsPerStep: 8, groupSize: 8, maxNewTokens: 16, promptStyle: 'chat',
        tasks: [{ name: 'copy' }], rewards: [{ name: 'accuracy' }, { name: 'format', weight: 0.5 }], beta: 0.04, optim: { lr: 1e-3 }, checkpointEvery: 0,
      }),
    });
    assert.equal(res.steps, steps);
    assert.ok(existsSync(join(res.modelDir, 'model.safetensors')) && existsSync(join(res.modelDir, 'tokenizer.json')));
    const lines = readFileSync(join(dir, 'grpo', 'metrics.jsonl'), 'utf8').trim().split('\n');
    assert.equal(lines.length, steps);
    for (const k of ['reward', 'rewardStd', 'accuracy', 'formatRate', 'kl', 'clipLow', 'clipHigh', 'entropy', 'lengthMean', 'lengthMax', 'zeroVarianceGroups', 'rolloutTokensPerSec', 'trainTokensPerSec', 'wallSeconds', 'lr', 'gradNorm']) {
      assert.equal(typeof JSON.parse(lines[0]!)[k], 'number', `metrics.jsonl field ${k}`);
    }
    assert.ok(readFileSync(join(dir, 'grpo', 'samples.jsonl'), 'utf8').trim().split('\n').length >= steps);
    return seen;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// The base answers the copy task's digit at random (it was fine-tuned on random answers) and mostly keeps the format;
// RL with accuracy + format rewards raises the mean reward within a fixed, seeded budget.
test('GRPO raises the mean reward on a toy task (dense Llama-style model)', async () => {
  const m = await learns('tiny-dense', 40);
  const first = mean(m.slice(0, 8).map((x) => x.reward!)), last = mean(m.slice(-8).map((x) => x.reward!));
  assert.ok(last > first + 0.05, `mean reward ${first.toFixed(3)} -> ${last.toFixed(3)}`);
});

test('GRPO raises the mean reward on a toy task (MoE + MLA model, expert balance reported)', async () => {
  const m = await learns('tiny-moe-mla', 40);
  const first = mean(m.slice(0, 8).map((x) => x.reward!)), last = mean(m.slice(-8).map((x) => x.reward!));
  assert.ok(last > first + 0.05, `mean reward ${first.toFixed(3)} -> ${last.toFixed(3)}`);
  assert.ok(m.every((x) => typeof x.expertLoadMaxOverMean === 'number' && x.expertLoadMaxOverMean >= 1));
});

interface CliRun { code: number | null; signal: NodeJS.Signals | null; stderr: string; stdout: string }
function runCli(args: string[]): { child: ReturnType<typeof spawn>; done: Promise<CliRun> } {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '', stdout = '';
  child.stderr!.on('data', (d) => (stderr += d));
  child.stdout!.on('data', (d) => (stdout += d));
  const done = new Promise<CliRun>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stderr, stdout })));
  return { child, done };
}

const metricsOf = (dir: string): Record<string, unknown>[] => readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => withoutTiming(JSON.parse(l)));

test('a run killed with SIGKILL mid-run and resumed reproduces the uninterrupted run exactly; SIGTERM checkpoints and stops', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'r1-grpo-kill-'));
  try {
    const base = await copyTaskBase(dir, { steps: 40, config: { ...preset('tiny-dense'), maxSeqLen: 512 } });
    const cfg: GrpoConfigInput = {
      model: base, out: '', steps: 24, seed: 3, promptsPerStep: 4, groupSize: 4, maxNewTokens: 12, promptStyle: 'chat', checkpointEvery: 3,
      tasks: [{ name: 'arithmetic', difficulty: 'digits=1,operands=2,operators=+' }, { name: 'countdown', difficulty: 'easy', weight: 0.5 }],
      rewards: [{ name: 'accuracy' }, { name: 'format', weight: 0.5 }, { name: 'tag-count', weight: 0.25 }], beta: 0.04, optim: { lr: 5e-4, warmupSteps: 2 },
    };
    const cfgFile = join(dir, 'grpo.yaml');
    writeFileSync(cfgFile, Object.entries(cfg).filter(([k]) => k !== 'out').map(([k, v]) => `${k}: ${JSON.stringify(v)}`).join('\n') + '\n');
    // A: uninterrupted.
    const a = runCli(['grpo', '--config', cfgFile, '--out', join(dir, 'A')]);
    const ra = await a.done;
    assert.equal(ra.code, 0, ra.stderr);
    // B: SIGKILL as soon as a checkpoint exists and the run has gone past it, then --resume.
    const b = runCli(['grpo', '--config', cfgFile, '--out', join(dir, 'B')]);
    const ck = join(dir, 'B', 'checkpoints');
    await new Promise<void>((resolve, reject) => {
      const poll = setInterval(() => {
        const lines = existsSync(join(dir, 'B', 'metrics.jsonl')) ? readFileSync(join(dir, 'B', 'metrics.jsonl'), 'utf8').trim().split('\n').length : 0;
        if (existsSync(ck) && readdirSync(ck).some((n) => n.startsWith('step-')) && lines % 3 !== 0) {
          clearInterval(poll);
          b.child.kill('SIGKILL');
          resolve();
        }
      }, 5);
      b.done.then(() => (clearInterval(poll), reject(new Error('run B finished before it could be killed'))), reject);
    });
    const rb = await b.done;
    assert.equal(rb.signal, 'SIGKILL');
    const killedAt = metricsOf(join(dir, 'B')).length;
    assert.ok(killedAt < 24);
    const resumed = runCli(['grpo', '--config', cfgFile, '--out', join(dir, 'B'), '--resume']);
    const rr = await resumed.done;
    assert.equal(rr.code, 0, rr.stderr);
    assert.match(rr.stderr, /resumed from .*step-0000000\d/);
    assert.deepEqual(metricsOf(join(dir, 'B')), metricsOf(join(dir, 'A')));
    // The final weights are identical too.
    assert.ok(readFileSync(join(dir, 'B', 'final', 'model.safetensors')).equals(readFileSync(join(dir, 'A', 'final', 'model.safetensors'))));

    // A fresh run into a used directory is refused; a damaged newest checkpoint falls back to the previous one.
    const again = await runCli(['grpo', '--config', cfgFile, '--out', join(dir, 'A')]).done;
    assert.equal(again.code, 1);
    assert.match(again.stderr, /already holds a run; pass --resume/);
    const steps = readdirSync(join(dir, 'A', 'checkpoints')).filter((n) => n.startsWith('step-')).sort();
    const newest = join(dir, 'A', 'checkpoints', steps.at(-1)!, 'model.safetensors');
    const bytes = readFileSync(newest);
    bytes[bytes.length - 5]! ^= 0xff;
    writeFileSync(newest, bytes);
    const fallback = await runCli(['grpo', '--config', cfgFile, '--out', join(dir, 'A'), '--resume', '--steps', '25']).done;
    assert.equal(fallback.code, 0, fallback.stderr);
    assert.match(fallback.stderr, new RegExp(`${steps.at(-1)} is damaged \\(model.safetensors does not match its checksum\\); trying the one before`));

    // SIGTERM: the step in flight finishes, a checkpoint is written, exit code 130.
    const c = runCli(['grpo', '--config', cfgFile, '--out', join(dir, 'C')]);
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if (existsSync(join(dir, 'C', 'metrics.jsonl'))) {
          clearInterval(poll);
          c.child.kill('SIGTERM');
          resolve();
        }
      }, 5);
    });
    const rc = await c.done;
    assert.equal(rc.code, 130, rc.stderr);
    assert.match(rc.stderr, /interrupted at step (\d+); checkpoint .*step-0000/);
    const done = Number(/interrupted at step (\d+)/.exec(rc.stderr)![1]);
    assert.equal(metricsOf(join(dir, 'C')).length, done);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('dynamic sampling refills flat groups; truncated samples are flagged and masked; μ = 2 over 2 minibatches', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'r1-grpo-dyn-'));
  try {
    const base = await copyTaskBase(dir, { steps: 40 });
    const ms = new MetricsStream();
    const seen: StepMetrics[] = [];
    ms.subscribe((m) => seen.push(m));
    await trainGrpo({
      metrics: ms, customTasks: { copy: copyTask() },
      config: parseGrpoConfig({
        out: join(dir, 'grpo'), model: base, steps: 4, seed: 2, promptsPerStep: 4, groupSize: 4, maxNewTokens: 7, promptStyle: 'chat',
        tasks: [{ name: 'copy' }], rewards: [{ name: 'accuracy' }], dynamicSampling: { enabled: true, maxRefills: 2 }, maskTruncated: true,
        mu: 2, minibatches: 2, beta: 0.04, optim: { lr: 1e-3 }, checkpointEvery: 0,
      }),
    });
    assert.equal(seen.length, 4);
    // Accuracy alone is flat (all 0) for most groups of a weak model: dynamic sampling draws more prompts.
    assert.ok(seen.some((m) => m.rolloutRounds! > 1), 'some step needed a refill');
    assert.ok(seen.every((m) => m.rolloutRounds! <= 3 && m.groups! <= 4 && m.groups! >= 1));
    assert.ok(seen.every((m) => m.zeroVarianceGroups! > 0 && m.zeroVarianceGroups! <= 1));
    // 7 tokens is too few for "say </think> <answer> N </answer>" + EOS: samples are cut and flagged.
    assert.ok(seen.some((m) => m.truncatedRate! > 0));
    assert.ok(seen.every((m) => Number.isFinite(m.loss!) && Number.isFinite(m.gradNorm!)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('one update per rollout is on-policy (ratio 1, nothing clips); with μ = 1 over 2 minibatches the second is off-policy and clips (token and GSPO sequence ratios)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'r1-grpo-offpolicy-'));
  try {
    const base = await copyTaskBase(dir, { steps: 80 });
    const clipped = async (minibatches: number, importanceSampling: 'token' | 'sequence' = 'token'): Promise<number[]> => {
      const ms = new MetricsStream();
      const seen: StepMetrics[] = [];
      ms.subscribe((m) => seen.push(m));
      await trainGrpo({
        metrics: ms, customTasks: { copy: copyTask() },
        config: parseGrpoConfig({
          out: join(dir, `grpo-${minibatches}-${importanceSampling}`), model: base, importanceSampling, steps: 1, seed: 4, promptsPerStep: 8, groupSize: 4, maxNewTokens: 16, promptStyle: 'chat',
          tasks: [{ name: 'copy' }], rewards: [{ name: 'accuracy' }, { name: 'format', weight: 0.5 }], mu: 1, minibatches,
          // A tight clip range and a large step: after the first minibatch's update every ratio of the second moves
          // well past 1 ± 0.001 (the sampler and the training forward agree within 1e-4).
          epsLow: 1e-3, epsHigh: 1e-3, beta: 0, optim: { lr: 1e-2 }, checkpointEvery: 0,
        }),
      });
      return seen.map((m) => m.clipLow! + m.clipHigh!);
    };
    assert.deepEqual(await clipped(1), [0]);
    const off = await clipped(2);
    assert.ok(off.some((c) => c > 0), `clipped fractions ${off.join(', ')}`);
    assert.deepEqual(await clipped(1, 'sequence'), [0]);
    const offSeq = await clipped(2, 'sequence');
    assert.ok(offSeq.some((c) => c > 0), `GSPO clipped fractions ${offSeq.join(', ')}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('GRPO stops as diverged when an update breaks the weights: no final/, the checkpoints from before kept', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'r1-grpo-div-'));
  try {
    const base = await copyTaskBase(dir, { steps: 40 });
    const seen: number[] = [];
    const ms = new MetricsStream();
    ms.subscribe((m) => seen.push(m.step));
    // An absurd learning rate: the first update with a signal sends the weights to Infinity/NaN.
    await assert.rejects(
      trainGrpo({
        metrics: ms, customTasks: { copy: copyTask() },
        config: parseGrpoConfig({
          out: join(dir, 'g'), model: base, steps: 8, seed: 1, promptsPerStep: 4, groupSize: 4, maxNewTokens: 12, promptStyle: 'chat',
          tasks: [{ name: 'copy' }], rewards: [{ name: 'accuracy' }, { name: 'format', weight: 0.5 }], beta: 0.04, optim: { lr: 1e10 }, checkpointEvery: 1,
        }),
      }),
      (e: Error) => e.name === 'DivergedError' && /^training diverged: step (\d+)(: the policy produced NaN logits when sampling|-\d+ had a non-finite loss or gradient)/.test(e.message) && /Lower the learning rate/.test(e.message),
    );
    assert.ok(seen.length < 8, `stopped after step ${seen.length}`);
    assert.ok(!existsSync(join(dir, 'g', 'final')));
    // Only steps whose loss and updates were finite were checkpointed.
    const metrics = readFileSync(join(dir, 'g', 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { step: number; loss: number | null; skippedUpdates: number });
    const good = new Set(metrics.filter((m) => m.loss !== null && m.skippedUpdates === 0).map((m) => m.step));
    for (const c of readdirSync(join(dir, 'g', 'checkpoints'))) assert.ok(good.has(Number(c.slice(5))), c);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('r1 grpo --dry-run prints the resolved config (file + flags); bad flags exit 2 naming the problem', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'r1-grpo-cli-'));
  try {
    writeFileSync(join(dir, 'c.json'), JSON.stringify({ model: 'm', tasks: [{ name: 'countdown' }], rewards: [{ name: 'accuracy' }], groupSize: 4 }));
    const ok = await runCli(['grpo', '--config', join(dir, 'c.json'), '--out', join(dir, 'o'), '--steps', '5', '--group-size', '16', '--reward', 'format:0.5', '--allow-test-split', '--dry-run']).done;
    assert.equal(ok.code, 0, ok.stderr);
    const resolved = JSON.parse(ok.stdout);
    assert.equal(resolved.groupSize, 16);
    assert.equal(resolved.steps, 5);
    assert.deepEqual(resolved.rewards, [{ name: 'format', weight: 0.5, style: 'r1-zero' }]);
    assert.deepEqual(resolved.tasks, [{ name: 'countdown', weight: 1 }]);
    assert.equal(resolved.beta, 0.04);
    assert.equal(resolved.allowTestSplit, true);
    assert.ok(!existsSync(join(dir, 'o')), 'a dry run writes nothing');
    const bad = await runCli(['grpo', '--config', join(dir, 'c.json'), '--out', join(dir, 'o'), '--steps', '5', '--group-size', '1']).done;
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /c\.json: invalid config\n {2}- groupSize: groupSize \(G\) must be at least 2/);
    writeFileSync(join(dir, 'bad.yaml'), 'steps: [1\n');
    const yaml = await runCli(['grpo', '--config', join(dir, 'bad.yaml')]).done;
    assert.equal(yaml.code, 2);
    assert.match(yaml.stderr, /bad\.yaml: not valid YAML/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bad GRPO configs give one clear error per mistake', () => {
  const ok = { model: 'm', out: 'o', steps: 1, tasks: [{ name: 'arithmetic' }], rewards: [{ name: 'accuracy' }] };
  assert.doesNotThrow(() => parseGrpoConfig(ok));
  const bad = (over: Record<string, unknown>, re: RegExp): void => assert.throws(() => parseGrpoConfig({ ...ok, ...over }, 'grpo.yaml'), (e: Error) => re.test(e.message) && /^grpo\.yaml: invalid config/.test(e.message));
  bad({ groupSize: 1 }, /groupSize: groupSize \(G\) must be at least 2/);
  bad({ promptsPerStep: 6, minibatches: 4 }, /minibatches: promptsPerStep \(6\) must be divisible by minibatches \(4\)/);
  bad({ epsLow: 1 }, /epsLow/);
  bad({ beta: -1 }, /beta/);
  bad({ rewards: [{ name: 'accuracy' }, { name: 'accuracy' }] }, /reward "accuracy" is listed twice/);
  bad({ rewards: [{ name: 'helpfulness' }] }, /rewards\.0\.name/);
  bad({ aggregation: 'mean' }, /aggregation/);
  bad({ importanceSampling: 'seq' }, /importanceSampling/);
  bad({ lr: 1 }, /unknown setting "lr"/);
  bad({ tasks: [] }, /tasks: give at least one task/);
  bad({ allowTestSplit: 'yes' }, /allowTestSplit/);
  assert.equal(parseGrpoConfig(ok).allowTestSplit, false);
  const many = (() => {
    try {
      parseGrpoConfig({ ...ok, groupSize: 1, beta: -1 });
      return '';
    } catch (e) {
      return (e as Error).message;
    }
  })();
  assert.equal(many.split('\n').filter((l) => l.startsWith('  - ')).length, 2);
});

test('trainGrpo validates its options and config before loading anything: no options, wrong or missing settings', async () => {
  await assert.rejects(trainGrpo(undefined as never), (e: unknown) => e instanceof TypeError && e.message === 'trainGrpo: options are required ({ config, ... })');
  // A config written by hand (not through parseGrpoConfig): checked as a config file would be.
  const config = { model: 'no-such-model', steps: 1, tasks: [{ name: 'arithmetic' }], rewards: [{ name: 'accuracy' }], beta: -1, groupSize: '8' };
  await assert.rejects(trainGrpo({ config: config as never }), (e: unknown) => {
    const msg = (e as Error).message;
    return msg.startsWith('trainGrpo: config: invalid config') && /- out: /.test(msg) && /- groupSize: /.test(msg) && /- beta: /.test(msg) && !msg.includes('no-such-model');
  });
});
