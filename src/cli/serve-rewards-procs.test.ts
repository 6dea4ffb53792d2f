// src/cli/serve-rewards-procs.test.ts — `r1 serve-rewards --procs N`: the shares each process gets, and a real
// service of two processes on one port (a child process group, real HTTP): both processes answer, /health reports
// the whole service from either, a process that dies is started again, Ctrl-C stops every process, and a port in
// use is one clear error.

import test from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { processConfig, shareOf } from '../serve/rewards/procs.js';
import { serviceConfigSchema } from '../serve/rewards/index.js';

test('each process gets its share of the workers, the queue and the code programs', () => {
  assert.deepEqual([0, 1, 2].map((i) => shareOf(8, 3, i)), [3, 3, 2]);
  assert.deepEqual([0, 1].map((i) => shareOf(4096, 2, i)), [2048, 2048]);
  const config = serviceConfigSchema.parse({ workers: 5, procs: 2, maxQueue: 101, code: { concurrency: 3 } });
  const shares = [0, 1].map((i) => processConfig(config, i));
  assert.deepEqual(shares.map((c) => [c.workers, c.maxQueue, c.code.concurrency]), [[3, 51, 2], [2, 50, 1]]);
  // One process: the config as given.
  const one = serviceConfigSchema.parse({ workers: 2 });
  assert.equal(processConfig(one, 0), one);
  assert.throws(() => serviceConfigSchema.parse({ workers: 2, procs: 3 }), /3 processes need at least 3 math workers/);
});

const fromSource = import.meta.url.endsWith('.ts');
const main = fileURLToPath(new URL(fromSource ? './main.ts' : './main.js', import.meta.url));

/** `r1 serve-rewards` in its own process group (as a terminal runs it), with its output collected. */
function start(args: string[]): { child: ChildProcessWithoutNullStreams; out: () => string; err: () => string; closed: Promise<number | null> } {
  const child = spawn(process.execPath, [...(fromSource ? ['--import', 'tsx'] : []), main, 'serve-rewards', ...args], { stdio: 'pipe', detached: true });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const closed = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, out: () => out, err: () => err, closed };
}

async function until<T>(what: string, f: () => Promise<T | undefined> | T | undefined, ms = 60_000): Promise<T> {
  const end = performance.now() + ms;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

interface Health {
  served: number;
  workers: number;
  maxQueue: number;
  process: number;
  processes: { index: number; pid: number; served: number; maxQueue: number; mathPool: { workers: number } }[];
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

test('two processes on one port: both answer, /health covers both, a dead one restarts, Ctrl-C stops all', async () => {
  const s = start(['--port', '0', '--procs', '2', '--workers', '2', '--max-queue', '1000']);
  try {
    const url = await until('the listening line', () => /listening on (http:\/\/\S+)/.exec(s.out())?.[1] ?? (s.child.exitCode !== null ? Promise.reject(new Error(s.err())) : undefined));
    assert.match(s.out(), /math workers: 2; queue: 1000 samples; body limit: 16 MiB; deadline: \d+ ms; processes: 2/);
    // A new connection per request: the primary hands connections to the processes in turn.
    const sample = (k: number) => ({ prompt: 'Q', completion: `<think> t </think> <answer> $\\frac{${k}}{2}$ </answer>`, gold: String(k / 2) });
    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, k) =>
        fetch(`${url}/v1/rewards`, { method: 'POST', headers: { 'content-type': 'application/json', connection: 'close' }, body: JSON.stringify({ samples: [sample(k + 1)] }) }).then(
          (r) => r.json() as Promise<{ results: { components: { accuracy: number } }[] }>,
        ),
      ),
    );
    assert.deepEqual(answers.map((a) => a.results[0]?.components.accuracy), Array(8).fill(1));
    const health = (await (await fetch(`${url}/health`, { headers: { connection: 'close' } })).json()) as Health;
    assert.deepEqual(health.processes.map((p) => p.index), [0, 1]);
    assert.equal(health.served, 8);
    assert.ok(health.processes.every((p) => p.served > 0), `both processes answered: ${JSON.stringify(health.processes)}`);
    assert.deepEqual([health.workers, health.maxQueue], [2, 1000]);
    assert.deepEqual(health.processes.map((p) => [p.mathPool.workers, p.maxQueue]), [[1, 500], [1, 500]]);
    // A process killed outright is started again, and the service answers on.
    const [first] = health.processes;
    process.kill(first?.pid as number, 'SIGKILL');
    const again = await until('the restarted process', async () => {
      // A connection handed to the process as it died is reset: ask again.
      // (or, handed to it in the moment, never answered: node:cluster does not hand such a connection on).
      const h = (await fetch(`${url}/health`, { headers: { connection: 'close' }, signal: AbortSignal.timeout(5000) }).then((r) => r.json(), () => undefined)) as Health | undefined;
      if (h === undefined) return undefined;
      const p = h.processes.find((x) => x.index === 0);
      return h.processes.length === 2 && p !== undefined && p.pid !== first?.pid ? h : undefined;
    });
    assert.match(s.err(), /process 0 exited \(SIGKILL\): starting it again/);
    const after = await fetch(`${url}/v1/rewards`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ samples: [sample(9)] }) });
    assert.equal(((await after.json()) as { results: { components: { accuracy: number } }[] }).results[0]?.components.accuracy, 1);
    // Ctrl-C reaches the whole group: every process finishes and the command exits 0.
    process.kill(-(s.child.pid as number), 'SIGINT');
    assert.equal(await s.closed, 0, s.err());
    await until('the processes to exit', () => (again.processes.some((p) => alive(p.pid)) ? undefined : true), 10_000);
  } finally {
    if (s.child.exitCode === null) process.kill(-(s.child.pid as number), 'SIGKILL');
  }
});

test('--procs on a port in use: one clear error, exit 1, nothing left running', async () => {
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  const port = (blocker.address() as { port: number }).port;
  try {
    const s = start(['--port', String(port), '--procs', '2', '--workers', '2']);
    assert.equal(await s.closed, 1);
    assert.match(s.err(), new RegExp(`process \\d: cannot listen on 127\\.0\\.0\\.1:${port}: .*EADDRINUSE`));
    assert.doesNotMatch(s.out(), /listening on/);
  } finally {
    blocker.close();
  }
});
