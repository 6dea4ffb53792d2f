// src/cli/doctor.ts — `r1 doctor`: what a bug report needs — Node, CPU, the backend and GEMM (OpenBLAS version and
// core type), pool threads, the KV-cache default, the code sandbox's isolation, Python's torch/transformers/trl and
// node-llama-cpp — and a warning with its fix for each slow or degraded setting. The facts come from library
// probes (engineFacts is also every benchmark's header); this file only composes and prints them.

import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { engineFacts, formatEngineFacts, setNativeNoticeSink, type EngineFacts } from '../backend/index.js';
import { DEFAULT_KV_DTYPE, type KvDtype } from '../model/index.js';
import { sandboxInfo } from '../verify/code/index.js';
import { packageRoot } from '../util/package-root.js';
import { packageVersion, probePython, type PythonProbe } from '../util/probe.js';

/** Python modules the interop checks and benchmark baselines import. */
export const PYTHON_MODULES = ['torch', 'transformers', 'trl'] as const;

export interface DoctorReport {
  r1ts: string;
  engine: EngineFacts;
  kvCacheDefault: KvDtype;
  sandbox: { isolation: 'bubblewrap' | 'unshare' | 'rlimits'; reason?: string; uid: 'per-run' | 'shared' };
  python: PythonProbe;
  /** node-llama-cpp's version, null when not installed. */
  llamaCpp: string | null;
}

/** Gathers every fact (loads the native addon, probes the sandbox, imports the Python modules). */
export async function gatherDoctor(): Promise<DoctorReport> {
  const root = packageRoot();
  const [sandbox, python] = await Promise.all([sandboxInfo(), probePython(PYTHON_MODULES)]);
  return {
    r1ts: (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version,
    engine: engineFacts(),
    kvCacheDefault: DEFAULT_KV_DTYPE,
    sandbox: { isolation: sandbox.isolation, uid: sandbox.uid, ...(sandbox.reason ? { reason: sandbox.reason } : {}) },
    python,
    llamaCpp: packageVersion('node-llama-cpp', root),
  };
}

/** One warning per slow or degraded setting, each ending with its fix. */
export function doctorWarnings(r: DoctorReport): string[] {
  const w: string[] = [];
  const major = Number(/^v(\d+)/.exec(r.engine.node)?.[1] ?? 0);
  if (major < 20) w.push(`Node ${r.engine.node} is older than r1ts supports. Fix: install Node 20 or newer.`);
  const n = r.engine.native;
  if (!n.ok) w.push(`the native backend does not load (${n.error}): only the TypeScript reference engine runs, orders of magnitude slower. Fix: \`npm rebuild\` (needs g++, make and libopenblas-dev).`);
  else {
    w.push(...n.blas.notices);
    const cpus = r.engine.cpu?.usableCpus ?? 0;
    if (cpus > 0 && n.poolThreads > cpus) w.push(`the kernel pool runs ${n.poolThreads} threads on ${cpus} usable CPUs (R1_THREADS): the threads fight for cores. Fix: unset R1_THREADS or set it to ${cpus} or fewer.`);
  }
  if (r.sandbox.isolation === 'rlimits') w.push(`the code verifier's sandbox runs without namespaces (${r.sandbox.reason ?? 'unknown reason'}): only rlimits contain generated code (no network or filesystem isolation). Fix: \`apt-get install bubblewrap\` (or util-linux's unshare); in a container, allow unprivileged user namespaces.`);
  const missing = PYTHON_MODULES.filter((m) => !r.python.modules[m]?.ok);
  if (r.python.version === null) w.push(`${r.python.command} does not run: the Python interop checks and the PyTorch/transformers baselines are skipped. Fix: install python3, then \`pip install ${PYTHON_MODULES.join(' ')}\` (or set PYTHON).`);
  else if (missing.length) w.push(`${missing.join(', ')} not importable with ${r.python.command}: \`npm run check:interop\` and the PyTorch/transformers baselines of the benchmarks skip those parts. Fix: \`pip install ${missing.join(' ')}\`.`);
  if (r.llamaCpp === null) w.push('node-llama-cpp is not installed: the llama.cpp baselines and GGUF interop checks are skipped. Fix: `npm install` (it is a dev dependency).');
  return w;
}

function sandboxLine(s: DoctorReport['sandbox']): string {
  const uid = s.uid === 'per-run' ? 'a uid per run' : 'shared uid';
  if (s.isolation === 'bubblewrap') return `bubblewrap (${uid})`;
  if (s.isolation === 'unshare') return `unshare: user/mount/pid/net namespaces (${uid}; ${s.reason ?? 'chosen by option'})`;
  return `rlimits only (${s.reason ?? 'unknown reason'})`;
}

/** The report as text: aligned facts, then the warnings (or "no warnings"). */
export function formatDoctor(r: DoctorReport): string {
  const py = r.python.version === null ? `${r.python.command}: not runnable (${r.python.error ?? 'unknown'})` : `${r.python.command} ${r.python.version}: ` + PYTHON_MODULES.map((m) => {
    const p = r.python.modules[m];
    return p?.ok ? `${m} ${p.version}` : `${m} missing`;
  }).join(', ');
  const extra: [string, string][] = [
    ['kv cache', `${r.kvCacheDefault} by default for MHA/GQA models, f32 for MLA and GRPO rollouts (f16 halves the cache's memory and decode reads: GenerateOptions.kvDtype)`],
    ['sandbox', sandboxLine(r.sandbox)],
    ['python', py],
    ['llama.cpp', r.llamaCpp === null ? 'node-llama-cpp not installed' : `node-llama-cpp ${r.llamaCpp}`],
  ];
  const facts = formatEngineFacts(r.engine);
  const width = Math.max(...facts.map((l) => l.indexOf(':')), ...extra.map(([k]) => k.length)) + 1;
  const lines = [`r1ts ${r.r1ts}`, ...facts.map((l) => l.replace(/^(\S[^:]*:)\s*/, (_, k: string) => k.padEnd(width) + ' ')), ...extra.map(([k, v]) => `${(k + ':').padEnd(width)} ${v}`)];
  const warnings = doctorWarnings(r);
  lines.push('', warnings.length ? `warnings (${warnings.length}):` : 'no warnings');
  for (const x of warnings) lines.push(`  - ${x}`);
  return lines.join('\n');
}

const Flags = z.object({ json: z.boolean().default(false) });

export function register(program: Command): void {
  program
    .command('doctor')
    .description('print the machine, engine and optional tools a bug report needs, with a fix for each slow or degraded setting')
    .option('--json', 'machine-readable output (facts and warnings)')
    .action(async (raw: Record<string, unknown>) => {
      const flags = Flags.safeParse(raw);
      if (!flags.success) {
        process.stderr.write(`r1 doctor: ${z.prettifyError(flags.error)}\n`);
        process.exitCode = 2;
        return;
      }
      setNativeNoticeSink(null); // the notices are among the warnings below
      const report = await gatherDoctor();
      if (flags.data.json) process.stdout.write(JSON.stringify({ ...report, warnings: doctorWarnings(report) }, null, 2) + '\n');
      else process.stdout.write(formatDoctor(report) + '\n');
    });
}
