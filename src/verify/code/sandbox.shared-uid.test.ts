// src/verify/code/sandbox.shared-uid.test.ts — the sandbox as a non-root caller sees it: runs share its uid.
//
// A root test process gives every run its own uid, so the shared-uid paths (RLIMIT_NPROC over the caller's task
// count, run-token sweeps, a /dev/shm the caller may write, user namespaces created by a non-root user) would
// never run here. So the runs go through a child Node process: under another, unused uid when we are root, as
// ourselves otherwise (then it is the same path a plain run takes). The child loads a copy of the verifier (it
// may not be able to read this checkout), runs the cases it is given and prints the scores; the checks are made
// here, on the host.

import test from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkContained, hostileCases, withBatteryContext, type HostileCase } from './sandbox.case.test.js';
import { pickUid, releaseUid } from './probe.js';
import { livePidsOfUid } from './procs.js';
import type { CodeScore, IsolationChoice, Language } from './types.js';
import { packageRoot } from '../../util/package-root.js';

interface ChildJob {
  lang: Language;
  isolation: IsolationChoice;
  tmpRoot: string;
  cases: Pick<HostileCase, 'name' | 'source' | 'tests' | 'limits'>[];
}
interface ChildResult {
  uid: number;
  info: { isolation: string; uid: string; reason?: string };
  scores: { name: string; score: CodeScore; elapsedMs: number }[];
}

const CHILD = `
import { runTests, sandboxInfo } from './code/index.js';
let input = '';
for await (const chunk of process.stdin) input += chunk;
const job = JSON.parse(input);
const info = await sandboxInfo({ isolation: job.isolation });
const scores = [];
for (const c of job.cases) {
  const started = Date.now();
  const score = await runTests(job.lang, c.source, c.tests, { limits: c.limits, isolation: job.isolation, tmpRoot: job.tmpRoot });
  scores.push({ name: c.name, score, elapsedMs: Date.now() - started });
}
process.stdout.write(JSON.stringify({ uid: process.getuid(), info, scores }));
`;

/** A folder any uid can read holding a copy of the verifier's compiled code and zod, plus the child script. */
function makeBundle(): string {
  const bundle = mkdtempSync(join(tmpdir(), 'r1-shared-uid-'));
  const here = dirname(fileURLToPath(import.meta.url));
  cpSync(here, join(bundle, 'code'), { recursive: true, filter: (src) => !/\.test\.js$|\.map$|\.d\.ts$/.test(src) });
  cpSync(join(packageRoot(), 'node_modules', 'zod'), join(bundle, 'node_modules', 'zod'), { recursive: true, dereference: true });
  writeFileSync(join(bundle, 'package.json'), '{"type":"module"}\n');
  writeFileSync(join(bundle, 'child.mjs'), CHILD);
  const open = (p: string): void => {
    chmodSync(p, statSync(p).isDirectory() ? 0o755 : 0o644);
    if (statSync(p).isDirectory()) for (const e of readdirSync(p)) open(join(p, e));
  };
  open(bundle);
  return bundle;
}

/** Run the job in a child Node process as `uid` (undefined: as ourselves). */
function runChild(bundle: string, job: ChildJob, uid: number | undefined, env: Record<string, string>): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(bundle, 'child.mjs')], {
      cwd: bundle,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: bundle, TMPDIR: tmpdir(), ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
      ...(uid !== undefined ? { uid, gid: uid } : {}),
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (err += d.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`child exited ${code}: ${err.slice(-2000)}`));
      else resolve(JSON.parse(out) as ChildResult);
    });
    child.stdin.end(JSON.stringify(job));
  });
}

/** Run `body` with a bundle and the caller uid to use (another one when we are root), cleaning both up. */
async function asCaller<T>(body: (bundle: string, uid: number | undefined) => Promise<T>): Promise<T> {
  const root = process.getuid?.() === 0;
  const uid = root ? pickUid() : undefined;
  const bundle = makeBundle();
  try {
    return await body(bundle, uid);
  } finally {
    rmSync(bundle, { recursive: true, force: true });
    if (uid !== undefined) {
      assert.deepEqual(livePidsOfUid(uid), [], `processes of uid ${uid} outlived the test`);
      releaseUid(uid);
    }
  }
}

for (const isolation of ['bubblewrap', 'unshare'] as const) {
  test(`${isolation}, shared uid: a non-root caller's runs contain the whole battery (/dev/shm, fork bomb, daemons...)`, async () => {
    await asCaller(async (bundle, uid) => {
      await withBatteryContext(async (ctx) => {
        const cases = Object.values(hostileCases('python', ctx));
        const res = await runChild(bundle, { lang: 'python', isolation, tmpRoot: ctx.tmpRoot, cases }, uid, { [ctx.secretName]: ctx.secret });
        assert.notEqual(res.uid, 0, 'the caller is not root');
        assert.deepEqual([res.info.isolation, res.info.uid], [isolation, 'shared'], JSON.stringify(res.info));
        assert.equal(res.scores.length, cases.length);
        for (const [i, c] of cases.entries()) {
          const r = res.scores[i]!;
          checkContained(c, r.score, r.elapsedMs, ctx.tmpRoot);
        }
      }, uid);
    });
  });
}

test('rlimits, shared uid: a run\'s daemon dies with it; its files outside the temp dir stay (the documented limit)', async () => {
  await asCaller(async (bundle, uid) => {
    await withBatteryContext(async (ctx) => {
      const c = hostileCases('python', ctx)['leaving a daemon'] as HostileCase;
      try {
        const res = await runChild(bundle, { lang: 'python', isolation: 'rlimits', tmpRoot: ctx.tmpRoot, cases: [c] }, uid, {});
        assert.deepEqual([res.info.isolation, res.info.uid], ['rlimits', 'shared']);
        const r = res.scores[0]!;
        assert.equal(r.score.score, 0);
        // No pid namespace and no uid of its own: the run-token sweep must have found the setsid'd daemon.
        const beat = c.mustNotExist!.find((p) => p.startsWith('/tmp/'))!;
        assert.ok(existsSync(beat), 'the daemon ran (and could write to the shared /tmp)');
        const before = statSync(beat).mtimeMs;
        await new Promise((done) => setTimeout(done, 300));
        assert.equal(statSync(beat).mtimeMs, before, 'the heartbeat stopped: the daemon was killed');
        if (uid !== undefined) assert.deepEqual(livePidsOfUid(uid), []);
      } finally {
        for (const p of c.mustNotExist!) rmSync(p, { force: true });
      }
    }, uid);
  });
});
