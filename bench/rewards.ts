// bench/rewards.ts — `npm run bench:rewards`: reward samples per second through `r1 serve-rewards` over HTTP (a
// child process on a loopback port, driven by autocannon) at 1, 8 and 64 concurrent clients, against the
// in-process rates measured in the same run: the bare MathVerifier with 2 workers (as `bench:verify`) and the
// trainer's composite (buildReward + scoreRewards) over the same samples, with the CPU each path spends per sample.
// Math: MATH-500 reference answers in R1-Zero form, as the gold verbatim and in $…$; code: the built-in problems'
// reference solutions, run in the sandbox.
//
//   npm run bench:rewards                       the rate table
//   npm run bench:rewards -- --hostile 10000    the issue's load target: 10,000 requests mixing hostile samples
//   options: --requests N (math samples per level, default 24000), --batches 1,16,128 (samples per request), --code-requests N (default 48), --skip-code
//   (the code rows also skip, with a message, where no namespace sandbox works: the service refuses to reward code
//   under rlimits alone)

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { printBenchHeader } from './header.js';
import { resolveDataDir } from '../src/tasks/benchmarks/data-dir.js';
import { benchmarkTask } from '../src/tasks/benchmarks/index.js';
import { CODE_PROBLEMS, createCodeTask } from '../src/tasks/code/index.js';
import { PYTHON_REFERENCES } from '../src/tasks/code/references.js';
import { buildReward, scoreRewards } from '../src/train/grpo/rewards.js';
import type { RewardSpec } from '../src/train/config.js';
import type { RewardSample } from '../src/reward/index.js';
import { MathVerifier, type PoolStats } from '../src/verify/math/index.js';
import { Gate } from '../src/serve/rewards/scorer.js';
import { sandboxInfo } from '../src/verify/code/index.js';
import { packageRoot } from '../src/util/package-root.js';
import { Rng } from '../src/util/rng.js';
import { packageVersion } from '../src/util/probe.js';
import { positiveIntArg, positiveIntListArg } from './args.js';
import { warmUntilSteady } from './warm.js';

const arg = positiveIntArg;
const MATH_REQUESTS = arg('requests', 24000);
const CODE_REQUESTS = arg('code-requests', 48);
const HOSTILE = process.argv.includes('--hostile') ? arg('hostile', 10_000) : 0;
const WORKERS = 2;
/** Server processes (`r1 serve-rewards --procs`), sharing the WORKERS math workers. */
const PROCS = arg('procs', 1);
/** Samples per request of the math rows (16 is a small trainer batch; OpenRLHF and verl's batch manager send a whole batch). */
const BATCHES = positiveIntListArg('batches', [1, 16, 128]);
/** Why the code rows are skipped (--skip-code, or no namespace sandbox: the service refuses code under rlimits alone); null when they run. */
const SKIP_CODE: string | null = await (async () => {
  if (process.argv.includes('--skip-code')) return '--skip-code';
  const sandbox = await sandboxInfo();
  return sandbox.isolation === 'rlimits' ? `no namespace sandbox works here: ${sandbox.reason ?? 'unknown reason'}` : null;
})();
/** Both sides are warmed to their steady state (bench/warm.ts) in passes of this many samples before anything is timed. */
const WARM_PASS = 6000;
const warmText = (rates: number[]): string => rates.map((r) => r.toFixed(0)).join(' → ');
const CLIENTS = [1, 8, 64];
const SPECS: RewardSpec[] = [
  { name: 'accuracy', weight: 1 },
  { name: 'format', weight: 1, style: 'r1-zero' },
];

const file = join(resolveDataDir(), 'math500-test.jsonl');
if (!existsSync(file)) {
  process.stderr.write(`bench/rewards: ${file} not found (set R1_DATA_DIR to the folder holding math500-test.jsonl)\n`);
  process.exit(1);
}
const rows = readFileSync(file, 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '')
  .map((l) => JSON.parse(l) as { problem: string; answer: string });
const PROMPT = 'A conversation between User and Assistant. User: solve it. Assistant:';
const mathSamples = rows.map((r) => ({ prompt: PROMPT, completion: `<think> worked out </think> <answer> ${r.answer} </answer>`, gold: r.answer }));
/** The same answers in dollars: all equivalent, none verbatim, so each check goes to a worker. */
const dollarSamples = rows.map((r) => ({ prompt: PROMPT, completion: `<think> worked out </think> <answer> $${r.answer}$ </answer>`, gold: r.answer }));
const codeSamples = CODE_PROBLEMS.filter((p) => PYTHON_REFERENCES[p.slug] !== undefined).map((p) => ({
  prompt: PROMPT,
  completion: `<think> write it </think> <answer>\n\`\`\`python\n${PYTHON_REFERENCES[p.slug] as string}\n\`\`\`\n</answer>`,
  tests: p.tests,
}));

// ---- the server: `r1 serve-rewards` in a child process ----
async function startService(): Promise<{ child: ChildProcess; url: string }> {
  const main = join(packageRoot(), 'dist', 'src', 'cli', 'main.js');
  const child = spawn(process.execPath, [main, 'serve-rewards', '--port', '0', '--workers', String(WORKERS), '--procs', String(PROCS), '--reward', 'accuracy', '--reward', 'format', '--max-queue', '100000'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/[^\s]+)/.exec(out);
      if (m) resolve(m[1] as string);
    });
    child.on('exit', (code) => reject(new Error(`r1 serve-rewards exited (${code}) before listening`)));
  });
  // A first pass over each workload's samples; the warm-up to steady state runs per request shape (httpWarm).
  for (const samples of [mathSamples, dollarSamples]) {
    for (let k = 0; k < samples.length; k += 50) {
      await fetch(`${url}/v1/rewards`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ samples: samples.slice(k, k + 50) }) });
    }
  }
  return { child, url };
}

/** The server processes: the one started and, with --procs, those it started. */
function serverPids(pid: number): number[] {
  let list = '';
  try {
    list = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8');
  } catch {
    return []; // ended meanwhile
  }
  const children = list.split(' ').filter((x) => x.trim() !== '').map(Number);
  return [pid, ...children.flatMap(serverPids)];
}

/** Resident memory of the server and its child processes; a child that ended meanwhile (or a zombie, which has no VmRSS) counts 0. */
function rssMb(pid: number): number {
  return serverPids(pid).reduce((a, p) => {
    let status = '';
    try {
      status = readFileSync(`/proc/${p}/status`, 'utf8');
    } catch {
      return a;
    }
    const m = /VmRSS:\s+(\d+) kB/.exec(status);
    return a + (m ? Number(m[1]) / 1024 : 0);
  }, 0);
}

/**
 * CPU seconds so far of the server: its main threads (the event loops) and all of it (math workers, GC threads), over
 * the process and, with --procs, the server processes it started.
 */
function serverCpu(pid: number): { main: number; all: number } {
  // Fields 14 and 15 of /proc/.../stat (utime, stime) in clock ticks of 1/100 s; the name field has no spaces here.
  const ticks = (file: string): number => {
    let f: string[];
    try {
      f = readFileSync(file, 'utf8').split(' ');
    } catch {
      return 0; // a child process that ended meanwhile
    }
    return (Number(f[13]) + Number(f[14])) / 100;
  };
  return serverPids(pid).reduce((a, p) => ({ main: a.main + ticks(`/proc/${p}/task/${p}/stat`), all: a.all + ticks(`/proc/${p}/stat`) }), { main: 0, all: 0 });
}

interface HttpLine {
  clients: number;
  samplesPerSecond: number;
  p50: number;
  p99: number;
  errors: number;
  /** CPU milliseconds per sample: the server's event loop, the rest of the server (math workers, GC), the load generator. */
  cpu: { main: number; rest: number; client: number };
  /** Checks per message to a math worker over the run (null when none went to a worker). */
  batch: number | null;
}

/** The math pool's counters, summed over the server processes when there are several. */
async function poolStats(url: string): Promise<PoolStats> {
  const h = (await (await fetch(`${url}/health`)).json()) as { mathPool: PoolStats; processes?: { mathPool: PoolStats }[] };
  if (h.processes === undefined) return h.mathPool;
  const sum = (k: 'batches' | 'batchedChecks' | 'replaced' | 'replacedWarm'): number => h.processes?.reduce((a, p) => a + p.mathPool[k], 0) ?? 0;
  return { ...h.mathPool, batches: sum('batches'), batchedChecks: sum('batchedChecks'), replaced: sum('replaced'), replacedWarm: sum('replacedWarm') };
}

/** `amount` requests of `batch` samples each, cycling through `samples`, from `clients` connections. */
async function drive(url: string, pid: number, samples: readonly object[], clients: number, amount: number, batch: number): Promise<HttpLine> {
  let next = 0;
  // Every body holds exactly `batch` samples (cycling), so that requests × batch counts what was scored.
  const bodies = Array.from({ length: Math.ceil(samples.length / batch) }, (_, k) => JSON.stringify({ samples: Array.from({ length: batch }, (_, j) => samples[(k * batch + j) % samples.length]) }));
  const pool0 = await poolStats(url);
  const cpu0 = serverCpu(pid);
  const own0 = process.cpuUsage();
  const t = performance.now();
  let last = t;
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const run = autocannon(
      {
        url,
        connections: clients,
        amount: Math.max(amount, clients), // autocannon wants at least one request per connection
        timeout: 120,
        requests: [{ method: 'POST', path: '/v1/rewards', headers: { 'content-type': 'application/json' }, setupRequest: (req) => ({ ...req, body: bodies[next++ % bodies.length] as string }) }],
      },
      (err, res) => (err ? reject(err) : resolve(res)),
    );
    run.on('response', () => (last = performance.now()));
  });
  // Timed to the last answer: autocannon itself finishes only at its next 1-second sampling tick, so timing until it
  // resolves (as this bench did before) rounds every run up to whole seconds.
  const seconds = (last - t) / 1000;
  const cpu1 = serverCpu(pid);
  const own = process.cpuUsage(own0);
  const pool1 = await poolStats(url);
  const messages = pool1.batches - pool0.batches;
  const ok = result['2xx'];
  const perSample = (s: number): number => (1000 * s) / Math.max(1, ok * batch);
  return {
    clients, samplesPerSecond: (ok * batch) / seconds, p50: result.latency.p50, p99: result.latency.p99, errors: result.non2xx + result.errors + result.timeouts,
    cpu: { main: perSample(cpu1.main - cpu0.main), rest: perSample(cpu1.all - cpu1.main - (cpu0.all - cpu0.main)), client: perSample((own.user + own.system) / 1e6) },
    batch: messages > 0 ? (pool1.batchedChecks - pool0.batchedChecks) / messages : null,
  };
}

/** In-process rates and CPU milliseconds per sample (the whole process: event loop, workers, GC). */
async function inProcessMath(samples: typeof mathSamples): Promise<{ verifier: number; composite: number; verifierCpu: number; compositeCpu: number; warm: number[] }> {
  const verifier = new MathVerifier({ workers: WORKERS });
  await verifier.warm(); // workers and the spare up: start-up is not part of the rate
  const task = benchmarkTask('math500', { verifier });
  const reward = buildReward(SPECS, 1024);
  const n = MATH_REQUESTS;
  const pick = (k: number) => samples[k % samples.length] as (typeof samples)[number];
  const warm = await warmUntilSteady(async () => {
    const t0 = performance.now();
    await Promise.all(Array.from({ length: WARM_PASS }, (_, k) => verifier.verify(pick(k).gold, pick(k).completion)));
    return WARM_PASS / ((performance.now() - t0) / 1000);
  });
  const cpuMs = (c: NodeJS.CpuUsage): number => (c.user + c.system) / 1000 / n;
  let cpu = process.cpuUsage();
  let t = performance.now();
  await Promise.all(Array.from({ length: n }, (_, k) => verifier.verify(pick(k).gold, pick(k).completion)));
  const bare = n / ((performance.now() - t) / 1000);
  const verifierCpu = cpuMs(process.cpuUsage(cpu));
  const rs: RewardSample[] = Array.from({ length: n }, (_, k) => ({ prompt: PROMPT, completion: pick(k).completion, item: { id: String(k), question: '', gold: pick(k).gold }, task }));
  // The composite's own path (completion parsing, format, the fast path) on the caller's thread warms too.
  await warmUntilSteady(async () => {
    const t0 = performance.now();
    await scoreRewards(reward, rs.slice(0, WARM_PASS));
    return WARM_PASS / ((performance.now() - t0) / 1000);
  });
  cpu = process.cpuUsage();
  t = performance.now();
  await scoreRewards(reward, rs);
  const composite = n / ((performance.now() - t) / 1000);
  const compositeCpu = cpuMs(process.cpuUsage(cpu));
  await verifier.close();
  return { verifier: bare, composite, verifierCpu, compositeCpu, warm };
}

async function inProcessCode(): Promise<number> {
  const task = createCodeTask({ concurrency: 1 });
  const gate = new Gate(WORKERS); // the service's bound: `workers` programs at once
  const gated = { ...task, check: (item: Parameters<typeof task.check>[0], c: string) => gate.run(() => task.check(item, c)) };
  const reward = buildReward(SPECS, 1024);
  const rs: RewardSample[] = Array.from({ length: CODE_REQUESTS }, (_, k) => {
    const s = codeSamples[k % codeSamples.length] as (typeof codeSamples)[number];
    const io = s.tests.every((x) => x.kind === 'stdio') ? 'stdio' : 'call';
    return { prompt: PROMPT, completion: s.completion, item: { id: String(k), question: '', gold: '', meta: { tests: s.tests, io } }, task: gated };
  });
  const t = performance.now();
  const scored = await scoreRewards(reward, rs);
  if (scored.components['accuracy']?.some((x) => x !== 1)) throw new Error('bench/rewards: a reference solution failed its tests');
  return CODE_REQUESTS / ((performance.now() - t) / 1000);
}

async function hostileRun(url: string, pid: number, n: number): Promise<void> {
  const rng = new Rng(10_000);
  const TOWER = '<think> t </think> <answer> $9^{9^{9^{9}}}$ </answer>';
  const BOMB = '<think> b </think> <answer>\n```python\nimport os\nwhile True:\n    os.fork()\n```\n</answer>';
  const kinds: string[] = [];
  const bodies = Array.from({ length: 200 }, (_, k) => {
    // The mix by position, so that its shares are exact (random draws over 200 bodies once left out the bombs):
    // of every 50 bodies, 1 tower, 1 fork bomb, 8 garbage, 5 malformed, 35 normal.
    const r = k % 50;
    const kind = r === 0 ? 'tower' : r === 25 ? 'fork bomb' : r <= 8 ? 'garbage' : r <= 13 ? 'malformed' : 'normal';
    kinds.push(kind);
    const g = String(rng.int(1, 999));
    const own =
      kind === 'tower' ? { prompt: PROMPT, completion: TOWER, gold: `x+${g}` }
      : kind === 'fork bomb' ? { prompt: PROMPT, completion: BOMB, tests: [{ kind: 'stdio', input: '', output: 'x' }] }
      : kind === 'garbage' ? { prompt: PROMPT, completion: '\\frac{'.repeat(3000) + '<answer>'.repeat(1000), gold: g }
      : kind === 'malformed' ? '{"samples": [{"prompt": 1'
      : dollarSamples[k % dollarSamples.length];
    // Normal samples in $…$: each is checked on a worker, so they share the workers with the pathological ones.
    return typeof own === 'string' ? own : JSON.stringify({ samples: [own, dollarSamples[(k + 1) % dollarSamples.length]] });
  });
  // Driven by 64 fetch loops (keep-alive) rather than autocannon, so that every request's answer is accounted for.
  let next = 0;
  const before = rssMb(pid);
  let peak = before;
  const statusCounts = new Map<string, number>();
  const latencies: number[] = [];
  const slowest = new Map<string, number>();
  const t = performance.now();
  await Promise.all(
    Array.from({ length: 64 }, async () => {
      while (next < n) {
        const at = next++ % bodies.length;
        const body = bodies[at] as string;
        const t0 = performance.now();
        let key: string;
        try {
          const r = await fetch(`${url}/v1/rewards`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
          const text = await r.text();
          JSON.parse(text); // every answer, errors included, is JSON
          key = String(r.status);
        } catch (e) {
          key = `error (${(e as Error).message})`;
        }
        const ms = performance.now() - t0;
        latencies.push(ms);
        slowest.set(kinds[at] as string, Math.max(ms, slowest.get(kinds[at] as string) ?? 0));
        statusCounts.set(key, (statusCounts.get(key) ?? 0) + 1);
        if (latencies.length % 500 === 0) peak = Math.max(peak, rssMb(pid));
      }
    }),
  );
  const seconds = (performance.now() - t) / 1000;
  latencies.sort((a, b) => a - b);
  const q = (p: number): number => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] as number;
  const health = { queued: ((await (await fetch(`${url}/health`)).json()) as { queued: number }).queued, mathPool: await poolStats(url) };
  const statuses = [...statusCounts].map(([k, v]) => `${k}: ${v}`).join(', ');
  process.stdout.write(`\nhostile load: ${n} requests from 64 clients (2% pathological LaTeX, 2% fork bombs, 16% garbage LaTeX/tags, 10% malformed JSON; the rest and every request's second sample normal, in $…$)\n`);
  process.stdout.write(`  finished in ${seconds.toFixed(1)} s; answers: ${statuses}\n`);
  process.stdout.write(`  latency p50 ${q(0.5).toFixed(0)} ms, p99 ${q(0.99).toFixed(0)} ms, max ${(latencies.at(-1) ?? 0).toFixed(0)} ms; server RSS ${before.toFixed(0)} MB before, ${peak.toFixed(0)} MB peak, ${rssMb(pid).toFixed(0)} MB after; queue after: ${health.queued}\n`);
  process.stdout.write(`  slowest answer by the request's own sample: ${[...slowest].map(([k, v]) => `${k} ${v.toFixed(0)} ms`).join(', ')}\n`);
  process.stdout.write(`  math workers replaced at a deadline or crash: ${health.mathPool.replaced}, of which by a warm spare at once: ${health.mathPool.replacedWarm}\n`);
}

printBenchHeader('r1ts reward-service bench');
process.stdout.write(`fastify ${packageVersion('fastify') ?? '?'}, autocannon ${packageVersion('autocannon') ?? '?'}; server: r1 serve-rewards --workers ${WORKERS}${PROCS > 1 ? ` --procs ${PROCS}` : ''} (child process), rewards accuracy + format\n\n`);
const load0 = loadavg()[0] as number;
const service = await startService();
try {
  if (HOSTILE > 0) {
    await hostileRun(service.url, service.child.pid as number, HOSTILE);
  } else {
    // The baselines are measured before and after the HTTP runs, and the faster of each is kept: on a shared
    // machine this makes the HTTP ratios conservative. Two math workloads: answers that are the gold verbatim (the
    // math check's fast path answers them without a worker round trip) and the same answers in $…$ (each goes to a
    // worker); each HTTP row is compared with the in-process rates on its own workload.
    const workloads = { verbatim: mathSamples, dollars: dollarSamples } as const;
    type Workload = keyof typeof workloads;
    const inProc0 = { verbatim: await inProcessMath(mathSamples), dollars: await inProcessMath(dollarSamples) };
    const codeBase0 = SKIP_CODE !== null ? 0 : await inProcessCode();
    const http: { name: string; line: HttpLine; kind: Workload | 'code' }[] = [];
    const runs: [Workload, number][] = (['verbatim', 'dollars'] as const).flatMap((w) => BATCHES.map((b): [Workload, number] => [w, b]));
    const httpWarm: string[] = [];
    for (const [w, batch] of runs) {
      // Each request shape warms the server (and the load generator) to its steady state at 64 clients first.
      const rates = await warmUntilSteady(async () => (await drive(service.url, service.child.pid as number, workloads[w], 64, Math.ceil(WARM_PASS / batch), batch)).samplesPerSecond);
      httpWarm.push(`${w === 'verbatim' ? 'verbatim' : '$…$'}, ${batch}/request: ${warmText(rates)}`);
      for (const c of CLIENTS) {
        const line = await drive(service.url, service.child.pid as number, workloads[w], c, Math.max(c, Math.round(MATH_REQUESTS / batch)), batch);
        http.push({ name: `HTTP, ${c} client${c > 1 ? 's' : ''}, ${batch} sample${batch > 1 ? 's' : ''}/request`, line, kind: w });
      }
    }
    if (SKIP_CODE === null) for (const c of CLIENTS) http.push({ name: `code, HTTP, ${c} client${c > 1 ? 's' : ''}, 1 sample/request`, line: await drive(service.url, service.child.pid as number, codeSamples, c, Math.max(c, CODE_REQUESTS), 1), kind: 'code' });
    const inProc1 = { verbatim: await inProcessMath(mathSamples), dollars: await inProcessMath(dollarSamples) };
    const codeBase1 = SKIP_CODE !== null ? 0 : await inProcessCode();
    const codeBase = Math.max(codeBase0, codeBase1);
    const detail = (l: HttpLine): string =>
      `p50 ${l.p50} ms, p99 ${l.p99} ms; CPU ms/sample: server loop ${l.cpu.main.toFixed(2)}, server rest ${l.cpu.rest.toFixed(2)}, client ${l.cpu.client.toFixed(2)}${l.batch !== null ? `; checks/message ${l.batch.toFixed(1)}` : ''}${l.errors ? `; ${l.errors} errors` : ''}`;
    const cpuOf = (a: number, b: number): string => `CPU ms/sample ${Math.min(a, b).toFixed(2)}`;
    const row = (what: string, rate: number, composite: number, verifier: number | null, extra: string): void => {
      const vsVerifier = verifier === null ? ''.padStart(7) : `${(rate / verifier).toFixed(2).padStart(6)}x`;
      process.stdout.write(`${what.padEnd(52)} ${rate.toFixed(rate < 100 ? 1 : 0).padStart(9)}  ${(rate / composite).toFixed(2).padStart(6)}x  ${vsVerifier}  ${extra}\n`);
    };
    process.stdout.write(`${'path'.padEnd(52)} ${'samples/s'.padStart(9)}  ${'vs composite'.padStart(7)}  ${'vs MathVerifier'}\n`);
    for (const w of ['verbatim', 'dollars'] as const) {
      const [b0, b1] = [inProc0[w], inProc1[w]];
      const base = { verifier: Math.max(b0.verifier, b1.verifier), composite: Math.max(b0.composite, b1.composite) };
      const label = w === 'verbatim' ? 'math (answer = gold verbatim)' : 'math (answer = gold in $…$)';
      row(`${label}, in-process MathVerifier, 2 workers`, base.verifier, base.composite, base.verifier, `(before / after: ${b0.verifier.toFixed(0)} / ${b1.verifier.toFixed(0)}; ${cpuOf(b0.verifierCpu, b1.verifierCpu)})`);
      row(`${label}, in-process trainer composite`, base.composite, base.composite, base.verifier, `(before / after: ${b0.composite.toFixed(0)} / ${b1.composite.toFixed(0)}; ${cpuOf(b0.compositeCpu, b1.compositeCpu)})`);
      for (const h of http.filter((x) => x.kind === w)) row(`  ${h.name}`, h.line.samplesPerSecond, base.composite, base.verifier, detail(h.line));
    }
    if (SKIP_CODE !== null) process.stdout.write(`code: skipped (${SKIP_CODE})\n`);
    else row('code, in-process trainer composite', codeBase, codeBase, null, `(before / after: ${codeBase0.toFixed(1)} / ${codeBase1.toFixed(1)})`);
    for (const h of http.filter((x) => x.kind === 'code')) row(`  ${h.name}`, h.line.samplesPerSecond, codeBase, null, detail(h.line));
    process.stdout.write(`\nwarm-up passes of ${WARM_PASS} samples, samples/s (in-process MathVerifier before the HTTP rows; HTTP at 64 clients per request shape):\n`);
    for (const w of ['verbatim', 'dollars'] as const) process.stdout.write(`  in-process, ${w === 'verbatim' ? 'verbatim' : '$…$'}: ${warmText(inProc0[w].warm)}\n`);
    for (const line of httpWarm) process.stdout.write(`  HTTP, ${line}\n`);
    process.stdout.write(`math: ${mathSamples.length} MATH-500 answers cycled, ${MATH_REQUESTS} samples per level; code: ${codeSamples.length} reference solutions, ${CODE_REQUESTS} per level.\n`);
    process.stdout.write('the load generator runs on the same cores as the server: on a 2-core machine it takes a share of them.\n');
    process.stdout.write(`load average (1 min) at the start / end: ${load0.toFixed(1)} / ${loadavg()[0]?.toFixed(1)}\n`);
  }
} finally {
  service.child.kill('SIGTERM');
}
