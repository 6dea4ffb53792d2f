// bench/blas-cores.ts — `npm run bench:blas`: engine matmul at n = 1024 under each OpenBLAS core type this CPU can
// run, against r1ts's own choice with no variable set (target: within 0.9x of the fastest). Each configuration runs
// in its own process (OpenBLAS reads OPENBLAS_CORETYPE once, when it loads); the processes take turns, several
// rounds, so that load drift on a shared machine spreads over all of them; each configuration is compared with
// r1ts's choice round by round (the median of those ratios). Flags: --rounds N (default 5), --n SIZE (default
// 1024), --threads N (OPENBLAS_NUM_THREADS for every configuration; default: as the user has it).

import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { createNativeBackend, nativeBlasStatus, userEnv } from '../src/backend/index.js';
import { coreTier, cpuTier, readCpuFacts, TIERS } from '../src/backend/native/coretype.js';
import { Engine, matmul } from '../src/tensor/index.js';
import { Rng } from '../src/util/rng.js';
import { formatSpread, spreadOf, tooWide } from '../src/util/stats.js';
import { printBenchHeader } from './header.js';

const Flags = z.object({ rounds: z.coerce.number().int().positive().default(5), n: z.coerce.number().int().min(16).default(1024), threads: z.coerce.number().int().positive().optional(), child: z.boolean().default(false) });
const { values } = parseArgs({ options: { rounds: { type: 'string' }, n: { type: 'string' }, threads: { type: 'string' }, child: { type: 'boolean' } } });
const parsed = Flags.safeParse(values);
if (!parsed.success) {
  console.error(`bench:blas: ${parsed.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`).join('; ')}`);
  process.exit(2);
}
const flags = parsed.data;
const now = (): number => Number(process.hrtime.bigint()) / 1e9;

if (flags.child) {
  // One configuration: a warm-up, then the best of 9 timed products (other processes only ever slow a product
  // down, so the fastest is the kernels' own speed), as GFLOP/s, and the core OpenBLAS runs.
  const engine = new Engine(createNativeBackend());
  const rng = new Rng(7);
  const n = flags.n;
  const a = engine.randn([n, n], rng);
  const b = engine.randn([n, n], rng);
  const times: number[] = [];
  for (let i = 0; i < 10; i++) {
    const t0 = now();
    engine.noGrad(() => matmul(a, b)).dispose();
    if (i > 0) times.push(now() - t0);
  }
  const s = nativeBlasStatus()!;
  console.log(JSON.stringify({ core: s.core, gflops: (2 * n * n * n) / Math.min(...times) / 1e9, notices: s.notices }));
  process.exit(0);
}

printBenchHeader(`r1ts OpenBLAS core-type bench — matmul ${flags.n}, ${flags.rounds} rounds`);
const status = nativeBlasStatus();
if (!status || status.core === null) {
  console.log('\nbench:blas: the addon runs without OpenBLAS here; nothing to compare');
  process.exit(0);
}
const cpu = readCpuFacts();
const tier = cpu ? cpuTier(cpu) : 'sse';
// Core types this CPU can run (a core of a higher tier would stop on an illegal instruction), oldest first.
const candidates = ['Prescott', 'Sandybridge', 'Haswell', 'Zen', 'SkylakeX', 'Cooperlake'].filter((c) => TIERS.indexOf(coreTier(c)!) <= TIERS.indexOf(tier));
const { OPENBLAS_CORETYPE: _drop, R1_BLAS_SELECT: _drop2, R1_BLAS_CHOSEN: _drop3, ...user } = userEnv();
const base: NodeJS.ProcessEnv = flags.threads ? { ...user, OPENBLAS_NUM_THREADS: String(flags.threads) } : user;
const configs: { label: string; env: NodeJS.ProcessEnv }[] = [
  { label: 'r1ts choice (no variable set)', env: base },
  { label: "OpenBLAS's own (R1_BLAS_SELECT=0)", env: { ...base, R1_BLAS_SELECT: '0' } },
  ...candidates.map((c) => ({ label: `OPENBLAS_CORETYPE=${c}`, env: { ...base, OPENBLAS_CORETYPE: c } })),
];
const self = fileURLToPath(import.meta.url);
const results = configs.map(() => ({ core: '', gflops: [] as number[] }));
console.log(`\nmatmul ${flags.n}×${flags.n} @ ${flags.n}×${flags.n} through the engine, GFLOP/s (best of 9 products per process, median over rounds; ${flags.rounds} rounds, processes interleaved; OpenBLAS threads: ${flags.threads ?? base.OPENBLAS_NUM_THREADS ?? 'its default'})`);
for (let r = 0; r < flags.rounds; r++) {
  configs.forEach((c, i) => {
    const p = spawnSync(process.execPath, [self, '--child', '--n', String(flags.n)], { env: c.env, encoding: 'utf8', timeout: 300_000 });
    if (p.status !== 0) throw new Error(`bench:blas: ${c.label} failed (exit ${p.status ?? p.signal}): ${p.stderr.trim().split('\n').slice(-3).join(' | ')}`);
    const out = JSON.parse(p.stdout.trim().split('\n').pop()!) as { core: string; gflops: number };
    results[i]!.core = out.core;
    results[i]!.gflops.push(out.gflops);
  });
}
const med = results.map((r) => spreadOf(r.gflops));
// Round by round, each configuration against r1ts's choice (adjacent processes see the same machine load); the
// column is the median over rounds. The choice's standing: against the configuration that beats it most.
const rel = configs.map((_, i) => spreadOf(Array.from({ length: flags.rounds }, (_, r) => results[i]!.gflops[r]! / results[0]!.gflops[r]!)));
const w = Math.max(...configs.map((c) => c.label.length));
console.log(`${'configuration'.padEnd(w)}  kernels      GFLOP/s  vs r1ts choice  GFLOP/s over rounds; ratio over rounds`);
configs.forEach((c, i) => {
  const m = med[i]!;
  const ratio = i === 0 ? '1 (itself)' : `${rel[i]!.median.toFixed(2)}x`;
  const spreads = i === 0 ? formatSpread(m) : `${formatSpread(m)}; ${formatSpread(rel[i]!)}`;
  console.log(`${c.label.padEnd(w)}  ${results[i]!.core.padEnd(11)} ${m.median.toFixed(1).padStart(8)}  ${ratio.padStart(14)}  ${spreads}`);
});
const fastest = Math.max(...rel.map((r) => r.median));
const ours = 1 / Math.max(1, fastest);
const rival = configs[rel.findIndex((r) => r.median === fastest)]!.label;
console.log(`\nr1ts's choice (${results[0]!.core}) runs at ${ours.toFixed(2)}x the fastest configuration${fastest > 1 ? ` (${rival})` : ' (itself)'}, median of per-round ratios; target ≥ 0.90: ${ours >= 0.9 ? 'met' : 'NOT met'}`);
if ([...med, ...rel.slice(1)].some((m) => tooWide(m))) console.log('some figures varied too much between rounds to trust (TOO WIDE): rerun when the machine is quiet');
