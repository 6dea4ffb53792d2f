// src/backend/native/addon.test.ts — the addon refuses bad calls with JavaScript errors (never a crash), reports its
// build, and a char-level model trained through the native backend lowers its loss.

import test from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createNativeBackend, loadNativeAddon, nativeEnvDefaults } from './index.js';
import { AttentionGeometry } from '../../contract/kernels.js';
import { trainCharModel } from '../../nn/index.js';

const addon = loadNativeAddon();
const f = (n: number): Float32Array => new Float32Array(n);
const i = (...xs: number[]): Int32Array => Int32Array.from(xs);

test('info reports the GEMM implementation, OpenBLAS core type and thread count', () => {
  const info = createNativeBackend().info;
  assert.equal(info.name, 'native');
  assert.ok(info.blas === 'openblas' || info.blas === 'portable');
  assert.ok(info.threads >= 1);
  const raw = addon.info();
  assert.equal(raw.blasCore !== null, raw.blasBuilt);
  if (raw.blasBuilt) assert.match(raw.blasConfig!, /OpenBLAS \d+\.\d+/);
  assert.equal(info.blasCore, raw.blasCore ?? undefined);
});

test('the pool sizes itself by the CPUs this process may use (taskset, a cpuset), not every CPU of the machine', () => {
  // One CPU allowed: one pool thread, whatever the machine has. R1_THREADS unset so that the default decides.
  const script = `import('${new URL('./index.js', import.meta.url).href}').then((m) => console.log(m.createNativeBackend().info.threads))`;
  const env = { ...process.env };
  delete env.R1_THREADS;
  const one = spawnSync('taskset', ['-c', '0', process.execPath, '-e', script], { env, encoding: 'utf8' });
  assert.equal(one.status, 0, one.stderr);
  assert.equal(one.stdout.trim(), '1');
  // R1_THREADS still wins over the affinity.
  const forced = spawnSync('taskset', ['-c', '0', process.execPath, '-e', script], { env: { ...env, R1_THREADS: '2' }, encoding: 'utf8' });
  assert.equal(forced.stdout.trim(), '2', forced.stderr);
});

test('useBlas switches GEMMs to the portable kernel and back, with the same results', () => {
  const M = 23, N = 19, K = 31;
  const A = Float32Array.from({ length: M * K }, (_, i) => ((i * 37) % 11) - 5);
  const B = Float32Array.from({ length: K * N }, (_, i) => ((i * 13) % 7) - 3);
  const run = (): Float32Array => {
    const C = f(M * N);
    addon.gemm(false, true, M, N, K, 1, A, K, 0, B, K, 0, 0, C, N, 0, 1);
    return C;
  };
  const before = run();
  try {
    addon.useBlas(false);
    assert.equal(addon.info().blas, 'portable');
    assert.deepEqual(run(), before); // small integers: exact in any summation order
  } finally {
    addon.useBlas(true);
  }
  assert.equal(addon.info().blas, addon.info().blasBuilt ? 'openblas' : 'portable');
  // @ts-expect-error wrong argument type on purpose
  assert.throws(() => addon.useBlas(1), /on must be a boolean/);
});

// Large products run as one single-threaded OpenBLAS call per pool thread on a band of C (rows when M >= N, else
// columns). Small integers make every partial sum exact, so any band split must equal the portable kernel bit for bit.
const bandCheck = `
  const { loadNativeAddon } = await import(process.env.R1_INDEX);
  const addon = loadNativeAddon();
  const shapes = [[300, 130, 70], [100, 517, 50], [261, 261, 41], [1000, 144, 16]];
  let worst = 0, runs = 0;
  for (const [M, N, K] of shapes) for (const tA of [false, true]) for (const tB of [false, true]) for (const [alpha, beta] of [[1, 0], [0.5, 1]]) {
    const lda = (tA ? M : K) + 3, ldb = (tB ? K : N) + 5, ldc = N + 7;
    const A = Float32Array.from({ length: (tA ? K : M) * lda }, (_, i) => ((i * 37) % 11) - 5);
    const B = Float32Array.from({ length: (tB ? N : K) * ldb }, (_, i) => ((i * 13) % 7) - 3);
    const C0 = Float32Array.from({ length: M * ldc }, (_, i) => (i % 5) - 2);
    const run = () => { const C = C0.slice(); addon.gemm(tA, tB, M, N, K, alpha, A, lda, 0, B, ldb, 0, beta, C, ldc, 0, 1); return C; };
    const got = run();
    addon.useBlas(false);
    const want = run();
    addon.useBlas(true);
    for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]));
    runs++;
  }
  console.log(JSON.stringify({ worst, runs, threads: addon.info().threads }));
`;

test('large GEMMs split into bands over the pool threads equal the portable kernel (every transpose, rows and columns)', () => {
  for (const threads of ['2', '3']) {
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', bandCheck], {
      env: { ...process.env, R1_THREADS: threads, R1_INDEX: new URL('./index.js', import.meta.url).href },
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout.trim()) as { worst: number; runs: number; threads: number };
    assert.deepEqual(out, { worst: 0, runs: 32, threads: Number(threads) });
  }
});

test('gemm validates buffer lengths, leading dimensions and overlapping batches', () => {
  assert.throws(() => addon.gemm(false, false, 4, 4, 4, 1, f(15), 4, 0, f(16), 4, 0, 0, f(16), 4, 0, 1), /A holds 15 floats, needs 16/);
  assert.throws(() => addon.gemm(false, false, 4, 4, 4, 1, f(16), 3, 0, f(16), 4, 0, 0, f(16), 4, 0, 1), /leading dimension 3 < 4/);
  assert.throws(() => addon.gemm(false, false, 2, 2, 2, 1, f(8), 2, 4, f(8), 2, 4, 0, f(8), 2, 0, 2), /overlap/);
  assert.throws(() => addon.gemm(false, false, -1, 2, 2, 1, f(8), 2, 0, f(8), 2, 0, 0, f(8), 2, 0, 1), /non-negative integer/);
  assert.throws(() => addon.gemm(false, false, 1.5, 2, 2, 1, f(8), 2, 0, f(8), 2, 0, 0, f(8), 2, 0, 1), /non-negative integer/);
  // @ts-expect-error wrong argument type on purpose
  assert.throws(() => addon.gemm(false, false, 2, 2, 2, 1, new Float64Array(4), 2, 0, f(4), 2, 0, 0, f(4), 2, 0, 1), TypeError);
  // @ts-expect-error too few arguments on purpose
  assert.throws(() => addon.gemm(false, false, 2), /expected 17 arguments/);
  const a = Float32Array.from([1, 2, 3, 4]);
  const c = f(4);
  addon.gemm(true, false, 2, 2, 2, 1, a, 2, 0, a, 2, 0, 0, c, 2, 0, 1);
  assert.deepEqual(Array.from(c), [10, 14, 14, 20]); // Aᵀ A
});

test('element-wise and strided kernels validate lengths and strides', () => {
  assert.throws(() => addon.unary(1, f(4), f(3), 0, 0), /out holds 3 floats, expected 4/);
  assert.throws(() => addon.unary(99 as never, f(4), f(4), 0, 0), /unknown code 99/);
  assert.throws(() => addon.binary(0, f(3), i(1), f(3), i(1), f(4), i(4)), /a holds 3 floats, its strides reach 4/);
  assert.throws(() => addon.binary(0, f(4), i(1, 1), f(4), i(1), f(4), i(4)), /2 entries for 1 dimensions/);
  assert.throws(() => addon.strided(f(4), i(-1), f(4), i(1), i(4), false), /negative stride/);
  assert.throws(() => addon.where(f(2), i(1), f(4), i(1), f(4), i(1), f(4), i(4)), /cond holds 2 floats/);
  assert.throws(() => addon.reduce(0, f(5), 2, 3, 1, f(2), null), /x holds 5 floats, needs 6/);
});

test('index, target and shape checks in layer kernels', () => {
  assert.throws(() => addon.indexSelect(f(6), 1, 3, 2, i(0, 3), f(4)), /index 3 outside \[0, 3\)/);
  assert.throws(() => addon.indexAdd(f(4), 1, 3, 2, i(-1, 0), f(6)), /index -1 outside/);
  assert.throws(() => addon.crossEntropy(f(6), 2, 3, i(0, 5), -100, f(2), f(2)), /target 5 outside \[0, 3\)/);
  assert.throws(() => addon.crossEntropy(f(6), 2, 3, i(0), -100, f(2), f(2)), /targets holds 1 ints, needs 2/);
  assert.throws(() => addon.topk(f(6), 2, 3, 4, f(8), new Int32Array(8)), /k=4 > n=3/);
  assert.throws(() => addon.rope(f(6), f(3), f(3), 1, 1, 1, 5, false, false, f(6)), /D must be even/);
  assert.throws(() => addon.rmsnorm(f(6), f(2), 2, 3, 1e-5, f(6), f(2)), /w holds 2 floats, needs 3/);
  assert.throws(() => addon.adamw(f(4), f(4), f(4), f(4), 1e-3, 0.9, 0.95, 1e-8, 0, 0, 1), /step must be >= 1/);
  const geom = new Int32Array(AttentionGeometry.length);
  geom.set([1, 3, 2, 2, 2, 4, 4, 32, 8, 4, 32, 8, 4, 32, 8, 4, 32, 8, 4]);
  assert.throws(() => addon.attention(f(64), f(64), f(64), geom, 1, true, f(64), null), /not a multiple of Hkv=2/);
  geom.set([1, 2, 2, 2, 2, 4, 4, 16, 8, 4, 16, 8, 4, 16, 8, 4, 16, 8, 4]);
  assert.throws(() => addon.attention(f(15), f(16), f(16), geom, 1, true, f(16), null), /q holds 15 floats/);
  assert.throws(() => addon.attention(f(16), f(16), f(16), i(1, 2), 1, true, f(16), null), /19 integers/);
});

test('a char-level model trained through the native backend lowers its loss', () => {
  const { losses } = trainCharModel(createNativeBackend(), { steps: 40 });
  const first = losses.slice(0, 3).reduce((a, b) => a + b) / 3;
  const last = losses.slice(-3).reduce((a, b) => a + b) / 3;
  assert.ok(last < first * 0.75, `loss ${first.toFixed(3)} -> ${last.toFixed(3)}`);
});

test('OpenBLAS thread timeout: defaulted to 4 when unset (and reported, and kept out of userEnv), a user setting is kept', () => {
  const fromSource = import.meta.url.endsWith('.ts'); // run by tsx from src/, or from dist/
  const self = fileURLToPath(new URL(fromSource ? './index.ts' : './index.js', import.meta.url));
  const probe = `const m = await import(${JSON.stringify(self)}); m.loadNativeAddon(); console.log(JSON.stringify([process.env.OPENBLAS_THREAD_TIMEOUT, m.nativeEnvDefaults(), m.userEnv().OPENBLAS_THREAD_TIMEOUT ?? null]));`;
  const run = (env: NodeJS.ProcessEnv): unknown => {
    const r = spawnSync(process.execPath, [...(fromSource ? ['--import', 'tsx'] : []), '--input-type=module', '-e', probe], { env, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout.trim().split('\n').pop()!);
  };
  const { OPENBLAS_THREAD_TIMEOUT: _drop, ...unset } = process.env;
  const [value, defaults, user] = run(unset) as [string, string[], string | null];
  assert.deepEqual([value, defaults.includes('OPENBLAS_THREAD_TIMEOUT'), user], ['4', true, null], 'defaulted, and left out of the user environment');
  const [value2, defaults2, user2] = run({ ...unset, OPENBLAS_THREAD_TIMEOUT: '12' }) as [string, string[], string | null];
  assert.deepEqual([value2, defaults2.includes('OPENBLAS_THREAD_TIMEOUT'), user2], ['12', false, '12'], 'a user setting is kept and passed on');
  assert.ok(Array.isArray(nativeEnvDefaults()));
});

test('hugeBuffer gives zeroed, writable, 2 MB-aligned memory (or null), rejects bad sizes, and packed weights on it match', () => {
  const buf = addon.hugeBuffer(5_000_000);
  if (buf !== null) {
    assert.ok(buf.byteLength >= 5_000_000 && buf.byteLength % (1 << 21) === 0, `byteLength ${buf.byteLength}`);
    assert.equal(addon.alignOffset(buf), 0);
    const v = new Uint8Array(buf);
    assert.ok(v.every((x) => x === 0), 'zeroed');
    v[v.length - 1] = 7;
    assert.equal(v[v.length - 1], 7);
  }
  assert.equal(addon.hugeBuffer(0), null);
  assert.throws(() => addon.hugeBuffer(-1), /hugeBuffer: bytes/);
  assert.throws(() => addon.hugeBuffer(Number.NaN), /hugeBuffer: bytes/);
  // A matrix large enough for the huge-page path packs exactly as into an ordinary buffer.
  const be = createNativeBackend();
  const N = 1100, K = 300;
  const W = Float32Array.from({ length: N * K }, (_, i) => ((i * 31) % 17) - 8);
  const plain = new Float32Array(addon.packedLinearSize(N, K));
  addon.packLinear(W, N, K, plain);
  const packed = be.packLinear(W, N, K);
  assert.deepEqual(packed, plain);
});
