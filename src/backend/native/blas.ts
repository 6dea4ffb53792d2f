// src/backend/native/blas.ts — OpenBLAS kernel selection for the native backend: what to ask OpenBLAS for before
// it loads (planCoreType), the load-time correctness guard (checkBlasGemm: OpenBLAS against the portable GEMM), and
// the resulting status with one notice per slow or degraded setting, each naming its fix (blasStatus). The CLI
// prints the notices; this module never does.

import { chooseCoreType, coreTier, cpuTier, TIERS, type CpuFacts, type Tier } from './coretype.js';

const TIER_NAMES: Record<Tier, string> = { sse: 'SSE', avx: 'AVX', avx2: 'AVX2', avx512: 'AVX-512' };

/** Who chose the core type OpenBLAS was asked for. */
export type CoreRequest = { core: string; by: 'user' } | { core: string; by: 'r1ts'; reason: string };

/** What loadNativeAddon does with OPENBLAS_CORETYPE. */
export interface CorePlan {
  /** The value to put in the environment before OpenBLAS loads; undefined = leave the environment alone. */
  set?: string;
  /** The request OpenBLAS will see (the user's own, or this plan's); null = OpenBLAS detects the CPU itself. */
  request: CoreRequest | null;
  /** True when R1_BLAS_SELECT=0 turned the selection off. */
  selectionOff: boolean;
}

/**
 * Marks OPENBLAS_CORETYPE as set by r1ts (its value), so that child processes, which inherit both, know the
 * variable is not the user's.
 */
export const CHOSEN_MARKER = 'R1_BLAS_CHOSEN';

/**
 * Decides OPENBLAS_CORETYPE: the user's own value always stands; R1_BLAS_SELECT=0 leaves OpenBLAS to detect the
 * CPU itself; otherwise the core type chooseCoreType picks for this CPU, if any. A value that a parent process's
 * selection set (CHOSEN_MARKER equal to it) counts as unset.
 */
export function planCoreType(env: Readonly<Record<string, string | undefined>>, cpu: CpuFacts | null): CorePlan {
  const user = env.OPENBLAS_CORETYPE;
  if (user !== undefined && user !== '' && env[CHOSEN_MARKER] !== user) return { request: { core: user, by: 'user' }, selectionOff: false };
  if (env.R1_BLAS_SELECT === '0') return { request: null, selectionOff: true };
  const choice = cpu ? chooseCoreType(cpu) : null;
  if (!choice) return { request: null, selectionOff: false };
  return { set: choice.core, request: { core: choice.core, by: 'r1ts', reason: choice.reason }, selectionOff: false };
}

/** The addon entry points the guard drives. */
export interface GuardKernels {
  gemm(transA: boolean, transB: boolean, M: number, N: number, K: number, alpha: number, A: Float32Array, lda: number, strideA: number, B: Float32Array, ldb: number, strideB: number, beta: number, C: Float32Array, ldc: number, strideC: number, batch: number): void;
  /** true: GEMMs through OpenBLAS; false: through the portable kernel. */
  useBlas(on: boolean): void;
}

export interface GuardResult {
  ok: boolean;
  /** Largest |OpenBLAS - portable| over the checked products, relative to max(1, |portable|). */
  maxError: number;
  /** The first product that failed, as 'MxNxK tA tB'; null when all passed. */
  failed: string | null;
}

/**
 * Shapes that reach OpenBLAS's edge kernels (sizes that are no multiple of any register block), every transpose,
 * its matrix-vector path (M = 1) and its threaded path (> 2M multiply-adds). Together well under a millisecond.
 */
const GUARD_SHAPES: readonly [M: number, N: number, K: number, tA: boolean, tB: boolean][] = [
  [37, 45, 67, false, false],
  [33, 70, 19, true, true],
  [29, 31, 53, true, false],
  [1, 50, 40, false, true],
  [130, 131, 129, false, true],
];

/** Worst relative error a correct float32 GEMM of these sizes stays far below; a wrong kernel lands near 1. */
const GUARD_TOLERANCE = 1e-3;

/** n values in [-1, 1] that vary irregularly (a multiplicative pattern: cheaper than a seeded RNG at load time). */
function pattern(n: number, mult: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = ((i * mult + 17) % 2003) / 1001 - 1;
  return out;
}

/**
 * Runs a few GEMMs through OpenBLAS and through the portable kernel and compares them. Leaves OpenBLAS switched
 * on; the caller switches it off when the result is not ok.
 */
export function checkBlasGemm(k: GuardKernels): GuardResult {
  let maxError = 0;
  let failed: string | null = null;
  try {
    for (const [M, N, K, tA, tB] of GUARD_SHAPES) {
      const A = pattern(M * K, 7919);
      const B = pattern(K * N, 104729);
      const lda = tA ? M : K;
      const ldb = tB ? K : N;
      const fast = new Float32Array(M * N).fill(Number.NaN); // beta = 0 must overwrite stale values
      const slow = new Float32Array(M * N);
      k.useBlas(true);
      k.gemm(tA, tB, M, N, K, 1, A, lda, 0, B, ldb, 0, 0, fast, N, 0, 1);
      k.useBlas(false);
      k.gemm(tA, tB, M, N, K, 1, A, lda, 0, B, ldb, 0, 0, slow, N, 0, 1);
      let err = 0;
      for (let i = 0; i < M * N; i++) {
        const e = Math.abs(fast[i]! - slow[i]!) / Math.max(1, Math.abs(slow[i]!));
        err = Number.isNaN(e) ? Infinity : Math.max(err, e);
      }
      maxError = Math.max(maxError, err);
      if (err > GUARD_TOLERANCE && failed === null) failed = `${M}x${N}x${K}${tA ? ' tA' : ''}${tB ? ' tB' : ''}`;
    }
  } finally {
    k.useBlas(true);
  }
  return { ok: failed === null, maxError, failed };
}

/** What the addon reports about its GEMM (NativeAddon.info()). */
export interface BlasInfo {
  blas: 'openblas' | 'portable';
  blasBuilt: boolean;
  blasCore: string | null;
  blasConfig: string | null;
}

/** The native backend's GEMM after loading, for `r1 doctor`, benchmark headers and the CLI's one-time notice. */
export interface BlasStatus {
  /** The GEMM in use: 'portable' when built without OpenBLAS or when the guard switched it off. */
  gemm: 'openblas' | 'portable';
  /** OpenBLAS version from its build string (e.g. '0.3.21'); null without OpenBLAS. */
  version: string | null;
  /** openblas_get_corename() after loading (e.g. 'SkylakeX', 'Prescott'); null without OpenBLAS. */
  core: string | null;
  /** openblas_get_config(): version, build options, core. */
  config: string | null;
  request: CoreRequest | null;
  selectionOff: boolean;
  /** The best vector tier the CPU supports, and the one the loaded kernels use (null when unknown). */
  cpuTier: Tier | null;
  coreTier: Tier | null;
  guard: GuardResult | null;
  /** One sentence per slow or degraded setting, each with its fix; empty when all is well. */
  notices: string[];
}

/** Combines what the addon reports after loading with the plan, the CPU and the guard into a status. */
export function blasStatus(info: BlasInfo, plan: CorePlan, cpu: CpuFacts | null, guard: GuardResult | null): BlasStatus {
  const version = info.blasConfig ? (/OpenBLAS\s+(\d+(?:\.\d+)+)/.exec(info.blasConfig)?.[1] ?? null) : null;
  const cTier = cpu ? cpuTier(cpu) : null;
  const kTier = info.blasCore ? coreTier(info.blasCore) : null;
  const notices: string[] = [];
  const best = cpu ? chooseCoreType(cpu)?.core : undefined;
  if (!info.blasBuilt) {
    notices.push('the native addon was built without OpenBLAS: GEMMs use the portable kernel (correct, several times slower). Fix: install libopenblas-dev, then `npm rebuild`.');
  } else if (guard && !guard.ok) {
    const fix =
      plan.request?.by === 'user'
        ? `unset OPENBLAS_CORETYPE=${plan.request.core} or choose an older core type (e.g. Haswell)`
        : plan.request?.by === 'r1ts'
          ? `set R1_BLAS_SELECT=0 (OpenBLAS's own choice) or OPENBLAS_CORETYPE to an older core type (e.g. Haswell)`
          : 'set OPENBLAS_CORETYPE to an older core type (e.g. Haswell), or update OpenBLAS';
    notices.push(`OpenBLAS's ${info.blasCore ?? 'unknown'} kernels computed a wrong GEMM on this CPU (product ${guard.failed}, relative error ${guard.maxError.toExponential(1)}): this process uses the portable GEMM instead (correct, several times slower). Fix: ${fix}.`);
  } else if (cTier && kTier && TIERS.indexOf(kTier) < TIERS.indexOf(cTier)) {
    const what = `OpenBLAS runs its ${info.blasCore} kernels (${TIER_NAMES[kTier]}) but this CPU supports ${TIER_NAMES[cTier]}: GEMMs run up to several times slower.`;
    let fix: string;
    if (plan.request?.by === 'user') fix = best ? `set OPENBLAS_CORETYPE=${best} (or unset it and let r1ts choose)` : 'unset OPENBLAS_CORETYPE';
    else if (plan.selectionOff) fix = 'unset R1_BLAS_SELECT (r1ts then chooses the kernels from the CPU flags)';
    else if (plan.request?.by === 'r1ts') fix = `this OpenBLAS (${info.blasConfig ?? 'unknown build'}) did not take OPENBLAS_CORETYPE=${plan.request.core}; install an OpenBLAS built with DYNAMIC_ARCH (Debian/Ubuntu libopenblas0-pthread) or a newer one`;
    else fix = 'install an OpenBLAS built with DYNAMIC_ARCH (Debian/Ubuntu libopenblas0-pthread) or a newer one';
    notices.push(`${what} Fix: ${fix}.`);
  }
  return {
    gemm: info.blas,
    version,
    core: info.blasCore,
    config: info.blasConfig,
    request: plan.request,
    selectionOff: plan.selectionOff,
    cpuTier: cTier,
    coreTier: kTier,
    guard,
    notices,
  };
}
