// src/cli/doctor.test.ts — `r1 doctor`: warnings with fixes from synthetic reports, and the real command's text and
// JSON output (spawned: tsx from source, node from dist).

import test from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { doctorWarnings, formatDoctor, type DoctorReport } from './doctor.js';
import { blasStatus, planCoreType } from '../backend/native/blas.js';
import { chooseCoreType, parseCpuInfo, readCpuFacts } from '../backend/native/coretype.js';

const cpuText = 'processor\t: 0\nprocessor\t: 1\nvendor_id\t: GenuineIntel\ncpu family\t: 6\nmodel\t\t: 207\nmodel name\t: Test Xeon\nflags\t\t: sse2 avx avx2 fma avx512f avx512cd avx512bw avx512dq avx512vl\n';
const cpu = parseCpuInfo(cpuText);
const passed = { ok: true, maxError: 1e-7, failed: null };

function report(over: { core?: string; env?: NodeJS.ProcessEnv; sandbox?: DoctorReport['sandbox']; python?: DoctorReport['python']; llamaCpp?: string | null; threads?: number; nativeError?: string } = {}): DoctorReport {
  const core = over.core ?? 'SkylakeX';
  const blas = blasStatus({ blas: 'openblas', blasBuilt: true, blasCore: core, blasConfig: `OpenBLAS 0.3.21 NO_LAPACKE DYNAMIC_ARCH NO_AFFINITY ${core} MAX_THREADS=64` }, planCoreType(over.env ?? {}, cpu), cpu, passed);
  return {
    r1ts: '0.1.0',
    engine: {
      node: 'v20.20.2',
      os: 'linux 6.1 x64',
      cpu: { modelName: 'Test Xeon', vendor: 'GenuineIntel', family: 6, model: 207, logicalCpus: 2, usableCpus: 2, tier: 'avx512', flags: ['avx2', 'fma', 'avx512f'] },
      native: over.nativeError ? { ok: false, error: over.nativeError } : { ok: true, gemm: 'openblas', poolThreads: over.threads ?? 2, blas },
      env: [{ key: 'OPENBLAS_CORETYPE', value: core, byR1ts: !over.env?.OPENBLAS_CORETYPE }],
    },
    kvCacheDefault: 'f32',
    sandbox: over.sandbox ?? { isolation: 'bubblewrap', uid: 'per-run' },
    python: over.python ?? { command: 'python3', version: '3.11.2', modules: { torch: { ok: true, version: '2.5.1' }, transformers: { ok: true, version: '4.46.0' }, trl: { ok: true, version: '0.12.0' } } },
    llamaCpp: over.llamaCpp === undefined ? '3.22.1' : over.llamaCpp,
  };
}

test('a healthy setup prints every fact and no warnings', () => {
  const r = report();
  assert.deepEqual(doctorWarnings(r), []);
  const text = formatDoctor(r);
  for (const re of [/^r1ts 0\.1\.0$/m, /^node: +v20\.20\.2 on linux/m, /^cpu: +Test Xeon \(GenuineIntel family 6 model 207\), 2 logical CPUs/m, /^cpu flags: +avx2 fma avx512f; best vector tier avx512/m, /^backend: +native, GEMM openblas, pool threads 2/m, /^blas: +OpenBLAS 0\.3\.21, SkylakeX kernels \(chosen by r1ts for GenuineIntel CPU with AVX-512/m, /^env: +OPENBLAS_CORETYPE=SkylakeX \(r1ts default\)/m, /^kv cache: +f32 by default/m, /^sandbox: +bubblewrap/m, /^python: +python3 3\.11\.2: torch 2\.5\.1, transformers 4\.46\.0, trl 0\.12\.0/m, /^llama\.cpp: +node-llama-cpp 3\.22\.1/m, /^no warnings$/m]) {
    assert.match(text, re);
  }
});

test('the cpu line names the CPUs this process may use when a taskset or cpuset allows fewer', () => {
  const r = report();
  const narrowed = { ...r, engine: { ...r.engine, cpu: { ...r.engine.cpu!, logicalCpus: 16, usableCpus: 2 } } };
  assert.match(formatDoctor(narrowed), /^cpu: +Test Xeon \(GenuineIntel family 6 model 207\), 16 logical CPUs, 2 usable by this process$/m);
  assert.doesNotMatch(formatDoctor(r), /usable by this process/);
  // Three pool threads on two usable CPUs (of 16) is the oversubscription the warning is for.
  const over = { ...narrowed, engine: { ...narrowed.engine, native: { ...(narrowed.engine.native as Extract<DoctorReport['engine']['native'], { ok: true }>), poolThreads: 3 } } };
  assert.match(doctorWarnings(over).join('\n'), /3 threads on 2 usable CPUs/);
});

test('each degraded setting gets a warning that names its fix', () => {
  const cases: [Parameters<typeof report>[0], RegExp][] = [
    [{ core: 'Prescott', env: { OPENBLAS_CORETYPE: 'Prescott' } }, /Prescott kernels \(SSE\) but this CPU supports AVX-512.*Fix: set OPENBLAS_CORETYPE=SkylakeX/],
    [{ nativeError: 'addon not found' }, /native backend does not load \(addon not found\).*Fix: `npm rebuild`/],
    [{ threads: 8 }, /8 threads on 2 usable CPUs.*Fix: unset R1_THREADS/],
    [{ sandbox: { isolation: 'rlimits', uid: 'shared', reason: 'bwrap not found' } }, /without namespaces \(bwrap not found\).*Fix: `apt-get install bubblewrap`/],
    [{ python: { command: 'python3', version: '3.11.2', modules: { torch: { ok: true, version: '2.5.1' }, transformers: { ok: false, error: 'ModuleNotFoundError' }, trl: { ok: false, error: 'ModuleNotFoundError' } } } }, /^transformers, trl not importable with python3.*Fix: `pip install transformers trl`/],
    [{ python: { command: 'python3', version: null, error: 'ENOENT', modules: {} } }, /python3 does not run.*Fix: install python3/],
    [{ llamaCpp: null }, /node-llama-cpp is not installed.*Fix: `npm install`/],
  ];
  // The unshare backend isolates as bubblewrap does: named in the facts, not a warning.
  const viaUnshare = report({ sandbox: { isolation: 'unshare', uid: 'per-run', reason: 'bwrap (bubblewrap) not found on PATH' } });
  assert.deepEqual(doctorWarnings(viaUnshare).filter((x) => /sandbox/.test(x)), []);
  assert.match(formatDoctor(viaUnshare), /sandbox:\s+unshare: user\/mount\/pid\/net namespaces \(a uid per run; bwrap \(bubblewrap\) not found on PATH\)/);
  for (const [over, re] of cases) {
    const w = doctorWarnings(report(over));
    assert.equal(w.length, 1, JSON.stringify(w));
    assert.match(w[0]!, re);
    assert.match(formatDoctor(report(over)), /^warnings \(1\):\n {2}- /m);
  }
});

const fromSource = import.meta.url.endsWith('.ts');
const main = fileURLToPath(new URL(fromSource ? './main.ts' : './main.js', import.meta.url));
function r1(args: string[], env: NodeJS.ProcessEnv) {
  const r = spawnSync(process.execPath, [...(fromSource ? ['--import', 'tsx'] : []), main, ...args], { encoding: 'utf8', timeout: 180_000, env });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('r1 doctor prints the facts and warnings; --json carries the same; a user core type older than the CPU is flagged (and r1 demo says so once on stderr)', () => {
  const { OPENBLAS_CORETYPE: _a, R1_BLAS_SELECT: _b, R1_BLAS_CHOSEN: _c, ...env } = process.env;
  const text = r1(['doctor'], env);
  assert.equal(text.code, 0, text.stderr);
  for (const key of ['node', 'cpu', 'backend', 'blas', 'env', 'kv cache', 'sandbox', 'python', 'llama.cpp']) assert.match(text.stdout, new RegExp(`^${key.replace('.', '\\.')}: `, 'm'), key);
  assert.match(text.stdout, /^(no warnings|warnings \(\d+\):)$/m);
  const json = r1(['doctor', '--json'], env);
  assert.equal(json.code, 0, json.stderr);
  const r = JSON.parse(json.stdout) as DoctorReport & { warnings: string[] };
  assert.equal(r.engine.node, process.version);
  assert.equal(r.kvCacheDefault, 'f16');
  if (r.python.version !== null) assert.deepEqual(Object.keys(r.python.modules), ['torch', 'transformers', 'trl']);
  const count = /^warnings \((\d+)\):$/m.exec(text.stdout)?.[1];
  assert.equal(r.warnings.length, count ? Number(count) : 0);
  // The user's Prescott on a CPU with AVX2 or better: flagged in doctor's warnings, not also on stderr.
  const best = chooseCoreType(readCpuFacts() ?? parseCpuInfo(''));
  if (!r.engine.native.ok || r.engine.native.blas.core === null || !r.engine.native.blas.config?.includes('DYNAMIC_ARCH') || !best) return;
  const slow = r1(['doctor'], { ...env, OPENBLAS_CORETYPE: 'Prescott' });
  assert.equal(slow.code, 0, slow.stderr);
  assert.match(slow.stdout, /^blas: +OpenBLAS [\d.]+, Prescott kernels \(OPENBLAS_CORETYPE=Prescott set by the user; GEMM check passed\)/m);
  assert.match(slow.stdout, new RegExp(`Prescott kernels \\(SSE\\) but this CPU supports .*Fix: set OPENBLAS_CORETYPE=${best.core}`));
  assert.doesNotMatch(slow.stderr, /Prescott/);
  // Other commands print the notice once, on stderr, when the engine loads.
  const demo = r1(['demo', '--steps', '2'], { ...env, OPENBLAS_CORETYPE: 'Prescott' });
  assert.equal(demo.code, 0, demo.stderr);
  assert.equal(demo.stderr.match(/^r1: OpenBLAS runs its Prescott kernels/gm)?.length, 1, demo.stderr);
});
