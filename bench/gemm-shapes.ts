// bench/gemm-shapes.ts — `npm run bench:gemm`: the GEMMs of a training step, each through OpenBLAS as the engine
// calls it (backend.gemm: cblas_sgemm on OpenBLAS's threads, one thread for small products) and through the project's
// own packed kernel (addon.packedGemm: the decode GEMM's 8 × 48 register tiles, op(B) packed into column blocks on
// every call — so packing is counted once per product, which is at least once per step per weight — and op(A) read in
// place), interleaved, medians of several rounds. Shapes:
//  - train: the reference training step of `npm run bench` (GPT d 256, 4 layers, MLP 1024, seq 128 × batch 16 =
//    2,048 rows, vocab 512): forward x·Wᵀ, dX = dY·W, dW = dYᵀ·X (accumulated into the gradient) of every Linear;
//  - grpo: one GRPO step of `npm run bench:grpo` (reference Llama d 256, 4 layers, SwiGLU 1024; 8 prompts × G = 8 with
//    each group's prompt computed once): the completion rows (64 × 63 = 4,032; the head over the 3,825 scored
//    positions of a BPE vocabulary of 456) and the prompt rows (8 × 46 = 368), the forward run twice (reference
//    log-probs and policy), as logged from one step of that benchmark.
// Attention's per-head products run inside the fused attention kernel and are not listed. For a per-core comparison
// that other processes disturb less, run with OPENBLAS_NUM_THREADS=1 R1_THREADS=1 (the header shows both).
// Flags: --rounds N (interleaved rounds per shape, default 15), --ms T (target milliseconds per timing, default 4).

import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { createNativeBackend, loadNativeAddon } from '../src/backend/index.js';
import { Rng } from '../src/util/rng.js';
import { formatSpread, median, spreadOf, tooWide } from '../src/util/stats.js';
import { printBenchHeader } from './header.js';

const Flags = z.object({
  rounds: z.coerce.number().int().min(3).default(15),
  ms: z.coerce.number().positive().default(4),
});
const { values } = parseArgs({ options: { rounds: { type: 'string' }, ms: { type: 'string' } } });
const parsed = Flags.safeParse(values);
if (!parsed.success) {
  console.error(`bench:gemm: ${parsed.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`).join('; ')}`);
  process.exit(2);
}
const flags = parsed.data;

interface Shape {
  group: 'train' | 'grpo';
  what: string;
  tA: boolean;
  tB: boolean;
  M: number;
  N: number;
  K: number;
  /** the engine's beta: 1 where the product accumulates (bias already broadcast, gradients) */
  beta: number;
  /** products of this shape per step */
  count: number;
}

// One Linear (out × in) over `rows` rows: its forward, dX and dW products as src/tensor/ops/linear.ts issues them.
function linearShapes(group: Shape['group'], name: string, rows: number, out: number, inp: number, count: number, bias: boolean, fwdCount = count): Shape[] {
  return [
    { group, what: `${name} fwd`, tA: false, tB: true, M: rows, N: out, K: inp, beta: bias ? 1 : 0, count: fwdCount },
    { group, what: `${name} dX`, tA: false, tB: false, M: rows, N: inp, K: out, beta: 0, count },
    { group, what: `${name} dW`, tA: true, tB: false, M: out, N: inp, K: rows, beta: 1, count },
  ];
}

const T = 2048; // 16 × 128 rows
const C = 4032, H = 3825, P = 368; // GRPO: completion rows, scored positions (head), prompt rows
const shapes: Shape[] = [
  ...linearShapes('train', 'qkv 256→768', T, 768, 256, 4, true),
  ...linearShapes('train', 'proj 256→256', T, 256, 256, 4, true),
  ...linearShapes('train', 'fc 256→1024', T, 1024, 256, 4, true),
  ...linearShapes('train', 'fc2 1024→256', T, 256, 1024, 4, true),
  ...linearShapes('train', 'head 256→512', T, 512, 256, 1, false),
  // GRPO: q, k, v, o (4 per layer) and gate, up (2 per layer); the forward twice (reference + policy).
  ...linearShapes('grpo', 'compl. q/k/v/o 256→256', C, 256, 256, 16, false, 32),
  ...linearShapes('grpo', 'compl. gate/up 256→1024', C, 1024, 256, 8, false, 16),
  ...linearShapes('grpo', 'compl. down 1024→256', C, 256, 1024, 4, false, 8),
  ...linearShapes('grpo', 'compl. head 256→456', H, 456, 256, 1, false, 2),
  ...linearShapes('grpo', 'prompt q/k/v/o 256→256', P, 256, 256, 16, false, 32),
  ...linearShapes('grpo', 'prompt gate/up 256→1024', P, 1024, 256, 8, false, 16),
  ...linearShapes('grpo', 'prompt down 1024→256', P, 256, 1024, 4, false, 8),
];

const backend = createNativeBackend();
const addon = loadNativeAddon();
const load = (): string => loadavg().map((x) => x.toFixed(1)).join(' ');
printBenchHeader(`r1ts GEMM shapes bench — OpenBLAS (as the engine calls it) vs the packed kernel; medians of ${flags.rounds} interleaved rounds`);
if (backend.info.blas !== 'openblas') console.log('note: the engine GEMM is the portable kernel here (no OpenBLAS in use), so the first column is not OpenBLAS\n');
console.log(`load average at start: ${load()}`);

const now = (): number => Number(process.hrtime.bigint()) / 1e9;
const rng = new Rng(18);
const alloc = (n: number): Float32Array => (backend.allocate ? backend.allocate(n) : new Float32Array(n));
const fill = (x: Float32Array): Float32Array => {
  for (let i = 0; i < x.length; i++) x[i] = rng.normal();
  return x;
};

interface Row {
  s: Shape;
  blas: number; // median seconds per product
  packed: number;
  ratio: number; // median of per-round blas / packed time ratios
  cpuBlas: number; // median CPU seconds per product
  cpuPacked: number;
  pack: number; // median seconds to pack op(B)
  bestBlas: number; // fastest round (what each path reaches when other processes leave it alone)
  bestPacked: number;
  spreads: string;
  wide: boolean;
  diff: number; // max |packed - blas| / max |blas|
}

const rows: Row[] = [];
for (const s of shapes) {
  const { tA, tB, M, N, K, beta } = s;
  const lda = tA ? M : K, ldb = tB ? K : N;
  const A = fill(alloc(M * K)), B = fill(alloc(K * N));
  const C0 = fill(alloc(M * N));
  const Cb = alloc(M * N), Cp = alloc(M * N);
  const flops = 2 * M * N * K;
  const iters = Math.max(1, Math.round((flags.ms / 1000) * 60e9 / flops));
  // beta = 1 products accumulate; the repeated calls grow C harmlessly (timing only), the first call is checked.
  // Wall seconds per product, and CPU seconds of the process per product (all threads: less moved by other processes
  // on a busy machine, though spinning threads count too).
  const timed = (fn: () => void): [number, number] => {
    const c0 = process.cpuUsage(), t0 = now();
    for (let i = 0; i < iters; i++) fn();
    const wall = now() - t0, c = process.cpuUsage(c0);
    return [wall / iters, (c.user + c.system) / 1e6 / iters];
  };
  const viaBlas = (): [number, number] => timed(() => backend.gemm(tA, tB, M, N, K, 1, A, lda, 0, B, ldb, 0, beta, Cb, N, 0, 1));
  const viaPacked = (): [number, number] => timed(() => addon.packedGemm(tA, tB, M, N, K, A, lda, B, ldb, beta, Cp, N));
  // The packing inside viaPacked, timed alone: packLinear packs an (N, K) weight into the same column blocks, the
  // transposing copy of the forward (dX and dW copy without transposing: no slower).
  const W = fill(alloc(N * K)), Wp = alloc(addon.packedLinearSize(N, K));
  const viaPack = (): number => timed(() => addon.packLinear(W, N, K, Wp))[0];
  Cb.set(C0);
  Cp.set(C0);
  backend.gemm(tA, tB, M, N, K, 1, A, lda, 0, B, ldb, 0, beta, Cb, N, 0, 1);
  addon.packedGemm(tA, tB, M, N, K, A, lda, B, ldb, beta, Cp, N);
  let maxDiff = 0, scale = 0;
  for (let i = 0; i < Cb.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(Cp[i]! - Cb[i]!));
    scale = Math.max(scale, Math.abs(Cb[i]!));
  }
  viaBlas();
  viaPacked();
  const tb: number[] = [], tp: number[] = [], ratios: number[] = [], cb: number[] = [], cp: number[] = [], tk: number[] = [];
  for (let r = 0; r < flags.rounds; r++) {
    // Alternate which path goes first, so that neither always runs right after the other has warmed the caches.
    let x: [number, number], y: [number, number];
    if (r % 2 === 0) (x = viaBlas()), (y = viaPacked());
    else (y = viaPacked()), (x = viaBlas());
    tb.push(x[0]);
    tp.push(y[0]);
    ratios.push(x[0] / y[0]);
    cb.push(x[1]);
    cp.push(y[1]);
    tk.push(viaPack());
  }
  const sb = spreadOf(tb), sp = spreadOf(tp), sr = spreadOf(ratios);
  rows.push({
    s, blas: median(tb), packed: median(tp), ratio: median(ratios), cpuBlas: median(cb), cpuPacked: median(cp), pack: median(tk), bestBlas: Math.min(...tb), bestPacked: Math.min(...tp),
    spreads: `OpenBLAS ${formatSpread(sb)}; packed ${formatSpread(sp)}; ratios ${formatSpread(sr)}`,
    wide: tooWide(sb) || tooWide(sp) || tooWide(sr), diff: scale > 0 ? maxDiff / scale : maxDiff,
  });
}

const gf = (s: Shape, t: number): string => ((2 * s.M * s.N * s.K) / t / 1e9).toFixed(1);
for (const group of ['train', 'grpo'] as const) {
  const gr = rows.filter((r) => r.s.group === group);
  const flopsOf = (s: Shape): number => 2 * s.M * s.N * s.K * s.count;
  const total = gr.reduce((a, r) => a + flopsOf(r.s), 0);
  console.log(`\n${group === 'train' ? 'training step (reference GPT, 2,048 rows)' : 'GRPO step (reference Llama; completions 4,032 rows, prompts 368)'}: ${(total / 1e9).toFixed(1)} GFLOP of GEMMs per step`);
  console.log('  product                      op      M × N × K         ×/step  FLOP%  OpenBLAS  packed  ratio  CPU ratio  pack%  max|Δ|/max|C|');
  for (const r of gr) {
    const s = r.s;
    const op = `${s.tA ? 'T' : 'N'}${s.tB ? 'T' : 'N'} β${s.beta}`;
    console.log(`  ${s.what.padEnd(28)} ${op.padEnd(6)} ${`${s.M}×${s.N}×${s.K}`.padEnd(17)} ${String(s.count).padStart(6)} ${((flopsOf(s) / total) * 100).toFixed(1).padStart(6)} ${gf(s, r.blas).padStart(9)} ${gf(s, r.packed).padStart(7)} ${r.ratio.toFixed(2).padStart(6)}x ${(r.cpuBlas / r.cpuPacked).toFixed(2).padStart(9)}x ${((r.pack / r.packed) * 100).toFixed(1).padStart(6)}  ${r.diff.toExponential(1)}${r.wide ? '  (noisy)' : ''}`);
  }
  const tBlas = gr.reduce((a, r) => a + r.blas * r.s.count, 0);
  const tPacked = gr.reduce((a, r) => a + r.packed * r.s.count, 0);
  const cBlas = gr.reduce((a, r) => a + r.cpuBlas * r.s.count, 0);
  const cPacked = gr.reduce((a, r) => a + r.cpuPacked * r.s.count, 0);
  console.log(`  all products of the step: OpenBLAS ${(tBlas * 1000).toFixed(1)} ms (${(total / tBlas / 1e9).toFixed(1)} GFLOP/s), packed ${(tPacked * 1000).toFixed(1)} ms (${(total / tPacked / 1e9).toFixed(1)} GFLOP/s): packed / OpenBLAS speed ${(tBlas / tPacked).toFixed(2)}x`);
  const kinds = (['fwd', 'dX', 'dW'] as const).map((k) => {
    const kr = gr.filter((r) => r.s.what.endsWith(` ${k}`));
    const kb = kr.reduce((a, r) => a + r.blas * r.s.count, 0), kp = kr.reduce((a, r) => a + r.packed * r.s.count, 0);
    const kf = kr.reduce((a, r) => a + flopsOf(r.s), 0);
    return `${k} ${((kf / total) * 100).toFixed(0)}% of the FLOPs, ${(kf / kb / 1e9).toFixed(1)} vs ${(kf / kp / 1e9).toFixed(1)} GFLOP/s, ${(kb / kp).toFixed(2)}x`;
  });
  const tPack = gr.reduce((a, r) => a + Math.min(r.pack, r.packed) * r.s.count, 0);
  console.log(`  packing op(B) is ${((tPack / tPacked) * 100).toFixed(1)}% of the packed time; without it (packed once per step and kept, at best) the packed kernel would be ${(tBlas / (tPacked - tPack)).toFixed(2)}x OpenBLAS`);
  console.log(`  by kind (OpenBLAS vs packed): ${kinds.join('; ')}`);
  const bBlas = gr.reduce((a, r) => a + r.bestBlas * r.s.count, 0), bPacked = gr.reduce((a, r) => a + r.bestPacked * r.s.count, 0);
  console.log(`  fastest rounds: OpenBLAS ${(total / bBlas / 1e9).toFixed(1)} GFLOP/s, packed ${(total / bPacked / 1e9).toFixed(1)} GFLOP/s: ${(bBlas / bPacked).toFixed(2)}x`);
  console.log(`  CPU seconds of the step's products: OpenBLAS ${(cBlas * 1000).toFixed(1)} ms, packed ${(cPacked * 1000).toFixed(1)} ms: ${(cBlas / cPacked).toFixed(2)}x`);
}
console.log('\nGFLOP/s: medians per product (wall time); ratio: median of per-round wall-time ratios, CPU ratio: of median CPU seconds (> 1: the packed kernel is faster); pack%: packing op(B) alone (packLinear of the same size), share of the packed time.');
const noisy = rows.filter((r) => r.wide);
if (noisy.length > 0) {
  console.log(`${noisy.length} of ${rows.length} shapes varied too much to trust (spread > 10%; marked noisy): rerun on a quiet machine, or with more --rounds:`);
  for (const r of noisy) console.log(`  ${r.s.group} ${r.s.what}: ${r.spreads}`);
}
console.log(`load average at end: ${load()}`);
