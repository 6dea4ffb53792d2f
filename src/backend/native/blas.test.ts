// src/backend/native/blas.test.ts — OpenBLAS kernel selection: the plan (the user's OPENBLAS_CORETYPE stands), the
// load-time guard against fake kernels that miscompute, the status notices; then the real addon in child processes.

import test from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { blasStatus, checkBlasGemm, planCoreType, type BlasInfo, type GuardKernels } from './blas.js';
import { chooseCoreType, parseCpuInfo, readCpuFacts } from './coretype.js';

const cpu = (vendor: string, flags: string) => parseCpuInfo(`processor\t: 0\nvendor_id\t: ${vendor}\ncpu family\t: 6\nmodel\t\t: 207\nmodel name\t: test\nflags\t\t: ${flags}\n`);
const avx512 = cpu('GenuineIntel', 'sse2 avx avx2 fma avx512f avx512cd avx512bw avx512dq avx512vl');
const avx2Amd = cpu('AuthenticAMD', 'sse2 avx avx2 fma');
const sseOnly = cpu('GenuineIntel', 'sse sse2');

test('planCoreType: chooses from the CPU when unset; the user value and R1_BLAS_SELECT=0 are respected', () => {
  assert.deepEqual(planCoreType({}, avx512), { set: 'SkylakeX', request: { core: 'SkylakeX', by: 'r1ts', reason: chooseCoreType(avx512)!.reason }, selectionOff: false });
  assert.equal(planCoreType({}, avx2Amd).set, 'Zen');
  assert.deepEqual(planCoreType({}, sseOnly), { request: null, selectionOff: false });
  assert.deepEqual(planCoreType({}, null), { request: null, selectionOff: false });
  // The user's own choice is never overridden, even an older one.
  assert.deepEqual(planCoreType({ OPENBLAS_CORETYPE: 'Prescott' }, avx512), { request: { core: 'Prescott', by: 'user' }, selectionOff: false });
  assert.deepEqual(planCoreType({ R1_BLAS_SELECT: '0' }, avx512), { request: null, selectionOff: true });
  // An empty value counts as unset.
  assert.equal(planCoreType({ OPENBLAS_CORETYPE: '' }, avx512).set, 'SkylakeX');
  // A value a parent's selection set (marked) is not the user's: the child chooses again; a different value is.
  assert.deepEqual(planCoreType({ OPENBLAS_CORETYPE: 'SkylakeX', R1_BLAS_CHOSEN: 'SkylakeX' }, avx512).request?.by, 'r1ts');
  assert.deepEqual(planCoreType({ OPENBLAS_CORETYPE: 'Haswell', R1_BLAS_CHOSEN: 'SkylakeX' }, avx512).request, { core: 'Haswell', by: 'user' });
});

/** Fake kernels: a plain GEMM, optionally wrong on the OpenBLAS side (as a miscompiled core would be). */
function fakeKernels(broken: 'none' | 'one-element' | 'nan' | 'transposes'): GuardKernels & { on: boolean; calls: number } {
  const k = {
    on: true,
    calls: 0,
    useBlas(on: boolean) {
      k.on = on;
    },
    gemm(tA: boolean, tB: boolean, M: number, N: number, K: number, alpha: number, A: Float32Array, lda: number, _sA: number, B: Float32Array, ldb: number, _sB: number, beta: number, C: Float32Array, ldc: number) {
      k.calls++;
      const bad = k.on && broken !== 'none';
      const ta = bad && broken === 'transposes' ? false : tA;
      for (let i = 0; i < M; i++)
        for (let j = 0; j < N; j++) {
          let s = 0;
          for (let p = 0; p < K; p++) s += (ta ? A[p * lda + i]! : A[i * lda + p]!) * (tB ? B[j * ldb + p]! : B[p * ldb + j]!);
          C[i * ldc + j] = alpha * s + (beta === 0 ? 0 : beta * C[i * ldc + j]!);
        }
      if (bad && broken === 'one-element' && M * N > 100) C[M * N - 1] = C[M * N - 1]! + 0.5;
      if (bad && broken === 'nan') C[0] = Number.NaN;
    },
  };
  return k;
}

test('the guard passes a correct GEMM and catches a wrong element, a NaN and a transpose mix-up', () => {
  const good = fakeKernels('none');
  const ok = checkBlasGemm(good);
  assert.deepEqual([ok.ok, ok.failed, ok.maxError], [true, null, 0]);
  assert.ok(good.calls >= 8, 'both kernels ran on every shape');
  assert.equal(good.on, true, 'OpenBLAS left switched on');
  for (const broken of ['one-element', 'nan', 'transposes'] as const) {
    const k = fakeKernels(broken);
    const r = checkBlasGemm(k);
    assert.equal(r.ok, false, broken);
    assert.match(r.failed!, /^\d+x\d+x\d+/);
    assert.ok(r.maxError > 1e-3, `${broken}: ${r.maxError}`);
    assert.equal(k.on, true, 'the guard leaves the switch to its caller');
  }
});

const info = (core: string | null, over: Partial<BlasInfo> = {}): BlasInfo => ({ blas: 'openblas', blasBuilt: true, blasCore: core, blasConfig: core ? `OpenBLAS 0.3.21 NO_LAPACKE DYNAMIC_ARCH NO_AFFINITY ${core} MAX_THREADS=64` : null, ...over });
const passed = { ok: true, maxError: 1e-7, failed: null };

test('status: quiet when the kernels match the CPU; names the version and tiers', () => {
  const s = blasStatus(info('SkylakeX'), planCoreType({}, avx512), avx512, passed);
  assert.deepEqual(s.notices, []);
  assert.equal(s.version, '0.3.21');
  assert.deepEqual([s.gemm, s.core, s.cpuTier, s.coreTier], ['openblas', 'SkylakeX', 'avx512', 'avx512']);
  // Cooperlake (what 0.3.21 picks itself on Zen 4) is as good as SkylakeX.
  assert.deepEqual(blasStatus(info('Cooperlake'), planCoreType({ R1_BLAS_SELECT: '0' }, avx512), avx512, passed).notices, []);
});

test('status: kernels older than the CPU supports get one notice with the fix for who chose them', () => {
  const user = blasStatus(info('Prescott'), planCoreType({ OPENBLAS_CORETYPE: 'Prescott' }, avx512), avx512, passed);
  assert.equal(user.notices.length, 1);
  assert.match(user.notices[0]!, /Prescott kernels \(SSE\) but this CPU supports AVX-512.*set OPENBLAS_CORETYPE=SkylakeX/);
  const off = blasStatus(info('Prescott'), planCoreType({ R1_BLAS_SELECT: '0' }, avx512), avx512, passed);
  assert.match(off.notices[0]!, /unset R1_BLAS_SELECT/);
  // Asked for SkylakeX, got Prescott: the build did not take the request.
  const ignored = blasStatus(info('Prescott'), planCoreType({}, avx512), avx512, passed);
  assert.match(ignored.notices[0]!, /did not take OPENBLAS_CORETYPE=SkylakeX/);
  const zen = blasStatus(info('Sandybridge'), planCoreType({}, avx2Amd), avx2Amd, passed);
  assert.match(zen.notices[0]!, /Sandybridge kernels \(AVX\) but this CPU supports AVX2/);
  // An SSE-only CPU on Prescott kernels is fine; an unknown CPU gets no verdict.
  assert.deepEqual(blasStatus(info('Prescott'), planCoreType({}, sseOnly), sseOnly, passed).notices, []);
  assert.deepEqual(blasStatus(info('Prescott'), planCoreType({}, null), null, passed).notices, []);
});

test('status: a failed guard reports the fallback to the portable GEMM; a build without OpenBLAS says how to get it', () => {
  const failed = { ok: false, maxError: 0.42, failed: '37x45x67' };
  const forced = blasStatus(info('SkylakeX', { blas: 'portable' }), planCoreType({}, avx512), avx512, failed);
  assert.equal(forced.gemm, 'portable');
  assert.equal(forced.notices.length, 1);
  assert.match(forced.notices[0]!, /SkylakeX kernels computed a wrong GEMM.*37x45x67.*portable GEMM.*R1_BLAS_SELECT=0/);
  const user = blasStatus(info('SkylakeX', { blas: 'portable' }), planCoreType({ OPENBLAS_CORETYPE: 'SkylakeX' }, avx512), avx512, failed);
  assert.match(user.notices[0]!, /unset OPENBLAS_CORETYPE=SkylakeX/);
  const none = blasStatus({ blas: 'portable', blasBuilt: false, blasCore: null, blasConfig: null }, planCoreType({}, avx512), avx512, null);
  assert.deepEqual([none.version, none.core], [null, null]);
  assert.match(none.notices[0]!, /built without OpenBLAS.*libopenblas-dev/);
});

// The real addon, in child processes (OpenBLAS reads its environment once, when it loads).
const fromSource = import.meta.url.endsWith('.ts');
const index = fileURLToPath(new URL(fromSource ? './index.ts' : './index.js', import.meta.url));
function probe(env: NodeJS.ProcessEnv): { coretype: string | null; defaults: string[]; user: string | null; status: { core: string | null; config: string | null; gemm: string; request: unknown; guard: { ok: boolean } | null; notices: string[] } } {
  const code = `const m = await import(${JSON.stringify(index)}); const got = []; m.setNativeNoticeSink((n) => got.push(n)); m.loadNativeAddon(); m.setNativeNoticeSink((n) => got.push('again: ' + n));
    const s = m.nativeBlasStatus(); if (JSON.stringify(got) !== JSON.stringify(s.notices)) throw new Error('notices delivered ' + JSON.stringify(got));
    console.log(JSON.stringify({ coretype: process.env.OPENBLAS_CORETYPE ?? null, defaults: m.nativeEnvDefaults(), user: m.userEnv().OPENBLAS_CORETYPE ?? null, status: s }));`;
  const r = spawnSync(process.execPath, [...(fromSource ? ['--import', 'tsx'] : []), '--input-type=module', '-e', code], { env, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

test('loading the addon: the chosen core type is set before OpenBLAS loads, kept out of userEnv, and the guard passes', () => {
  const { OPENBLAS_CORETYPE: _a, R1_BLAS_SELECT: _b, R1_BLAS_CHOSEN: _c, ...unset } = process.env;
  const r = probe(unset);
  if (r.status.gemm === 'portable' && r.status.core === null) return; // built without OpenBLAS: nothing to select
  const want = chooseCoreType(readCpuFacts() ?? parseCpuInfo(''))?.core ?? null;
  assert.equal(r.coretype, want);
  assert.equal(r.defaults.includes('OPENBLAS_CORETYPE'), want !== null);
  assert.equal(r.user, null, 'baselines see the environment as the user left it');
  assert.equal(r.status.guard?.ok, true);
  if (want && r.status.config?.includes('DYNAMIC_ARCH')) assert.equal(r.status.core?.toLowerCase(), want.toLowerCase());
  // A child process inherits the chosen value with its marker and still reports it as r1ts's choice.
  if (want) assert.deepEqual(probe({ ...unset, OPENBLAS_CORETYPE: want, R1_BLAS_CHOSEN: want }).status.request, r.status.request);
});

test("loading the addon: the user's own OPENBLAS_CORETYPE is kept, read back, and judged", () => {
  const { R1_BLAS_SELECT: _b, R1_BLAS_CHOSEN: _c, ...env } = process.env;
  const r = probe({ ...env, OPENBLAS_CORETYPE: 'Prescott' });
  if (r.status.core === null) return; // built without OpenBLAS
  assert.equal(r.coretype, 'Prescott');
  assert.deepEqual(r.defaults.includes('OPENBLAS_CORETYPE'), false);
  assert.equal(r.user, 'Prescott');
  assert.deepEqual(r.status.request, { core: 'Prescott', by: 'user' });
  assert.equal(r.status.guard?.ok, true);
  if (r.status.config?.includes('DYNAMIC_ARCH')) {
    assert.equal(r.status.core, 'Prescott');
    // On a CPU with AVX2 or better, Prescott is older than it supports: one notice, with the fix.
    const best = chooseCoreType(readCpuFacts() ?? parseCpuInfo(''));
    assert.equal(r.status.notices.length, best ? 1 : 0);
    if (best) assert.match(r.status.notices[0]!, new RegExp(`set OPENBLAS_CORETYPE=${best.core}`));
  }
});
