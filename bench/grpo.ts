// bench/grpo.ts — `npm run bench:grpo`: one GRPO step (rollout + rewards + reference log-probs + update) on a fixed
// config — the engine benchmark's reference Llama (hidden 256, 4 layers, SwiGLU 1024, vocab 512), 8 prompts × G = 8,
// ≤ 64 new tokens, β = 0.04, μ = 1 — split into its parts; the same step in TRL's GRPOTrainer on CPU when Python with
// trl is importable (same model exported to Hugging Face format, same G, lengths, batch and β), in the same run; the
// plain training step on the same shapes (GRPO's training tokens/s against it); and RSS over many GRPO steps.
// Flags: --steps N (timed steps after one warm-up, default 3), --rss-steps N (default 0 = skip; 200 for the check),
// --skip-trl.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createNativeBackend, packageRoot, userEnv } from '../src/backend/index.js';
import { printBenchHeader } from './header.js';
import { formatSpread, median, spreadOf, tooWide } from '../src/util/stats.js';
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
  // A random reference-size model with a BPE tokenizer trained on the task's prompts: it never emits EOS, so every
  // completion runs the full 64 tokens — the same fixed work in both systems.
  const task = getTask('arithmetic', { difficulty: 'easy' });
  const items = await task.items({ split: 'train', n: 400, seed: 1 });
  const corpus = items.map((it) => task.prompt(it, 'boxed'));
  initCheckpoint(join(dir, 'model'), { config: { ...preset('reference'), maxSeqLen: 512 }, tokenizer: { corpus, vocabSize: 512 }, seed: 1 });
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
  if (tooWide(spread)) console.log('  the steps vary too much to trust: rerun on a quiet machine');

  // The plain training step on the same shapes: one forward + backward + AdamW over 64 rows of the same length.
  const engine = createEngine(backend);
  const model = loadHfCheckpoint(join(dir, 'model'), engine).model;
  const flat = packParameters(model);
  const opt = new AdamW(backend, flat, { lr: 1e-6 });
  const P = Math.round(median(items.slice(0, 8).map((it) => corpus[items.indexOf(it)]!.length)) / 3);
  const rows: TokenRow[] = Array.from({ length: PROMPTS * G }, (_, i) => ({ prompt: Array.from({ length: P }, (_, t) => (i + t) % 500), completion: Array.from({ length: MAX_NEW }, (_, t) => (3 * i + t) % 500) }));
  const plain: number[] = [];
  for (let r = 0; r < 1 + timed; r++) {
    const t0 = performance.now();
    opt.zeroGrad();
    engine.scope(() => {
      const lp = rowLogProbs(model, rows, 1, { train: true });
      surrogate(lp.lp, new Float32Array(lp.lp.size).fill(-1 / lp.lp.size), lp.aux).backward();
    });
    opt.step();
    if (r > 0) plain.push((rows.length * (P + MAX_NEW)) / ((performance.now() - t0) / 1000));
  }
  const plainTps = median(plain);
  console.log(`\nplain training step on the same shapes (${rows.length} rows × ~${P + MAX_NEW} tokens): ${plainTps.toFixed(0)} tok/s; inside GRPO ${part('trainTokensPerSec').toFixed(0)} tok/s = ${(part('trainTokensPerSec') / plainTps).toFixed(2)}x (target >= 0.8x)`);

  // TRL's GRPOTrainer on the same model and shapes.
  let trl: number | null = null;
  if (!values['skip-trl']) {
    const probe = spawnSync('python3', ['-c', 'import trl, torch, transformers; print(trl.__version__, torch.__version__, transformers.__version__)'], { encoding: 'utf8', env: userEnv() });
    if (probe.status !== 0) console.log('\nTRL: not measured (python3 with trl, torch and transformers is not importable; pip install trl)');
    else {
      console.log(`\nTRL ${probe.stdout.trim().split(' ')[0]} (torch ${probe.stdout.trim().split(' ')[1]}, transformers ${probe.stdout.trim().split(' ')[2]}), CPU, ${backend.info.threads} threads:`);
      writeFileSync(join(dir, 'prompts.json'), JSON.stringify(items.slice(0, 64).map((it) => task.prompt(it, 'boxed'))));
      const r = spawnSync('python3', [join(packageRoot(), 'bench', 'grpo_trl.py'), join(dir, 'model'), join(dir, 'prompts.json'), String(G), String(PROMPTS), String(MAX_NEW), String(BETA), String(timed), String(backend.info.threads)], { encoding: 'utf8', env: userEnv(), maxBuffer: 1 << 26 });
      if (r.status !== 0) console.log(`  failed: ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' | ')}`);
      else {
        const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { steps: number[] };
        trl = median(out.steps);
        console.log(`  step times ${out.steps.map((s) => s.toFixed(2)).join(', ')} s`);
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
