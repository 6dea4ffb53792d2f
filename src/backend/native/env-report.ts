// src/backend/native/env-report.ts — the machine and engine facts a benchmark header or a bug report needs: Node,
// OS, CPU model and vector flags, the backend and GEMM in use, OpenBLAS version and core type (and who chose it),
// pool threads, the thread/BLAS environment variables. `r1 doctor` prints them with more; every bench/ header prints
// formatEngineFacts(), so figures from different machines can be compared honestly.

import { arch, availableParallelism, platform, release } from 'node:os';
import type { BlasStatus } from './blas.js';
import { cpuTier, readCpuFacts, type CpuFacts, type Tier } from './coretype.js';
import { loadNativeAddon, nativeBlasStatus, nativeEnvDefaults } from './index.js';

/** Flags worth showing in a report (the GEMM-relevant vector extensions), in this order, when the CPU lists them. */
const SHOWN_FLAGS = ['sse4_2', 'avx', 'avx2', 'fma', 'f16c', 'avx512f', 'avx512bw', 'avx512dq', 'avx512vl', 'avx512_vnni', 'avx512_bf16', 'avx512_fp16', 'amx_tile', 'amx_bf16', 'asimd', 'sve'];

/** Environment variables that change engine speed; reported when set. */
const ENV_KEYS = ['OPENBLAS_CORETYPE', 'OPENBLAS_NUM_THREADS', 'OPENBLAS_THREAD_TIMEOUT', 'OMP_NUM_THREADS', 'R1_THREADS', 'R1_BLAS_SELECT', 'R1_NATIVE_ADDON', 'UV_THREADPOOL_SIZE'];

export interface EngineFacts {
  node: string;
  os: string;
  cpu: { modelName: string; vendor: string; family: number | null; model: number | null; logicalCpus: number; /** CPUs this process may run on (taskset, a container's cpuset): what the pool sizes itself by. */ usableCpus: number; tier: Tier; flags: string[] } | null;
  /** The native backend, or why it is unavailable (then the TypeScript reference backend is what runs). */
  native: { ok: true; gemm: 'openblas' | 'portable'; poolThreads: number; blas: BlasStatus } | { ok: false; error: string };
  /** Speed-relevant variables as set in this process; `byR1ts` when the native backend set them itself. */
  env: { key: string; value: string; byR1ts: boolean }[];
}

/** Gathers the facts (loads the native addon when it is built). */
export function engineFacts(cpu: CpuFacts | null = readCpuFacts()): EngineFacts {
  let native: EngineFacts['native'];
  try {
    const addon = loadNativeAddon();
    const info = addon.info();
    native = { ok: true, gemm: info.blas, poolThreads: info.threads, blas: nativeBlasStatus()! };
  } catch (err) {
    native = { ok: false, error: (err as Error).message };
  }
  const defaults = nativeEnvDefaults();
  return {
    node: process.version,
    os: `${platform()} ${release()} ${arch()}`,
    cpu: cpu && {
      modelName: cpu.modelName,
      vendor: cpu.vendor,
      family: cpu.family,
      model: cpu.model,
      logicalCpus: cpu.logicalCpus,
      usableCpus: availableParallelism(),
      tier: cpuTier(cpu),
      flags: SHOWN_FLAGS.filter((f) => cpu.flags.has(f)),
    },
    native,
    env: ENV_KEYS.filter((k) => process.env[k] !== undefined).map((k) => ({ key: k, value: process.env[k]!, byR1ts: defaults.includes(k) })),
  };
}

/** The OpenBLAS part of a report line: "OpenBLAS 0.3.21, SkylakeX kernels (chosen by r1ts: ...)". */
export function describeBlas(b: BlasStatus): string {
  if (b.core === null) return 'portable GEMM (built without OpenBLAS)';
  const who = b.request === null ? (b.selectionOff ? 'OpenBLAS detected, R1_BLAS_SELECT=0' : 'OpenBLAS detected') : b.request.by === 'user' ? `OPENBLAS_CORETYPE=${b.request.core} set by the user` : `chosen by r1ts for ${b.request.reason}`;
  const guard = b.guard ? (b.guard.ok ? 'GEMM check passed' : `GEMM check FAILED, using the portable GEMM`) : 'GEMM check not run';
  return `OpenBLAS ${b.version ?? '(unknown version)'}, ${b.core} kernels (${who}; ${guard})`;
}

/** The facts as aligned "name: value" lines (benchmark headers print these verbatim). */
export function formatEngineFacts(f: EngineFacts): string[] {
  const lines: [string, string][] = [
    ['node', `${f.node} on ${f.os}`],
    ['cpu', f.cpu ? `${f.cpu.modelName || 'unknown model'} (${f.cpu.vendor || 'unknown vendor'} family ${f.cpu.family ?? '?'} model ${f.cpu.model ?? '?'}), ${f.cpu.logicalCpus} logical CPUs${f.cpu.usableCpus !== f.cpu.logicalCpus ? `, ${f.cpu.usableCpus} usable by this process` : ''}` : 'unknown (no /proc/cpuinfo)'],
  ];
  if (f.cpu) lines.push(['cpu flags', `${f.cpu.flags.join(' ') || '(none of the vector flags)'}; best vector tier ${f.cpu.tier}`]);
  if (f.native.ok) {
    lines.push(['backend', `native, GEMM ${f.native.gemm}, pool threads ${f.native.poolThreads}`]);
    lines.push(['blas', describeBlas(f.native.blas)]);
  } else lines.push(['backend', `native unavailable (${f.native.error}); the TypeScript reference backend runs`]);
  lines.push(['env', f.env.length ? f.env.map((e) => `${e.key}=${e.value}${e.byR1ts ? ' (r1ts default)' : ''}`).join(', ') : '(no engine variables set)']);
  const w = Math.max(...lines.map(([k]) => k.length));
  return lines.map(([k, v]) => `${(k + ':').padEnd(w + 1)} ${v}`);
}
