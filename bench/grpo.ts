// bench/grpo.ts — `npm run bench:grpo`: one GRPO step (rollout + rewards + reference log-probs + update) on a fixed
// config — the engine benchmark's reference Llama (hidden 256, 4 layers, SwiGLU 1024, vocab 512), 8 prompts × G = 8,
// ≤ 64 new tokens, β = 0.04, μ = 1 — split into its parts; the same step in TRL's GRPOTrainer on CPU when Python with
// trl is importable (same model exported to Hugging Face format, same G, lengths, batch and β), in the same run; the
// plain training step on the same shapes (GRPO's training tokens/s against it); and RSS over many GRPO steps.
// Flags: --steps N (timed steps after one warm-up, default 3), --rss-steps N (default 0 = skip; 200 for the check),
// --skip-trl. Python is `PYTHON` (default python3), as everywhere in the project; it needs trl, torch, transformers.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createNativeBackend, packageRoot, userEnv } from '../src/backend/index.js';
import { printBenchHeader } from './header.js';
import { probePython } from '../src/util/probe.js';
import { formatSpread, median, spreadOf, tooWide } from '../src/util/stats.js';
import { stopTokenIds } from '../src/generate/index.js';
import { loadHfCheckpoint, preset } from '../src/model/index.js';
import { AdamW, packParameters } from '../src/nn/index.js';
import { createEngine } from '../src/tensor/index.js';
import { getTask } from '../src/tasks/registry.js';
import { initCheckpoint, MetricsStream, parseGrpoConfig, rowLogProbs, trainGrpo, surrogate, type StepMetrics, type TokenRow } from '../src/train/index.js';

const { values } = parseArgs({ options: { steps: { type: 'string' }, 'rss-steps': { type: 'string' }, 'skip-trl': { type: 'boolean' } } });
const timed = Number(values.steps ?? 3);
const rssSteps = Number(values['rss-steps'] ?? 0);

const backend = createNativeBackend();
printBenchHeader('r1ts GRPO bench');
const G = 8, PROMPTS = 8, MAX_NEW = 64, BETA = 0.04;
console.log(`config: reference Llama (d 256, 4 layers, SwiGLU 1024, vocab 512), ${PROMPTS} prompts × G = ${G}, ≤ ${MAX_NEW} new tokens, β = ${BETA}, μ = 1; medians of ${timed} steps after 1 warm-up\n`);

const dir = mkdtempSync(join(tmpdir(), 'r1-bench-grpo-'));
try {
  // A random reference-size model with a BPE tokenizer trained on the task's prompts; both systems stop a completion
  // at the same EOS ids (a random model samples one now and then) or at 64 tokens, and both print the mean lengths.
  const task = getTask('arithmetic', { difficulty: 'easy' });
  const items = await task.items({ split: 'train', n: 400, seed: 1 });
  const corpus = items.map((it) => task.prompt(it, 'boxed'));
  const { tokenizer } = initCheckpoint(join(dir, 'model'), { config: { ...preset('reference'), maxSeqLen: 512 }, tokenizer: { corpus, vocabSize: 512 }, seed: 1 });
  const run = async (steps: number, out: string): Promise<StepMetrics[]> => {
    const ms = new MetricsStream();
    const seen: StepMetrics[] = [];
    ms.subscribe((m) => seen.push(m));
    await trainGrpo({
      backend, metrics: ms,
      config: parseGrpoConfig({
        model: join(dir, 'model'), out: join(dir, out), steps, seed: 1, promptsPerStep: PROMPTS, groupSize: G, maxNewTokens: MAX_NEW, beta: BETA,
        promptStyle: 'chat', tasks: [{ name: 'arithmetic', difficulty: 'easy' }], rewards: [{ name: 'accuracy' }, { name: 'format', style: 'r1-chat' }],
        temperature: 1, microBatch: 64, checkpointEvery: 0, logSamples: 0, optim: { lr: 1e-6 },
      }),
    });
    return seen;
  };
  const load = (): string => `load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}`;
  console.log(`r1ts: ${load()}`);
  const m = (await run(1 + timed, 'run')).slice(1);
  const part = (k: string): number => median(m.map((x) => x[k] as number));
  const step = part('stepSeconds');
  console.log('r1ts GRPO step, seconds (median)');
  console.log(`  rollout (generate ${PROMPTS * G} × ${MAX_NEW})   ${part('rolloutSeconds').toFixed(3)}   (${part('rolloutTokensPerSec').toFixed(0)} tok/s)`);
  console.log(`  rewards                           ${part('rewardSeconds').toFixed(3)}`);
  console.log(`  reference log-probs               ${part('refSeconds').toFixed(3)}`);
  console.log(`  policy forward + backward + AdamW ${part('trainSeconds').toFixed(3)}   (${part('trainTokensPerSec').toFixed(0)} training tok/s)`);
  const spread = spreadOf(m.map((x) => x.stepSeconds as number));
  console.log(`  whole step                        ${step.toFixed(3)}   (${formatSpread(spread)})`);
  const tokensPerRow = (part('trainTokensPerSec') * part('trainSeconds')) / (PROMPTS * G);
  console.log(`  mean completion ${part('lengthMean').toFixed(1)} tokens, mean prompt ${(tokensPerRow - part('lengthMean')).toFixed(1)} tokens`);
  if (tooWide(spread)) console.log('  the steps vary too much to trust: rerun on a quiet machine');

  // The plain training step on the same shapes: one forward + backward + AdamW over the 64 rows of GRPO's mean prompt
  // and completion lengths, each row on its own (the engine's plain step), and the same rows as 8 groups of G that
  // share their prompt, computed once per group as GRPO's forwards do (its training tokens/s count every row's tokens).
  const engine = createEngine(backend);
  const model = loadHfCheckpoint(join(dir, 'model'), engine).model;
  const flat = packParameters(model);
  const opt = new AdamW(backend, flat, { lr: 1e-6 });
  const P = Math.round(tokensPerRow - part('lengthMean')), L = Math.round(part('lengthMean'));
  const rows: TokenRow[] = Array.from({ length: PROMPTS * G }, (_, i) => ({ prompt: Array.from({ length: P }, (_, t) => (Math.floor(i / G) * 7 + t) % 500), completion: Array.from({ length: L }, (_, t) => (3 * i + t) % 500) }));
  // One repetition of each kind per round, alternating, so that load from other processes falls on both alike.
  // CPU seconds of the process (all threads) beside the wall time: less moved by other processes on a busy machine.
  const cpuSeconds: Record<'plain' | 'grouped', number[]> = { plain: [], grouped: [] };
  const stepTps = (sharePrompts: boolean): number => {
    const t0 = performance.now(), c0 = process.cpuUsage();
    opt.zeroGrad();
    engine.scope(() => {
      const lp = rowLogProbs(model, rows, 1, { train: true, sharePrompts });
      surrogate(lp.lp, new Float32Array(lp.lp.size).fill(-1 / lp.lp.size), lp.aux).backward();
    });
    opt.step();
    const c = process.cpuUsage(c0);
    cpuSeconds[sharePrompts ? 'grouped' : 'plain'].push((c.user + c.system) / 1e6);
    return (rows.length * (P + L)) / ((performance.now() - t0) / 1000);
  };
  const plainRuns: number[] = [], groupedRuns: number[] = [];
  for (let r = 0; r < 2 + Math.max(5, timed); r++) {
    const a = stepTps(false), b = stepTps(true);
    if (r >= 2) plainRuns.push(a), groupedRuns.push(b);
  }
  const ratios = plainRuns.map((a, i) => groupedRuns[i]! / a);
  const cpuRatio = median(cpuSeconds.plain.slice(2)) / median(cpuSeconds.grouped.slice(2));
  const plain = median(plainRuns), grouped = median(groupedRuns), grpoTps = part('trainTokensPerSec');
  console.log(`\nplain training step on the same shapes (${rows.length} rows × ${P} + ${L} tokens): ${plain.toFixed(0)} tok/s; with each group's prompt computed once ${grouped.toFixed(0)} tok/s (${median(ratios).toFixed(2)}x, median of ${ratios.length} alternating pairs; ${formatSpread(spreadOf(ratios))}); CPU seconds ${median(cpuSeconds.plain.slice(2)).toFixed(2)} vs ${median(cpuSeconds.grouped.slice(2)).toFixed(2)} (${cpuRatio.toFixed(2)}x)`);
  console.log(`training tok/s inside GRPO ${grpoTps.toFixed(0)} = ${(grpoTps / plain).toFixed(2)}x the plain step (target >= 0.8x), ${(grpoTps / grouped).toFixed(2)}x the same forwards outside GRPO`);

  // TRL's GRPOTrainer on the same model and shapes.
  let trl: number | null = null;
  if (!values['skip-trl']) {
    const python = process.env.PYTHON ?? 'python3';
    const probe = await probePython(['trl', 'torch', 'transformers', 'datasets'], python);
    const missing = Object.entries(probe.modules).filter(([, v]) => !v.ok);
    if (missing.length > 0) console.log(`\nTRL: not measured (${python} cannot import ${missing.map(([k]) => k).join(', ')}; pip install trl, or set PYTHON to an interpreter that has it)`);
    else {
      const ver = (k: string): string => (probe.modules[k] as { version: string }).version;
      console.log(`\nTRL ${ver('trl')} (torch ${ver('torch')}, transformers ${ver('transformers')}, Python ${probe.version}), CPU, ${backend.info.threads} threads; ${load()}:`);
      writeFileSync(join(dir, 'prompts.json'), JSON.stringify(items.slice(0, 64).map((it) => task.prompt(it, 'boxed'))));
      const r = spawnSync(python, [join(packageRoot(), 'bench', 'grpo_trl.py'), join(dir, 'model'), join(dir, 'prompts.json'), String(G), String(PROMPTS), String(MAX_NEW), String(BETA), String(timed), String(backend.info.threads), stopTokenIds(tokenizer).join(',')], { encoding: 'utf8', env: userEnv(), maxBuffer: 1 << 26 });
      if (r.status !== 0) console.log(`  failed: ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' | ')}`);
      else {
        const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { steps: number[]; promptTokens: number; completionTokens: number | null; parts?: { generate: number; reference: number; train: number } };
        trl = median(out.steps);
        console.log(`  step times ${out.steps.map((s) => s.toFixed(2)).join(', ')} s (${formatSpread(spreadOf(out.steps))}); mean prompt ${out.promptTokens.toFixed(1)} tokens, mean completion ${out.completionTokens?.toFixed(1) ?? '?'} tokens`);
        if (out.parts) console.log(`  generate ${out.parts.generate.toFixed(3)}, reference log-probs ${out.parts.reference.toFixed(3)}, policy forward + backward + AdamW ${out.parts.train.toFixed(3)} (medians, s)`);
      }
    }
  }
  console.log(`\nGRPO step: r1ts ${step.toFixed(2)} s, TRL ${trl === null ? 'n/a' : `${trl.toFixed(2)} s`}, ratio ${trl === null ? 'n/a' : `${(trl / step).toFixed(2)}x`}`);

  if (rssSteps > 0) {
    const rss: number[] = []; // MiB after each step
    const ms = new MetricsStream();
    ms.subscribe(() => rss.push(process.memoryUsage().rss / 2 ** 20));
    await trainGrpo({
      backend, metrics: ms,
      config: parseGrpoConfig({
        model: join(dir, 'model'), out: join(dir, 'rss'), steps: rssSteps, seed: 2, promptsPerStep: PROMPTS, groupSize: G, maxNewTokens: MAX_NEW, beta: BETA,
        promptStyle: 'chat', tasks: [{ name: 'arithmetic', difficulty: 'easy' }], rewards: [{ name: 'accuracy' }], microBatch: 64, checkpointEvery: 0, logSamples: 0, optim: { lr: 1e-6 },
      }),
    });
    const warm = rss[9]!, peak = Math.max(...rss.slice(10));
    console.log(`\nRSS over ${rssSteps} GRPO steps: ${warm.toFixed(1)} MiB after 10 steps, peak after ${peak.toFixed(1)} MiB: ${(((peak - warm) / warm) * 100).toFixed(2)}% (target: flat within 5%)`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
