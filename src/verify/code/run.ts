// src/verify/code/run.ts — runs one program in the sandbox: temp dir, spawn, capped output, limits, cleanup.

import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, chown, lstat, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCommand } from './command.js';
import { groupAlive, killAllOfUid, killGroup, livePidsMarked, livePidsOfUid, sleep, taskCountOfUid, waitUntil } from './procs.js';
import { chooseIsolation } from './isolation.js';
import { outsideUsr, pickUid, prepareWorkDir, probeSandbox, releaseUid, tmpRootFor } from './probe.js';
import { checkLanguage, resolveLimits, type Language, type RunOptions, type RunResult, type SandboxLimits } from './types.js';

/** A file placed in the run's temp dir. */
export interface SandboxFile {
  name: string;
  content: string;
}

/** One run: files to write, which one to execute, what to feed on stdin. */
export interface SandboxJob {
  lang: Language;
  files: SandboxFile[];
  entry: string;
  stdin: string;
  limits: SandboxLimits;
  options?: RunOptions;
}

// What interpreters print when they run out of memory (Python MemoryError; V8 heap limit; malloc failures).
const OOM = /MemoryError|JavaScript heap out of memory|Reached heap limit|Fatal process out of memory|Array buffer allocation failed|std::bad_alloc|Cannot allocate memory/;

/** true for source that must load as an ES module (top-level import/export statements). */
export function isEsModule(source: string): boolean {
  return /^\s*(import\s*[\w{*'"]|export\s)/m.test(source);
}

/** File name a program is written to: Python main.py; JavaScript main.mjs for ES modules, else main.cjs. */
export function entryName(lang: Language, source: string): string {
  if (lang === 'python') return 'main.py';
  return isEsModule(source) ? 'main.mjs' : 'main.cjs';
}

/**
 * Run a complete program with `stdin` as its input, under the limits (defaults: DEFAULT_LIMITS).
 * Never throws for anything the program does; throws for bad arguments or when no sandbox can run here.
 */
export async function runProgram(
  lang: Language,
  source: string,
  stdin: string,
  limits?: Partial<SandboxLimits>,
  options?: RunOptions,
): Promise<RunResult> {
  checkLanguage('runProgram', lang);
  if (typeof source !== 'string') throw new TypeError('runProgram: source must be a string');
  if (typeof stdin !== 'string') throw new TypeError('runProgram: stdin must be a string');
  const entry = entryName(lang, source);
  return runJob({ lang, files: [{ name: entry, content: source }], entry, stdin, limits: resolveLimits(limits), options });
}

/** Run one job (used by runProgram and by the function-call harness). */
export async function runJob(job: SandboxJob): Promise<RunResult> {
  const env = await probeSandbox();
  if (env.unusable || !env.tools) throw new Error(`code sandbox unavailable: ${env.unusable ?? 'no tools'}`);
  const mode = chooseIsolation(env, job.options);
  const interpreter = job.options?.interpreters?.[job.lang] ?? env.interpreters[job.lang];
  if (!interpreter) throw new Error(`no interpreter for ${job.lang} (python3 must be a real binary, e.g. /usr/bin/python3)`);
  if (!interpreter.startsWith('/')) throw new Error(`interpreter path must be absolute: ${interpreter}`);

  const workDir = await mkdtemp(join(await tmpRootFor(env.perRunUid, job.options?.tmpRoot), 'r1-code-'));
  let uid: number | undefined;
  try {
    for (const f of job.files) {
      if (!/^[\w.-]+$/.test(f.name)) throw new Error(`bad sandbox file name: ${f.name}`);
      await writeFile(join(workDir, f.name), f.content, { mode: 0o600 });
    }
    if (env.perRunUid) uid = pickUid();
    await prepareWorkDir(mode, workDir, uid);
    if (uid !== undefined) for (const f of job.files) await chown(join(workDir, f.name), uid, uid);
    // Without a private uid, RLIMIT_NPROC counts all of the caller's tasks: allow what exists plus the budget.
    const nproc = uid !== undefined ? job.limits.maxProcesses : taskCountOfUid(process.getuid?.() ?? 0) + job.limits.maxProcesses;
    const entryPath = join(workDir, job.entry);
    // Shared uid and no pid namespace: tag the run so that stragglers can be found after it (see procs.ts).
    const runToken = mode === 'rlimits' && uid === undefined ? randomBytes(16).toString('hex') : undefined;
    const plan = buildCommand({
      mode,
      tools: env.tools,
      uid,
      nproc,
      limits: job.limits,
      workDir,
      rootEntries: env.rootEntries,
      extraRoBinds: outsideUsr(interpreter),
      argv: interpreterArgv(job.lang, interpreter, entryPath, job.limits),
      runToken,
    });
    const result = await execute(plan, job, { uid, setpriv: env.tools.setpriv, runToken, workDir });
    return mode === 'rlimits' ? result : unwrapInitSignal(result);
  } finally {
    await removeDir(workDir);
    // The fallback has no private /tmp: what the run's uid left in the shared temp places goes too.
    if (mode === 'rlimits' && uid !== undefined) await removeOwnedBy(uid, [...new Set([tmpdir(), '/tmp', '/var/tmp', '/dev/shm'])]);
    if (uid !== undefined) releaseUid(uid);
  }
}

/**
 * Remove every entry directly in `dirs` owned by `uid` (a per-run uid owns nothing else on the host, so this is
 * exactly what the run wrote there, including files of daemons it started, which are killed by then).
 */
export async function removeOwnedBy(uid: number, dirs: readonly string[]): Promise<number> {
  let removed = 0;
  for (const dir of dirs) {
    const names = await readdir(dir).catch(() => [] as string[]);
    for (const name of names) {
      const path = join(dir, name);
      const st = await lstat(path).catch(() => null);
      if (st === null || st.uid !== uid) continue;
      await removeDir(path).catch(() => undefined);
      removed++;
    }
  }
  return removed;
}

/**
 * The namespace backends' pid 1 (bwrap's init, unshare's setup shell) reports a child killed by signal N as exit
 * status 128 + N (as a shell does); give the signal back so callers see SIGXCPU, SIGKILL... the same under every
 * isolation.
 */
export function unwrapInitSignal(r: RunResult): RunResult {
  if (r.exitCode === null || r.exitCode <= 128 || r.exitCode > 128 + 64) return r;
  const name = Object.entries(constants.signals).find(([, n]) => n === (r.exitCode as number) - 128)?.[0];
  return name ? { ...r, exitCode: null, signal: name } : r;
}

function interpreterArgv(lang: Language, interpreter: string, entryPath: string, limits: SandboxLimits): string[] {
  // -I: isolated mode (ignore PYTHON* variables and user site-packages); -B: write no .pyc files.
  if (lang === 'python') return [interpreter, '-I', '-B', entryPath];
  // Cap V8's heap below RLIMIT_DATA so a blow-up ends with V8's clear "heap out of memory", not a malloc crash.
  const heapMb = Math.max(16, Math.floor(limits.memoryMb * 0.75));
  return [interpreter, `--max-old-space-size=${heapMb}`, entryPath];
}

interface Reaper {
  uid: number | undefined;
  setpriv: string | null;
  /** Set when the run shares our uid without namespaces: find stragglers by this tag or by cwd in workDir. */
  runToken: string | undefined;
  workDir: string;
}

async function execute(plan: ReturnType<typeof buildCommand>, job: SandboxJob, reaper: Reaper): Promise<RunResult> {
  const { limits } = job;
  const started = performance.now();
  // detached: the child leads a new process group (setsid), so one kill reaches everything it forked.
  const child = spawn(plan.file, plan.args, { env: plan.env, cwd: plan.cwd, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
  const pid = child.pid;
  let timedOut = false;
  let outputTruncated = false;
  let used = 0;
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const kill = (): void => {
    if (pid !== undefined) killGroup(pid);
  };
  // Output is capped while it streams: past the budget nothing more is kept and the run is killed.
  const collect = (sink: Buffer[]) => (chunk: Buffer) => {
    if (outputTruncated) return;
    const room = limits.maxOutputBytes - used;
    if (chunk.length > room) {
      sink.push(chunk.subarray(0, room));
      used = limits.maxOutputBytes;
      outputTruncated = true;
      kill();
      return;
    }
    sink.push(chunk);
    used += chunk.length;
  };
  child.stdout.on('data', collect(out));
  child.stderr.on('data', collect(err));
  child.stdin.on('error', () => {
    // The program may exit without reading its input (EPIPE): not an error of the run.
  });
  const closed = new Promise<void>((resolve) => child.on('close', () => resolve()));
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve({ code, signal }));
  });
  const timer = setTimeout(() => {
    timedOut = true;
    kill();
  }, limits.wallMs);
  child.stdin.end(job.stdin);
  let status: { code: number | null; signal: string | null };
  try {
    status = await exited;
  } finally {
    clearTimeout(timer);
  }
  const wallMs = performance.now() - started;
  // Whatever the program left behind (daemons, a dying pid namespace) is killed before we return.
  if (pid !== undefined) {
    kill();
    await waitUntil(() => !groupAlive(pid), 2000);
  }
  if (reaper.uid !== undefined && reaper.setpriv) {
    const uid = reaper.uid;
    if (livePidsOfUid(uid).length > 0) {
      await killAllOfUid(reaper.setpriv, uid);
      await waitUntil(() => livePidsOfUid(uid).length === 0, 2000);
    }
  }
  if (reaper.runToken !== undefined) {
    const myUid = process.getuid?.() ?? 0;
    const entry = `R1_SANDBOX_RUN=${reaper.runToken}`;
    // Kill in rounds: a fork bomb may still be forking while the first round lands.
    for (let round = 0; round < 50; round++) {
      const pids = livePidsMarked(myUid, entry, reaper.workDir);
      if (pids.length === 0) break;
      for (const p of pids) {
        try {
          process.kill(p, 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
      await sleep(5);
    }
  }
  // Pipes held open by a killed grandchild close with it; never wait on them for long.
  const guard = setTimeout(() => {
    child.stdout.destroy();
    child.stderr.destroy();
  }, 1000);
  await closed;
  clearTimeout(guard);
  const stdout = Buffer.concat(out).toString('utf8');
  const stderr = Buffer.concat(err).toString('utf8');
  const result: RunResult = {
    exitCode: status.code,
    signal: status.signal,
    stdout,
    stderr,
    timedOut,
    outputTruncated,
    wallMs,
  };
  if (OOM.test(stderr)) result.memoryExceeded = true;
  return result;
}

/** Remove the run's temp dir, even when the program left unreadable folders in it. */
async function removeDir(dir: string): Promise<void> {
  try {
    await rm(dir, { recursive: true, force: true, maxRetries: 2 });
  } catch {
    await makeWritable(dir);
    await rm(dir, { recursive: true, force: true, maxRetries: 2 });
  }
}

async function makeWritable(dir: string): Promise<void> {
  await chmod(dir, 0o700).catch(() => undefined);
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const e of entries) if (e.isDirectory()) await makeWritable(join(dir, e.name));
}
