// src/verify/code/sandbox.case.test.ts — the hostile-program battery, shared by the bubblewrap and rlimits suites.
//
// Each case is a program that would pass its test only if the sandbox let it escape (see the README's list of
// what each isolation contains). Every case must score 0, end within its limits, leave no process behind and
// leave no temp dir behind.

import test from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { chmodSync, chownSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { runTests, sandboxInfo, type CodeScore, type Language, type SandboxLimits, type TestCase } from './index.js';
import { livePidsWithCmdline } from './procs.js';
import { packageRoot as findRepoRoot } from '../../util/package-root.js';

export interface BatteryContext {
  /** Host folder that holds the runs' temp dirs (checked empty after each case). */
  tmpRoot: string;
  repoRoot: string;
  secretName: string;
  secret: string;
  port: number;
  token: string;
}

export interface HostileCase {
  name: string;
  source: string;
  tests: TestCase[];
  limits: Partial<SandboxLimits>;
  /** What the failing test's reason must say (which limit caught it). */
  reason: RegExp;
  /** Host paths that must not exist after the run. */
  mustNotExist?: string[];
}


// Cases meant to hit a time limit get tight limits; the others get roomy ones so that a slow start on a loaded
// machine cannot turn their expected failure (a runtime error, a wrong output) into a timeout.
const FAST: Partial<SandboxLimits> = { cpuSeconds: 1, wallMs: 2000 };
const ROOMY: Partial<SandboxLimits> = { cpuSeconds: 5, wallMs: 10_000 };

export function hostileCases(lang: Language, ctx: BatteryContext): Record<string, HostileCase> {
  const py = lang === 'python';
  // Host paths to write. Under bubblewrap /tmp is the sandbox's own scratch tmpfs, so a write to a /tmp path
  // succeeds inside without reaching the host: those paths are checked on the host only, not by the verdict.
  const outside = [
    join(ctx.repoRoot, `r1-escape-${ctx.token}.txt`),
    `/r1-escape-${ctx.token}`,
    `/etc/r1-escape-${ctx.token}`,
    `/root/r1-escape-${ctx.token}`,
    join(ctx.tmpRoot, `escape-${ctx.token}.txt`),
  ];
  const scored = outside.filter((p) => !p.startsWith('/tmp/'));
  const problemsFile = join(ctx.repoRoot, 'dist', 'src', 'tasks', 'code', 'problems.js');
  const beats = [join(ctx.tmpRoot, `beat-${ctx.token}`), `/tmp/r1-beat-${ctx.token}`, `/var/tmp/r1-beat-${ctx.token}`];
  const list = (xs: string[]): string => JSON.stringify(xs);
  const cases: HostileCase[] = [
    {
      name: 'fork bomb',
      source: py
        ? 'import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass\n'
        : "const { spawn } = require('node:child_process');\nfor (;;) { try { spawn(process.execPath, [__filename], { stdio: 'ignore', detached: true }).unref(); } catch {} }\n",
      tests: [{ kind: 'stdio', input: '', output: 'survived' }],
      limits: FAST,
      reason: /time limit|killed/,
    },
    {
      name: 'infinite loop',
      source: py ? 'while True:\n    pass\n' : 'for (;;) {}\n',
      tests: [{ kind: 'stdio', input: '', output: 'done' }],
      limits: { cpuSeconds: 1, wallMs: 4000 },
      reason: /time limit/,
    },
    {
      name: 'memory blow-up',
      source: py
        ? 'x = []\nwhile True:\n    x.append(bytearray(1 << 24))\n'
        : 'const a = [];\nfor (;;) a.push(new Array(1 << 20).fill(1.5));\n',
      tests: [{ kind: 'stdio', input: '', output: 'done' }],
      limits: { memoryMb: 128, cpuSeconds: 5, wallMs: 10_000 },
      reason: /memory limit/,
    },
    {
      name: 'writing outside the temp dir',
      // Prints "wrote" only if a scored path took the write; every path is also checked on the host afterwards.
      source: py
        ? `import os\nok = False\nfor p in ${list(outside)}:\n    try:\n        os.makedirs(os.path.dirname(p), exist_ok=True)\n        open(p, 'w').write('x')\n        ok = ok or (open(p).read() == 'x' and p in ${list(scored)})\n    except Exception:\n        pass\nprint('wrote' if ok else 'blocked')\n`
        : `const fs = require('node:fs'); const path = require('node:path');\nlet ok = false;\nfor (const p of ${list(outside)}) { try { fs.mkdirSync(path.dirname(p), { recursive: true }); fs.writeFileSync(p, 'x'); ok = ok || (fs.readFileSync(p, 'utf8') === 'x' && ${list(scored)}.includes(p)); } catch {} }\nconsole.log(ok ? 'wrote' : 'blocked');\n`,
      tests: [{ kind: 'stdio', input: '', output: 'wrote' }],
      limits: ROOMY,
      reason: /wrong output/,
      mustNotExist: outside,
    },
    {
      name: 'reading host files',
      source: py
        ? 'import sys\nprint(open(sys.stdin.read().strip()).read(), end="")\n'
        : "const fs = require('node:fs');\nprocess.stdout.write(fs.readFileSync(fs.readFileSync(0, 'utf8').trim(), 'utf8'));\n",
      tests: [
        { kind: 'stdio', input: '/etc/passwd', output: readFileSync('/etc/passwd', 'utf8') },
        { kind: 'stdio', input: join(ctx.repoRoot, 'package.json'), output: readFileSync(join(ctx.repoRoot, 'package.json'), 'utf8') },
        // The installed package's code problems, expected outputs included: what a policy would read to score.
        { kind: 'stdio', input: problemsFile, output: readFileSync(problemsFile, 'utf8') },
      ],
      limits: ROOMY,
      reason: /runtime error/,
    },
    {
      name: "reading the parent's environment",
      // Its own environment first, then every /proc/<pid>/environ it can open.
      source: py
        ? `import os, re\nfound = os.environ.get(${JSON.stringify(ctx.secretName)})\nfor pid in os.listdir('/proc'):\n    if found or not pid.isdigit():\n        continue\n    try:\n        m = re.search(${JSON.stringify(ctx.secretName)} + '=([^\\0]*)', open('/proc/' + pid + '/environ', 'rb').read().decode('utf8', 'replace'))\n        found = m.group(1) if m else None\n    except Exception:\n        pass\nprint(found or 'none')\n`
        : `const fs = require('node:fs');\nlet found = process.env[${JSON.stringify(ctx.secretName)}];\nfor (const pid of fs.readdirSync('/proc')) {\n  if (found || !/^\\d+$/.test(pid)) continue;\n  try { const m = new RegExp(${JSON.stringify(ctx.secretName)} + '=([^\\0]*)').exec(fs.readFileSync('/proc/' + pid + '/environ', 'utf8')); if (m) found = m[1]; } catch {}\n}\nconsole.log(found || 'none');\n`,
      tests: [{ kind: 'stdio', input: '', output: ctx.secret }],
      limits: ROOMY,
      reason: /wrong output/,
    },
    {
      name: 'opening a socket',
      source: py
        ? "import socket, sys\ns = socket.create_connection(('127.0.0.1', int(sys.stdin.read())), timeout=2)\nprint(s.recv(200).decode())\n"
        : "const net = require('node:net');\nconst s = net.connect(Number(require('node:fs').readFileSync(0, 'utf8')), '127.0.0.1');\ns.on('data', (d) => { process.stdout.write(d); s.destroy(); });\n",
      tests: [{ kind: 'stdio', input: String(ctx.port), output: ctx.token }],
      limits: ROOMY,
      reason: /runtime error/,
    },
    {
      name: 'filling /dev/shm',
      // A tmpfs outside the scratch limit would take host memory past the run's limits; /dev/shm must refuse.
      // 64 files of 1 MiB: each stays under the file-size rlimit (16 MiB), together past the scratch (32 MiB).
      source: py
        ? "for i in range(64):\n    with open('/dev/shm/fill-%d' % i, 'wb') as f:\n        f.write(b'x' * (1 << 20))\nprint('wrote')\n"
        : "const fs = require('node:fs');\nfor (let i = 0; i < 64; i++) fs.writeFileSync('/dev/shm/fill-' + i, Buffer.alloc(1 << 20, 120));\nconsole.log('wrote');\n",
      tests: [{ kind: 'stdio', input: '', output: 'wrote' }],
      limits: ROOMY,
      reason: /runtime error/,
    },
    {
      name: 'leaving a daemon',
      // A detached child keeps writing heartbeat files after the program exits; it must die with the run, and
      // nothing it wrote may stay on the host.
      source: py
        ? `import os, time\nif os.fork() == 0:\n    os.setsid()\n    if os.fork() == 0:\n        for _ in range(400):\n            for p in ${list(beats)}:\n                try:\n                    open(p, 'w').write(str(time.time()))\n                except Exception:\n                    pass\n            time.sleep(0.025)\n    os._exit(0)\ntime.sleep(0.2)\nprint('parent done')\n`
        : `const { spawn } = require('node:child_process');\nconst fs = require('node:fs');\nif (process.argv[2] === 'daemon') {\n  setInterval(() => { for (const p of ${list(beats)}) { try { fs.writeFileSync(p, String(Date.now())); } catch {} } }, 25);\n  setTimeout(() => process.exit(0), 10_000);\n} else {\n  spawn(process.execPath, [__filename, 'daemon'], { detached: true, stdio: 'ignore' }).unref();\n  setTimeout(() => console.log('parent done'), 300);\n}\n`,
      // Only a daemon that outlived the run could make this line appear: it never can.
      tests: [{ kind: 'stdio', input: '', output: 'daemon still running' }],
      limits: ROOMY,
      reason: /wrong output/,
      mustNotExist: beats,
    },
    {
      name: 'huge output',
      source: py
        ? "import sys\nwhile True:\n    sys.stdout.write('x' * 1000 + '\\n')\n"
        : "const fs = require('node:fs');\nconst line = 'x'.repeat(1000) + '\\n';\nfor (;;) { try { fs.writeSync(1, line); } catch {} }\n",
      tests: [{ kind: 'stdio', input: '', output: 'x' }],
      limits: { ...ROOMY, maxOutputBytes: 64 * 1024 },
      reason: /output limit/,
    },
    {
      name: 'sleeping past the wall limit',
      source: py ? "import time\ntime.sleep(60)\nprint('late')\n" : "setTimeout(() => console.log('late'), 60_000);\n",
      tests: [{ kind: 'stdio', input: '', output: 'late' }],
      limits: { cpuSeconds: 1, wallMs: 1500 },
      reason: /time limit \(wall clock\)/,
    },
  ];
  return Object.fromEntries(cases.map((c) => [c.name, c]));
}

/** The assertions every hostile case must pass after its run (score, reason, time, no processes, no files). */
export function checkContained(c: HostileCase, score: CodeScore, elapsedMs: number, tmpRoot: string): void {
  assert.equal(score.score, 0, `${c.name} scored ${score.score}: ${JSON.stringify(score.results)}`);
  for (const r of score.results) assert.match(r.reason ?? '', c.reason, c.name);
  // Bounded by its own limits (generous slack for a loaded machine; the point is that it ends).
  const wall = c.limits.wallMs ?? 5000;
  assert.ok(elapsedMs < c.tests.length * wall + 15_000, `${c.name} took ${elapsedMs} ms`);
  assert.deepEqual(livePidsWithCmdline(tmpRoot), [], `${c.name} left processes behind`);
  assert.deepEqual(readdirSync(tmpRoot), [], `${c.name} left files in the temp root`);
  for (const p of c.mustNotExist ?? []) assert.equal(existsSync(p), false, `${c.name} wrote ${p}`);
}

/**
 * Set up what the battery needs (a temp root, a fake secret in our environment, a loopback server) around
 * `body`, and tear it down after. `tmpRootOwner`: a uid to hand the temp root to (a caller of another uid
 * creates the runs' folders there).
 */
export async function withBatteryContext<T>(body: (ctx: BatteryContext) => Promise<T>, tmpRootOwner?: number): Promise<T> {
  const tmpRoot = mkdtempSync(join(tmpdir(), 'r1-battery-'));
  chmodSync(tmpRoot, 0o711); // a per-run uid must reach its temp dir, and may not list or write here
  if (tmpRootOwner !== undefined) chownSync(tmpRoot, tmpRootOwner, tmpRootOwner);
  const token = randomBytes(8).toString('hex');
  const secretName = `R1_TEST_FAKE_SECRET_${token}`;
  const secret = `fake-secret-${randomBytes(8).toString('hex')}`;
  process.env[secretName] = secret;
  const server: Server = createServer((sock) => sock.end(token));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  try {
    const addr = server.address();
    if (addr === null || typeof addr === 'string') throw new Error('test server has no port');
    return await body({ tmpRoot, repoRoot: findRepoRoot(), secretName, secret, port: addr.port, token });
  } finally {
    delete process.env[secretName];
    await new Promise<void>((r) => server.close(() => r()));
    rmSync(tmpRoot, { recursive: true, force: true });
  }
}

/**
 * Register the battery for one language and isolation. `only` picks the cases that isolation can contain
 * (all of them under bubblewrap and unshare).
 */
export function registerBattery(lang: Language, isolation: 'bubblewrap' | 'unshare' | 'rlimits', pick: (names: string[]) => Promise<string[]>): void {
  test(`${isolation}/${lang}: hostile programs are contained, score 0 and are cleaned up`, async (t) => {
    if (isolation !== 'rlimits') {
      const info = await sandboxInfo({ isolation });
      assert.equal(info.isolation, isolation, `${isolation} must work for this suite: ${info.reason ?? ''}`);
    }
    // Set-up lives inside the test (not in file-level hooks) so two batteries in one file stay independent.
    await withBatteryContext(async (ctx) => {
      const cases = hostileCases(lang, ctx);
      const names = await pick(Object.keys(cases));
      assert.ok(names.length >= 5, 'the battery covers at least five hostile programs');
      for (const name of names) {
        const c = cases[name] as HostileCase;
        await t.test(name, async () => {
          const started = Date.now();
          const score = await runTests(lang, c.source, c.tests, { limits: c.limits, isolation, tmpRoot: ctx.tmpRoot });
          checkContained(c, score, Date.now() - started, ctx.tmpRoot);
        });
      }
    });
  });
}
