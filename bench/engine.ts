// bench/engine.ts — `npm run bench`: the engine's speed against baselines measured in the same run.
//  (a) matmul GFLOP/s at 64..2048: engine matmul (Tensor API, native backend) vs a direct cblas_sgemm call;
//  (b) tokens/s of one training step (forward + backward + AdamW) of the reference GPT (d_model 256, 4 layers,
//      4 heads, MLP 1024 GELU, seq 128, batch 16, vocab 512) vs PyTorch eager (same model, same thread count,
//      OMP_WAIT_POLICY=PASSIVE), interleaved repetitions, medians;
//  (c) RSS over many training steps (flat within 5% is the target).
// Flags: --reps N (default 3), --steps N per timing (default 5), --rss-steps N (default 100; 1000 for the full
// check), --skip-matmul, --skip-torch, --threads N (PyTorch threads; default = the engine's pool threads).

import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { join } from 'node:path';
import { z } from 'zod';
import { createNativeBackend, loadNativeAddon, packageRoot, userEnv } from '../src/backend/index.js';
import { Engine, matmul } from '../src/tensor/index.js';
import { AdamW, packParameters, TinyGpt } from '../src/nn/index.js';
import { Rng } from '../src/util/rng.js';
import { printBenchHeader } from './header.js';
import { formatSpread, median, spreadOf, tooWide } from '../src/util/stats.js';

const Flags = z.object({
  reps: z.coerce.number().int().positive().default(3),
  steps: z.coerce.number().int().positive().default(5),
  'rss-steps': z.coerce.number().int().min(20).default(100),
  'skip-matmul': z.boolean().default(false),
  'skip-torch': z.boolean().default(false),
  threads: z.coerce.number().int().positive().optional(),
});

const { values } = parseArgs({
  options: {
    reps: { type: 'string' },
    steps: { type: 'string' },
    'rss-steps': { type: 'string' },
    'skip-matmul': { type: 'boolean' },
    'skip-torch': { type: 'boolean' },
    threads: { type: 'string' },
  },
});
const parsed = Flags.safeParse(values);
if (!parsed.success) {
  console.error(`bench: ${parsed.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`).join('; ')}`);
  process.exit(2);
}
const flags = parsed.data;

const now = (): number => Number(process.hrtime.bigint()) / 1e9;

const backend = createNativeBackend();
const addon = loadNativeAddon();
const engine = new Engine(backend);
printBenchHeader(`r1ts engine bench — medians of ${flags.reps} interleaved repetitions`);

// (a) matmul -----------------------------------------------------------------------------------------------------
if (!flags['skip-matmul']) {
  console.log('(a) matmul, square n×n @ n×n, GFLOP/s');
  console.log('     n   engine   cblas   ratio (median of adjacent-pair ratios; spread of the engine times, of the ratios)');
  const rng = new Rng(7);
  let noisy = false;
  for (const n of [64, 128, 256, 512, 1024, 2048]) {
    const flops = 2 * n * n * n;
    const iters = Math.max(1, Math.round(4e8 / flops)); // ~2 ms per timing: fine interleaving tracks load drift
    const a = engine.randn([n, n], rng);
    const b = engine.randn([n, n], rng);
    // The baseline writes to a buffer from the same aligned allocator, so the ratio measures engine overhead only.
    const c = backend.allocate ? backend.allocate(n * n) : new Float32Array(n * n);
    const timeEngine = (): number => {
      const t0 = now();
      for (let i = 0; i < iters; i++) engine.noGrad(() => matmul(a, b)).dispose();
      return (now() - t0) / iters;
    };
    const direct = backend.info.blas === 'openblas';
    const timeDirect = (): number => {
      if (!direct) return NaN;
      const t0 = now();
      for (let i = 0; i < iters; i++) addon.cblasSgemmDirect(n, n, n, a.data, b.data, c);
      return (now() - t0) / iters;
    };
    timeEngine();
    timeDirect();
    // Adjacent engine/direct pairs see the same machine load; the ratio is the median of the pair ratios.
    const te: number[] = [];
    const td: number[] = [];
    const ratios: number[] = [];
    const pairs = Math.max(flags.reps, n >= 1024 ? 15 : 61);
    for (let r = 0; r < pairs; r++) {
      const x = timeEngine();
      const y = timeDirect();
      te.push(x);
      td.push(y);
      ratios.push(y / x);
    }
    const ge = flops / median(te) / 1e9;
    const gd = direct ? flops / median(td) / 1e9 : NaN;
    const ratio = direct ? median(ratios).toFixed(3) : 'n/a';
    const noise = `${formatSpread(spreadOf(te))}${direct ? `; ratios ${formatSpread(spreadOf(ratios))}` : ''}`;
    noisy ||= tooWide(spreadOf(te)) || (direct && tooWide(spreadOf(ratios)));
    console.log(`${String(n).padStart(6)} ${ge.toFixed(1).padStart(8)} ${(direct ? gd.toFixed(1) : 'n/a').padStart(7)} ${ratio.padStart(7)}   ${noise}`);
    a.dispose();
    b.dispose();
  }
  if (backend.info.blas !== 'openblas') console.log('  (built without OpenBLAS: no direct cblas baseline)');
  if (noisy) console.log('  some sizes varied too much to trust (the machine was busy): rerun when it is quiet');
  console.log('');
}

// (b) training step ------------------------------------------------------------------------------------------------
const cfg = { vocabSize: 512, blockSize: 128, nLayer: 4, nHead: 4, nEmbd: 256, mlpHidden: 1024 };
const B = 16;
const T = 128;
const model = new TinyGpt(engine, new Rng(0), cfg);
const flat = packParameters(model);
const opt = new AdamW(backend, flat, { lr: 3e-4, beta1: 0.9, beta2: 0.95, weightDecay: 0.1 });
const dataRng = new Rng(1);
const ids = Int32Array.from({ length: B * T }, () => dataRng.int(0, cfg.vocabSize - 1));
const targets = Int32Array.from({ length: B * T }, () => dataRng.int(0, cfg.vocabSize - 1));
const trainStep = (): number => {
  const loss = engine.scope(() => {
    opt.zeroGrad();
    const l = model.loss(ids, targets, B, T);
    l.backward();
    return l.item();
  });
  opt.step();
  return loss;
};
const timeEngineSteps = (steps: number): number => {
  const times: number[] = [];
  for (let s = 0; s < steps; s++) {
    const t0 = now();
    trainStep();
    times.push(now() - t0);
  }
  return median(times);
};

const torchThreads = flags.threads ?? backend.info.threads;
const torchScript = join(packageRoot(), 'bench', 'engine_torch.py');
const python = process.env.PYTHON ?? 'python3';
const torchAvailable = !flags['skip-torch'] && spawnSync(python, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
const timeTorch = (): { step_s: number; torch: string } | null => {
  const r = spawnSync(python, [torchScript, '--steps', String(flags.steps), '--threads', String(torchThreads)], {
    env: { ...userEnv(), OMP_WAIT_POLICY: 'PASSIVE' },
    encoding: 'utf8',
  });
  if (r.status !== 0) {
    console.log(`  PyTorch run failed: ${(r.stderr ?? '').trim().split('\n').pop()}`);
    return null;
  }
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as { step_s: number; torch: string };
};

console.log(`(b) training step: GPT d_model ${cfg.nEmbd}, ${cfg.nLayer} layers, ${cfg.nHead} heads, MLP ${cfg.mlpHidden}, seq ${T}, batch ${B}, vocab ${cfg.vocabSize} (${(model.numParameters() / 1e6).toFixed(2)}M params)`);
trainStep();
trainStep();
const engineTimes: number[] = [];
const torchTimes: number[] = [];
const stepRatios: number[] = [];
let torchVersion = '';
for (let r = 0; r < flags.reps; r++) {
  engineTimes.push(timeEngineSteps(flags.steps));
  if (torchAvailable) {
    const t = timeTorch();
    if (t) {
      torchTimes.push(t.step_s);
      torchVersion = t.torch;
      stepRatios.push(t.step_s / engineTimes[engineTimes.length - 1]!);
    }
  }
}
const engineTps = (B * T) / median(engineTimes);
console.log(`  r1ts engine:   ${engineTps.toFixed(0).padStart(6)} tokens/s  (step ${(median(engineTimes) * 1000).toFixed(0)} ms; reps ${engineTimes.map((t) => (t * 1000).toFixed(0)).join(', ')} ms; ${formatSpread(spreadOf(engineTimes))})`);
if (torchTimes.length > 0) {
  const torchTps = (B * T) / median(torchTimes);
  console.log(`  PyTorch ${torchVersion} eager (${torchThreads} threads): ${torchTps.toFixed(0).padStart(6)} tokens/s  (step ${(median(torchTimes) * 1000).toFixed(0)} ms; reps ${torchTimes.map((t) => (t * 1000).toFixed(0)).join(', ')} ms; ${formatSpread(spreadOf(torchTimes))})`);
  console.log(`  ratio engine / PyTorch: ${(engineTps / torchTps).toFixed(2)}x of medians; ${median(stepRatios).toFixed(2)}x median of per-repetition ratios (${stepRatios.map((r) => r.toFixed(2)).join(', ')}; ${formatSpread(spreadOf(stepRatios))})`);
} else {
  console.log(`  PyTorch: not measured (${python} with torch not importable, or --skip-torch)`);
}
if ([engineTimes, torchTimes, stepRatios].some((xs) => xs.length > 0 && tooWide(spreadOf(xs)))) console.log('  the repetitions varied too much to trust (the machine was busy): rerun when it is quiet, or with more --reps');
console.log('');

// (c) RSS ----------------------------------------------------------------------------------------------------------
const rssSteps = flags['rss-steps'];
console.log(`(c) RSS over ${rssSteps} training steps`);
const warm = Math.min(10, Math.floor(rssSteps / 10));
let rssAfterWarm = 0;
let peak = 0;
const mb = (x: number): string => (x / 2 ** 20).toFixed(1);
for (let s = 0; s < rssSteps; s++) {
  trainStep();
  const rss = process.memoryUsage().rss;
  if (s + 1 === warm) rssAfterWarm = rss;
  if (s + 1 >= warm) peak = Math.max(peak, rss);
}
const growth = (peak - rssAfterWarm) / rssAfterWarm;
console.log(`  RSS after ${warm} warm-up steps ${mb(rssAfterWarm)} MiB, peak over the remaining ${rssSteps - warm} steps ${mb(peak)} MiB: ${growth >= 0 ? '+' : ''}${(growth * 100).toFixed(2)}% (${Math.abs(growth) <= 0.05 ? 'flat' : 'NOT flat'}); pool allocations ${engine.stats().allocations}`);
