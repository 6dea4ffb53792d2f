// src/verify/code/probe.ts — finds the sandbox tools and interpreters once, and checks which namespace backend works.
//
// bwrap or unshare can be installed yet unusable (containers or kernels that forbid user namespaces), so the probe
// runs a trivial program through the exact argv a real run uses, for each backend. The result is cached per
// process: the host does not change.

import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync, lstatSync, openSync, readFileSync, readSync, closeSync, readlinkSync, realpathSync, statSync } from 'node:fs';
import { chown, mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { randomInt } from 'node:crypto';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildCommand, stackBytesFor, type IsolationMode, type RootEntry, type SandboxTools } from './command.js';
import { livePidsOfUid, taskCountOfUid } from './procs.js';
import { DEFAULT_LIMITS, type Language } from './types.js';
import { UNSHARE_ROOT_DIR, type UnshareTools } from './unshare.js';

/** The namespace backends, in the order `auto` prefers them. */
export type NamespaceBackend = 'bubblewrap' | 'unshare';
export const NAMESPACE_BACKENDS: readonly NamespaceBackend[] = ['bubblewrap', 'unshare'];

export interface SandboxEnvironment {
  /** The isolation `auto` gives: the first namespace backend that works, else rlimits (refused unless opted in). */
  isolation: IsolationMode;
  /** Why `auto` does not give bubblewrap (absent when it does). */
  reason?: string;
  /** Per namespace backend: null when it works here, else why not. */
  backends: Record<NamespaceBackend, string | null>;
  tools: SandboxTools | null;
  /** Why no run is possible at all (no prlimit, not Linux); null when runs work. */
  unusable: string | null;
  /** true when we are root and can give every run its own uid. */
  perRunUid: boolean;
  /** RLIMIT_STACK of every run (STACK_BYTES unless the caller's hard limit is lower; absent: STACK_BYTES). */
  stackBytes?: number;
  rootEntries: RootEntry[];
  /** Default interpreters (real paths), or null when none was found. */
  interpreters: Record<Language, string | null>;
}

let cached: Promise<SandboxEnvironment> | null = null;

/** The probed environment (probed on first call, then cached). */
export function probeSandbox(): Promise<SandboxEnvironment> {
  cached ??= probe();
  return cached;
}

async function probe(): Promise<SandboxEnvironment> {
  const interpreters = { python: findPython(), javascript: realpathSync(process.execPath) };
  const rootEntries = readRootEntries();
  const base = { rootEntries, interpreters, perRunUid: false, stackBytes: stackBytesFor(readText('/proc/self/limits')) };
  const none = (why: string): SandboxEnvironment => ({ ...base, isolation: 'rlimits', reason: why, backends: { bubblewrap: why, unshare: why }, tools: null, unusable: why });
  if (process.platform !== 'linux') return none(`code sandbox needs Linux (this is ${process.platform})`);
  const prlimit = findExecutable('prlimit');
  if (!prlimit) return none('prlimit (util-linux) not found: cannot apply resource limits');
  const setpriv = findExecutable('setpriv');
  const bwrap = findExecutable('bwrap');
  const perRunUid = process.getuid?.() === 0 && setpriv !== null;
  const unshare = findUnshareTools(setpriv);
  const tools: SandboxTools = { prlimit, setpriv, bwrap, unshare: typeof unshare === 'string' ? null : unshare };
  const env = { ...base, tools, perRunUid, unusable: null };
  const failed = (name: string, why: string | null): string | null => (why === null ? null : `${name} does not work here: ${why}`);
  const backends: Record<NamespaceBackend, string | null> = {
    bubblewrap: bwrap ? failed('bubblewrap', await tryBackend(env, 'bubblewrap')) : 'bwrap (bubblewrap) not found on PATH',
    unshare: typeof unshare === 'string' ? unshare : failed('unshare', await tryBackend(env, 'unshare')),
  };
  if (backends.bubblewrap === null) return { ...env, backends, isolation: 'bubblewrap' };
  if (backends.unshare === null) return { ...env, backends, isolation: 'unshare', reason: backends.bubblewrap };
  return { ...env, backends, isolation: 'rlimits', reason: `${backends.bubblewrap}; ${backends.unshare}` };
}

/** The unshare backend's tools, or why it cannot be used. */
function findUnshareTools(setpriv: string | null): UnshareTools | string {
  const found: Partial<Record<keyof UnshareTools, string | null>> = {
    unshare: findExecutable('unshare'),
    mount: findExecutable('mount'),
    umount: findExecutable('umount'),
    pivotRoot: findExecutable('pivot_root'),
    setpriv,
    sh: isExecutable('/bin/sh') ? '/bin/sh' : findExecutable('sh'),
  };
  const missing = Object.entries(found).filter(([, v]) => v === null).map(([k]) => (k === 'pivotRoot' ? 'pivot_root' : k));
  if (missing.length > 0) return `unshare backend: ${missing.join(', ')} not found (util-linux)`;
  return found as UnshareTools;
}

/** Run /usr/bin/true (or the Node binary) through a backend's real argv; returns an error text or null. */
async function tryBackend(env: Omit<SandboxEnvironment, 'isolation' | 'reason' | 'backends'>, mode: NamespaceBackend): Promise<string | null> {
  const tools = env.tools as SandboxTools;
  const workDir = await mkdtemp(join(await tmpRootFor(env.perRunUid, undefined), 'r1-code-probe-'));
  const uid = env.perRunUid ? pickUid() : undefined;
  try {
    await prepareWorkDir(mode, workDir, uid);
    const trueBin = isExecutable('/usr/bin/true') ? '/usr/bin/true' : null;
    const node = realpathSync(process.execPath);
    const argv = trueBin ? [trueBin] : [node, '-e', '0'];
    const plan = buildCommand({
      mode,
      tools,
      uid,
      // Same rule as real runs: a shared uid's existing tasks count against RLIMIT_NPROC too.
      nproc: DEFAULT_LIMITS.maxProcesses + (uid === undefined ? taskCountOfUid(process.getuid?.() ?? 0) : 0),
      stackBytes: env.stackBytes,
      limits: DEFAULT_LIMITS,
      workDir,
      rootEntries: env.rootEntries,
      extraRoBinds: trueBin ? [] : outsideUsr(node),
      argv,
    });
    return await new Promise<string | null>((resolve) => {
      const child = spawn(plan.file, plan.args, { env: plan.env, cwd: plan.cwd, stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      child.stderr.on('data', (d: Buffer) => {
        if (err.length < 2000) err += d.toString('utf8');
      });
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      child.on('error', (e) => {
        clearTimeout(timer);
        resolve(e.message);
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        resolve(code === 0 ? null : (err.trim() || `exit ${code ?? signal}`).slice(0, 500));
      });
    });
  } finally {
    await rm(workDir, { recursive: true, force: true });
    if (uid !== undefined) releaseUid(uid);
  }
}

/** Hand a run's temp dir to its uid and, for unshare, add the mount point of the sandbox's root. */
export async function prepareWorkDir(mode: IsolationMode, workDir: string, uid: number | undefined): Promise<void> {
  if (mode === 'unshare') await mkdir(join(workDir, UNSHARE_ROOT_DIR), { mode: 0o700 });
  if (uid === undefined) return;
  await chown(workDir, uid, uid);
  if (mode === 'unshare') await chown(join(workDir, UNSHARE_ROOT_DIR), uid, uid);
}

/**
 * Where the run's temp dir goes. A per-run uid must be able to pass through that folder to reach its own
 * temp dir, so the folder must be searchable by others (o+x, as /tmp is). A private TMPDIR falls back to /tmp;
 * a private folder asked for explicitly is an error.
 */
export async function tmpRootFor(perRunUid: boolean, asked: string | undefined): Promise<string> {
  const root = asked ?? tmpdir();
  if (!perRunUid) return root;
  const searchable = async (d: string): Promise<boolean> => ((await stat(d)).mode & 0o001) !== 0;
  if (await searchable(root)) return root;
  if (asked === undefined && (await searchable('/tmp'))) return '/tmp';
  throw new Error(`sandbox temp root ${root} must be searchable by other users (chmod o+x): each run gets its own uid`);
}

/**
 * A uid for one run, from a range ordinary accounts do not use and small enough for containers whose user
 * namespace maps only 65536 ids; re-drawn while any process already runs under it.
 */
export function pickUid(): number {
  for (let i = 0; i < 20; i++) {
    const uid = 20_000 + randomInt(0, 40_000);
    if (!uidsInUse.has(uid) && livePidsOfUid(uid).length === 0) {
      uidsInUse.add(uid);
      return uid;
    }
  }
  throw new Error('could not find an unused uid for the sandbox');
}

/** Give a uid from pickUid back once its run is over and swept. */
export function releaseUid(uid: number): void {
  uidsInUse.delete(uid);
}

// Uids of this process's runs in flight: two concurrent runs must never share one (limits and sweeps are per uid).
const uidsInUse = new Set<number>();

/**
 * Read-only binds an interpreter needs when it lives outside /usr (e.g. a Node under /opt/node): its
 * installation prefix, the folder above its bin/.
 */
export function outsideUsr(realInterpreter: string): string[] {
  if (realInterpreter.startsWith('/usr/')) return [];
  return [dirname(dirname(realInterpreter))];
}

/**
 * The folders of `wanted` that lie inside a tree bound into the sandbox (`bound`: /usr, the /lib* folders, an
 * interpreter's prefix), as real paths: what a run must cover up. Missing folders are skipped, and so, for a
 * per-run uid (`othersOnly`), are folders behind a parent other users cannot search (out of its reach, and the
 * sandbox could not mount over them); a relative path, a file, or a whole bound tree is an error.
 */
export function hiddenFolders(bound: readonly string[], wanted: readonly string[], othersOnly = false): string[] {
  const trees = [...new Set(bound.flatMap((b) => [b, realOrNull(b) ?? b]))];
  const out = new Set<string>();
  for (const w of wanted) {
    if (typeof w !== 'string' || !w.startsWith('/')) throw new Error(`hide: ${JSON.stringify(w)} must be an absolute path`);
    const real = realOrNull(w);
    if (real === null) continue;
    if (!lstatSync(real).isDirectory()) throw new Error(`hide: ${w} is not a folder`);
    if (trees.includes(real)) throw new Error(`hide: ${w} is a whole tree the sandbox needs`);
    if (!trees.some((t) => real.startsWith(t.endsWith('/') ? t : `${t}/`))) continue;
    if (othersOnly && !searchableByOthers(dirname(real))) continue;
    out.add(real);
  }
  return [...out];
}

/** true when every folder from / down to `dir` has the search bit for other users. */
function searchableByOthers(dir: string): boolean {
  for (let d = dir; ; d = dirname(d)) {
    if ((statSync(d).mode & 0o001) === 0) return false;
    if (d === '/') return true;
  }
}

let ownRoot: string[] | null = null;

/**
 * The folder of the package this code was loaded from (the nearest package.json above it), as a one-item list,
 * or [] when there is none. Found here rather than through util/ so that the verifier's folder works on its own.
 */
export function ownPackageRoot(): string[] {
  if (ownRoot !== null) return ownRoot;
  ownRoot = [];
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) {
      ownRoot = [dir];
      break;
    }
    if (dirname(dir) === dir) break;
  }
  return ownRoot;
}

function readText(p: string): string {
  try {
    return readFileSync(p, 'utf8');
  } catch {
    return '';
  }
}

function realOrNull(p: string): string | null {
  try {
    return realpathSync(p);
  } catch {
    return null;
  }
}

function readRootEntries(): RootEntry[] {
  const out: RootEntry[] = [];
  for (const path of ['/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32']) {
    try {
      const st = lstatSync(path);
      if (st.isSymbolicLink()) out.push({ path, kind: 'symlink', target: readlinkSync(path) });
      else if (st.isDirectory()) out.push({ path, kind: 'dir' });
    } catch {
      // Not on this host.
    }
  }
  return out;
}

/** A real python3 ELF binary: shims (pyenv) are shell scripts that need $HOME and cannot run in the sandbox. */
function findPython(): string | null {
  const candidates = ['/usr/bin/python3', '/usr/local/bin/python3'];
  for (const dir of (process.env.PATH ?? '').split(delimiter)) if (dir) candidates.push(join(dir, 'python3'));
  for (const c of candidates) {
    try {
      const real = realpathSync(c);
      if (isExecutable(real) && isElf(real)) return real;
    } catch {
      // Not there.
    }
  }
  return null;
}

function findExecutable(name: string): string | null {
  const dirs = (process.env.PATH ?? '').split(delimiter).filter(Boolean);
  for (const d of ['/usr/bin', '/bin', '/usr/sbin', '/sbin', '/usr/local/bin']) if (!dirs.includes(d)) dirs.push(d);
  for (const d of dirs) {
    const p = join(d, name);
    if (isExecutable(p)) return p;
  }
  return null;
}

function isExecutable(p: string): boolean {
  try {
    accessSync(p, constants.X_OK);
    return lstatSync(p).isDirectory() === false;
  } catch {
    return false;
  }
}

function isElf(p: string): boolean {
  const fd = openSync(p, 'r');
  try {
    const b = Buffer.alloc(4);
    readSync(fd, b, 0, 4, 0);
    return b.toString('latin1') === '\x7fELF';
  } finally {
    closeSync(fd);
  }
}
