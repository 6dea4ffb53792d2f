// src/verify/code/sandbox.rlimits.test.ts — the rlimits fallback, forced: the cases it contains, and what it cannot.

import test from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, chmodSync, rmSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { registerBattery } from './sandbox.case.test.js';
import { runTests, sandboxInfo } from './index.js';
import { chooseIsolation } from './isolation.js';
import type { SandboxEnvironment } from './probe.js';

// Without namespaces, the fallback still stops runaway CPU, memory, processes, output and time, and hands the
// program a scrubbed environment. Host writes and /proc/<pid>/environ are out of reach only when each run has
// its own uid (we are root); network and world-readable files never are (see the second test).
const CONTAINED = ['fork bomb', 'infinite loop', 'memory blow-up', 'huge output', 'sleeping past the wall limit'];
const CONTAINED_WITH_OWN_UID = ['writing outside the temp dir', "reading the parent's environment", 'leaving a daemon'];

async function pick(names: string[]): Promise<string[]> {
  const info = await sandboxInfo({ isolation: 'rlimits' });
  const wanted = info.uid === 'per-run' ? [...CONTAINED, ...CONTAINED_WITH_OWN_UID] : CONTAINED;
  return names.filter((n) => wanted.includes(n));
}

registerBattery('python', 'rlimits', pick);
registerBattery('javascript', 'rlimits', pick);

test('rlimits: sandboxInfo says so, and lists what it cannot contain', async () => {
  const info = await sandboxInfo({ isolation: 'rlimits' });
  assert.equal(info.isolation, 'rlimits');
  assert.match(info.reason ?? '', /forced/);
  assert.ok(info.limitations.some((l) => /network/.test(l)));
  assert.ok(info.limitations.some((l) => /read/.test(l)));
  assert.ok(info.limitations.some((l) => /kill the process that runs it/.test(l)));
});

test('rlimits: network and world-readable files are NOT contained (the documented limits of the fallback)', async () => {
  const tmpRoot = mkdtempSync(join(tmpdir(), 'r1-rlimits-'));
  chmodSync(tmpRoot, 0o711);
  const server = createServer((s) => s.end('hello-from-host'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  try {
    const port = (server.address() as { port: number }).port;
    const net = await runTests(
      'python',
      "import socket\nprint(socket.create_connection(('127.0.0.1', int(input())), timeout=2).recv(100).decode())\n",
      [{ kind: 'stdio', input: String(port), output: 'hello-from-host' }],
      { isolation: 'rlimits', tmpRoot },
    );
    assert.equal(net.score, 1, 'a socket reaches the host under rlimits');
    const read = await runTests('python', "print(open('/etc/passwd').read(), end='')\n", [{ kind: 'stdio', input: '', output: readFileSync('/etc/passwd', 'utf8') }], {
      isolation: 'rlimits',
      tmpRoot,
    });
    assert.equal(read.score, 1, '/etc/passwd is readable under rlimits');
  } finally {
    await new Promise<void>((r) => server.close(() => r()));
    rmSync(tmpRoot, { recursive: true, force: true });
  }
});

test('without a namespace backend, auto refuses to run code unless the caller opts in to the fallback', () => {
  const base: SandboxEnvironment = {
    isolation: 'rlimits',
    reason: 'bwrap (bubblewrap) not found on PATH; unshare does not work here: unshare: write failed /proc/self/uid_map: Operation not permitted',
    backends: { bubblewrap: 'bwrap (bubblewrap) not found on PATH', unshare: 'unshare does not work here: unshare: write failed /proc/self/uid_map: Operation not permitted' },
    tools: { bwrap: null, prlimit: '/usr/bin/prlimit', setpriv: null, unshare: null },
    unusable: null,
    perRunUid: false,
    rootEntries: [],
    interpreters: { python: '/usr/bin/python3', javascript: process.execPath },
  };
  const none = undefined; // R1_SANDBOX unset
  assert.throws(() => chooseIsolation(base, undefined, none), /no namespace sandbox works here \(bwrap \(bubblewrap\) not found on PATH; unshare does not work here: .*uid_map.*\).*not safe to reward with.*--unsafe-sandbox/);
  assert.throws(() => chooseIsolation(base, { isolation: 'auto' }, none), /--unsafe-sandbox/);
  assert.equal(chooseIsolation(base, { unsafeSandbox: true }, none), 'rlimits');
  assert.equal(chooseIsolation(base, { isolation: 'rlimits' }, none), 'rlimits', 'forcing the fallback is an explicit opt-in');
  assert.throws(() => chooseIsolation(base, { isolation: 'bubblewrap' }, none), /'bubblewrap' requested but unavailable: bwrap \(bubblewrap\) not found/);
  assert.throws(() => chooseIsolation(base, { isolation: 'unshare' }, none), /'unshare' requested but unavailable: unshare does not work here/);
  assert.throws(() => chooseIsolation(base, undefined, 'unshare'), /'unshare' requested but unavailable/, 'R1_SANDBOX=unshare forces it too');
  assert.throws(() => chooseIsolation(base, { unsafeSandbox: true }, 'rlimits'), /R1_SANDBOX=rlimits is not accepted.*--unsafe-sandbox/);
  assert.throws(() => chooseIsolation(base, undefined, 'docker'), /R1_SANDBOX=docker is not an isolation: use auto, bubblewrap or unshare/);
  // Without bubblewrap but with working user namespaces, auto takes unshare; either backend can be forced.
  const viaUnshare: SandboxEnvironment = { ...base, isolation: 'unshare', backends: { ...base.backends, unshare: null } };
  assert.equal(chooseIsolation(viaUnshare, undefined, none), 'unshare');
  assert.equal(chooseIsolation(viaUnshare, { isolation: 'unshare' }, none), 'unshare');
  const both: SandboxEnvironment = { ...base, isolation: 'bubblewrap', backends: { bubblewrap: null, unshare: null } };
  assert.equal(chooseIsolation(both, undefined, none), 'bubblewrap');
  assert.equal(chooseIsolation(both, undefined, 'unshare'), 'unshare');
  assert.equal(chooseIsolation(both, { isolation: 'bubblewrap' }, 'unshare'), 'bubblewrap', 'the option wins over the variable');
});

test('rlimits cleanup: with a per-run uid (root) what the run left in the shared temp places goes, a daemon\'s too; with a shared uid the daemon dies and its files stay', async () => {
  const info = await sandboxInfo({ isolation: 'rlimits' });
  const token = `${process.pid}-${Date.now().toString(36)}`;
  const leaks = [`/tmp/r1-leak-${token}.bin`, `/var/tmp/r1-leak-${token}.bin`, `/dev/shm/r1-leak-${token}.bin`];
  const beat = `/tmp/r1-heartbeat-${token}`;
  const source = [
    'import os, sys, time',
    `for p in ${JSON.stringify(leaks)}:`,
    '    open(p, "wb").write(b"x" * 4096)',
    'if os.fork() == 0:',
    '    os.setsid()',
    '    while True:',
    `        open(${JSON.stringify(beat)}, "w").write(str(time.time()))`,
    '        time.sleep(0.05)',
    'time.sleep(0.2)',
    'print("done")',
  ].join('\n');
  try {
    const res = await runTests('python', `${source}\n`, [{ kind: 'stdio', input: '', output: 'done' }], { isolation: 'rlimits' });
    assert.equal(res.score, 1, JSON.stringify(res.results));
    if (info.uid === 'per-run') {
      for (const p of [...leaks, beat]) assert.equal(existsSync(p), false, `${p} stayed on the host`);
    } else {
      // A shared uid: the files cannot be told apart from the caller's own (README), but the daemon is gone.
      assert.ok(existsSync(beat), 'the daemon wrote its heartbeat');
      const before = statSync(beat).mtimeMs;
      await new Promise((done) => setTimeout(done, 300));
      assert.equal(statSync(beat).mtimeMs, before, 'the heartbeat stopped: the daemon was killed');
    }
  } finally {
    for (const p of [...leaks, beat]) rmSync(p, { force: true });
  }
});
