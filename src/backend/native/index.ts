// src/backend/native/index.ts — the native backend: binds the C++ N-API addon (native/, built by node-gyp into
// build/Release/r1_native.node) to the Backend interface. Float32Arrays pass zero-copy; the addon validates every
// length and index and throws RangeError/TypeError instead of crashing. R1_NATIVE_ADDON overrides the addon path
// (e.g. a sanitizer build). Before the addon (and with it OpenBLAS) loads, OPENBLAS_CORETYPE is chosen from the CPU
// flags unless the user set it (blas.ts); after loading, a few GEMMs are checked against the portable kernel.

import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Backend, BackendInfo } from '../../contract/kernels.js';
import { blasStatus, checkBlasGemm, CHOSEN_MARKER, planCoreType, type BlasInfo, type BlasStatus } from './blas.js';
import { readCpuFacts } from './coretype.js';

/** The raw addon: every Backend kernel plus build info and the direct cblas baseline. */
export interface NativeAddon extends Omit<Backend, 'info' | 'packLinear'> {
  /** blas: the GEMM in use; blasBuilt: built with OpenBLAS; blasCore/blasConfig: openblas_get_corename()/_config(). */
  info(): BlasInfo & { threads: number };
  /** Routes GEMMs through OpenBLAS (true) or the portable kernel (false); a no-op without OpenBLAS. */
  useBlas(on: boolean): void;
  /** Floats packLinear writes for an (N, K) weight. */
  packedLinearSize(N: number, K: number): number;
  /** out (packedLinearSize(N, K)) ← W (N, K) in the decode kernels' column-block layout. */
  packLinear(W: Float32Array, N: number, K: number, out: Float32Array): void;
  /**
   * C = op(A) op(B) + beta C (row-major, alpha 1) through the decode kernel's register tiles, packing op(B) (and op(A)
   * when transposed) on every call: the project's own GEMM that bench:gemm compares with OpenBLAS.
   */
  packedGemm(transA: boolean, transB: boolean, M: number, N: number, K: number, A: Float32Array, lda: number, B: Float32Array, ldb: number,
    beta: number, C: Float32Array, ldc: number): void;
  /** Bytes to skip in an ArrayBuffer so that a view starts 64-byte aligned. */
  alignOffset(buffer: ArrayBuffer): number;
  /**
   * A zeroed ArrayBuffer of at least `bytes` bytes on 2 MB-aligned memory advised for transparent huge pages, or null
   * where that is unavailable (not Linux, or external buffers refused).
   */
  hugeBuffer(bytes: number): ArrayBuffer | null;
  /** C = A @ B (row-major, M×K @ K×N) straight through cblas_sgemm; throws in a build without OpenBLAS. */
  cblasSgemmDirect(M: number, N: number, K: number, A: Float32Array, B: Float32Array, C: Float32Array): void;
}

/** The package root: the nearest ancestor of this file holding package.json (works from src/ and dist/). */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('native backend: package.json not found above ' + fileURLToPath(import.meta.url));
    dir = up;
  }
}

let cached: NativeAddon | null = null;

const defaulted = new Set<string>(); // a Set: a load that failed may be retried
let status: BlasStatus | null = null;
let noticeSink: ((message: string) => void) | null = null;
let noticesDelivered = false;

/**
 * Environment entries this module set for its own OpenBLAS (see loadNativeAddon); child processes that should see
 * the user's environment as it was (benchmark baselines) drop these keys.
 */
export function nativeEnvDefaults(): string[] {
  return [...defaulted];
}

/** The OpenBLAS kernel choice and guard result of this process (see blas.ts); null before the addon loads. */
export function nativeBlasStatus(): BlasStatus | null {
  return status;
}

/**
 * Where the native backend's notices go (OpenBLAS missing, kernels older than the CPU supports, the guard's
 * fallback): each is delivered once per process, when the addon loads (or at once, if it already has). The CLI
 * passes a stderr writer; library callers read nativeBlasStatus() instead.
 */
export function setNativeNoticeSink(sink: ((message: string) => void) | null): void {
  noticeSink = sink;
  deliverNotices();
}

function deliverNotices(): void {
  if (!noticeSink || !status || noticesDelivered) return;
  noticesDelivered = true;
  for (const n of status.notices) noticeSink(n);
}

/** The environment as the user had it, without nativeEnvDefaults(): for baseline processes in benchmarks. */
export function userEnv(): Record<string, string | undefined> {
  const env = { ...process.env };
  for (const k of nativeEnvDefaults()) delete env[k];
  return env;
}

/** Loads the addon once; throws with build instructions when it is missing. */
export function loadNativeAddon(): NativeAddon {
  if (cached) return cached;
  const path = process.env.R1_NATIVE_ADDON ?? join(packageRoot(), 'build', 'Release', 'r1_native.node');
  if (!existsSync(path)) {
    throw new Error(`native backend: addon not found at ${path}; build it with \`npm rebuild\` (needs g++, make and, for speed, libopenblas-dev)`);
  }
  // OpenBLAS's worker threads busy-wait for their next GEMM for 2^28 cycles (~0.1 s) by default, and on a machine
  // with as many cores as threads that spinning takes the cores from this addon's own pool in the kernels that run
  // between GEMMs (measured: attention and elementwise kernels of a training step ran 1.5-2x slower). Unless the
  // user chose a value, let them sleep after 2^4 cycles; OpenBLAS reads this once, when the library loads.
  if (process.env.OPENBLAS_THREAD_TIMEOUT === undefined) {
    process.env.OPENBLAS_THREAD_TIMEOUT = '4';
    defaulted.add('OPENBLAS_THREAD_TIMEOUT');
  }
  // OpenBLAS reads OPENBLAS_CORETYPE when the addon's dlopen loads it (process.env assignments call setenv).
  const cpu = readCpuFacts();
  const plan = planCoreType(process.env, cpu);
  if (plan.set !== undefined) {
    process.env.OPENBLAS_CORETYPE = plan.set;
    process.env[CHOSEN_MARKER] = plan.set;
    defaulted.add('OPENBLAS_CORETYPE').add(CHOSEN_MARKER);
  }
  const require = createRequire(import.meta.url);
  const addon = require(path) as NativeAddon;
  // A forced (or detected) core type that computes wrong results must not go unnoticed: the kernels cannot be
  // swapped once OpenBLAS is loaded, so this process falls back to the portable GEMM and the notice names the fix.
  const guard = addon.info().blasBuilt ? checkBlasGemm(addon) : null;
  if (guard && !guard.ok) addon.useBlas(false);
  status = blasStatus(addon.info(), plan, cpu, guard);
  cached = addon;
  deliverNotices();
  return cached;
}

/** True when the addon is built and loads. */
export function nativeAvailable(): boolean {
  try {
    loadNativeAddon();
    return true;
  } catch {
    return false;
  }
}

/** Matrices from this many floats (1 MB) up get huge pages: below, a huge page would mostly hold padding. */
const HUGE_PAGE_MIN_FLOATS = 1 << 18;

/**
 * A zeroed buffer of n floats for packed decode weights: on huge pages when the matrix is large enough (the decode
 * GEMMs stream every weight once per step, and 4 KB pages cost a TLB miss and a prefetcher restart every 4 KB), else
 * an ordinary Float32Array.
 */
function packedBuffer(a: NativeAddon, n: number): Float32Array {
  const huge = n >= HUGE_PAGE_MIN_FLOATS ? a.hugeBuffer(n * 4) : null;
  return huge ? new Float32Array(huge, 0, n) : new Float32Array(n);
}

/** Creates the native backend (the addon is loaded on first use and shared). */
export function createNativeBackend(): Backend {
  const a = loadNativeAddon();
  const raw = a.info();
  const info: BackendInfo = { name: 'native', blas: raw.blas, threads: raw.threads, ...(raw.blasCore ? { blasCore: raw.blasCore } : {}) };
  return {
    info,
    gemm: a.gemm,
    unary: a.unary,
    unaryBackward: a.unaryBackward,
    binary: a.binary,
    strided: a.strided,
    reduce: a.reduce,
    where: a.where,
    softmax: a.softmax,
    softmaxBackward: a.softmaxBackward,
    crossEntropy: a.crossEntropy,
    crossEntropyBackward: a.crossEntropyBackward,
    indexSelect: a.indexSelect,
    indexAdd: a.indexAdd,
    rmsnorm: a.rmsnorm,
    rmsnormBackward: a.rmsnormBackward,
    layernorm: a.layernorm,
    layernormBackward: a.layernormBackward,
    rope: a.rope,
    swiglu: a.swiglu,
    swigluBackward: a.swigluBackward,
    topk: a.topk,
    attention: a.attention,
    attentionBackward: a.attentionBackward,
    decodeAttention: a.decodeAttention,
    decodeLayer: a.decodeLayer,
    decodeLayers: a.decodeLayers,
    toF16: a.toF16,
    sampleRows: a.sampleRows,
    fromF16: a.fromF16,
    packLinear: (W: Float32Array, N: number, K: number, out?: Float32Array): Float32Array => {
      const dst = out ?? packedBuffer(a, a.packedLinearSize(N, K));
      a.packLinear(W, N, K, dst);
      return dst;
    },
    decodeLogits: a.decodeLogits,
    hugeBuffer: a.hugeBuffer,
    adamw: a.adamw,
    sumSquares: a.sumSquares,
    fill: a.fill,
    allocate: (n: number): Float32Array => {
      // ArrayBuffer backing stores never move, so an aligned view stays aligned.
      const buf = new ArrayBuffer(n * 4 + 64);
      return new Float32Array(buf, a.alignOffset(buf), n);
    },
  };
}
