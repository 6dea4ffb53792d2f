// src/verify/code/command.ts — builds the argv that runs one program under bubblewrap, unshare or plain rlimits (pure).
//
// Chain, outermost first:  [setpriv: drop to a per-run uid]  prlimit: rlimits  [bwrap | unshare: namespaces]  interpreter
// A fresh uid per run (when we are root) makes RLIMIT_NPROC count only this run's tasks and lets `kill -9 -1`
// as that uid sweep up anything that escaped the process group.

import type { CommandSpec } from './types.js';
import { unshareArgs } from './unshare.js';

export type { CommandSpec, IsolationMode, RootEntry, SandboxTools } from './types.js';

/** Writes inside the sandbox go to a tmpfs of this size (namespace modes) or files up to this size (every mode). */
export const SCRATCH_BYTES = 32 << 20;
export const MAX_FILE_BYTES = 16 << 20;
const MAX_OPEN_FILES = 256;
/**
 * Stack size (RLIMIT_STACK), set so that a verdict never depends on the caller's `ulimit -s`: deep recursion
 * through C frames (Python's lru_cache) crashed under the usual 8 MiB and passed under `unlimited`. Kept at that
 * usual 8 MiB: glibc gives every new thread a stack of this size, and thread stacks count against RLIMIT_DATA
 * (at 64 MiB, Node's worker threads alone took a 128 MiB run past its memory limit).
 */
export const STACK_BYTES = 8 << 20;

/**
 * The stack limit runs get: STACK_BYTES, or the caller's hard limit when that is lower (a run cannot raise its
 * hard limit once it has dropped to its own uid). `limitsText` is /proc/self/limits.
 */
export function stackBytesFor(limitsText: string): number {
  const hard = /^Max stack size\s+\S+\s+(\S+)/m.exec(limitsText)?.[1];
  if (hard === undefined || hard === 'unlimited' || !/^\d+$/.test(hard)) return STACK_BYTES;
  return Math.min(STACK_BYTES, Number(hard));
}
/** Size of the read-only tmpfs laid over a hidden folder (it stays empty). */
export const HIDE_BYTES = 4096;


export interface CommandPlan {
  file: string;
  args: string[];
  /** The whole environment: built from scratch, nothing inherited from the caller. */
  env: Record<string, string>;
  cwd: string;
}

/** The environment a sandboxed program sees (and the only one the helper tools see). */
export function sandboxEnv(home: string): Record<string, string> {
  return {
    PATH: '/usr/local/bin:/usr/bin:/bin',
    HOME: home,
    TMPDIR: home,
    LANG: 'C.UTF-8',
    PYTHONDONTWRITEBYTECODE: '1',
    PYTHONIOENCODING: 'utf-8',
  };
}

export function buildCommand(spec: CommandSpec): CommandPlan {
  const { limits } = spec;
  const namespaced = spec.mode !== 'rlimits';
  const home = namespaced ? '/tmp' : spec.workDir;
  const env = sandboxEnv(home);
  if (spec.runToken !== undefined) env.R1_SANDBOX_RUN = spec.runToken;
  const chain: string[] = [];
  if (spec.uid !== undefined) {
    if (!spec.tools.setpriv) throw new Error('a per-run uid needs setpriv');
    chain.push(spec.tools.setpriv, `--reuid=${spec.uid}`, `--regid=${spec.uid}`, '--clear-groups');
    // bubblewrap sets no_new_privs itself; a setuid-installed bwrap would break under it.
    if (spec.mode !== 'bubblewrap') chain.push('--no-new-privs');
    chain.push('--');
  }
  chain.push(
    spec.tools.prlimit,
    `--cpu=${limits.cpuSeconds}:${limits.cpuSeconds + 1}`,
    `--data=${limits.memoryMb * 1024 * 1024}`,
    `--nproc=${spec.nproc}`,
    `--fsize=${MAX_FILE_BYTES}`,
    `--nofile=${MAX_OPEN_FILES}`,
    `--stack=${spec.stackBytes ?? STACK_BYTES}`,
    '--core=0',
    '--',
  );
  if (spec.mode === 'bubblewrap') {
    if (!spec.tools.bwrap) throw new Error('bubblewrap mode without a bwrap binary');
    chain.push(spec.tools.bwrap, ...bwrapArgs(spec, env), '--', ...spec.argv);
  } else if (spec.mode === 'unshare') {
    if (!spec.tools.unshare) throw new Error('unshare mode without the unshare tools');
    // The environment passes through unshare and its setup shell to the program unchanged.
    chain.push(...unshareArgs(spec, spec.tools.unshare, SCRATCH_BYTES, HIDE_BYTES));
  } else {
    chain.push(...spec.argv);
  }
  const [file, ...args] = chain as [string, ...string[]];
  return { file, args, env, cwd: namespaced ? '/' : spec.workDir };
}

function bwrapArgs(spec: CommandSpec, env: Record<string, string>): string[] {
  // New user, pid, net, ipc, uts and cgroup namespaces: no network (only a private loopback), no view of host
  // processes. --die-with-parent: killing bwrap kills the sandbox; --new-session: no TIOCSTI into our tty.
  const a = ['--unshare-all', '--die-with-parent', '--new-session', '--hostname', 'sandbox'];
  // Only the system's read-only program and library trees; no /etc, /home, /root, /work or host /tmp.
  a.push('--ro-bind', '/usr', '/usr');
  for (const e of spec.rootEntries) {
    if (e.kind === 'symlink') a.push('--symlink', e.target, e.path);
    else a.push('--ro-bind', e.path, e.path);
  }
  for (const p of spec.extraRoBinds) a.push('--ro-bind', p, p);
  // Folders of those trees the program must not read (this package's expected outputs): an empty read-only tmpfs.
  for (const p of spec.hidden ?? []) a.push('--size', String(HIDE_BYTES), '--tmpfs', p, '--remount-ro', p);
  // A minimal /dev (null, zero, full, random, urandom, tty, pts), read-only: its /dev/shm would otherwise be a
  // writable tmpfs with no size limit, outside the scratch limit, taking host memory.
  a.push('--proc', '/proc', '--dev', '/dev', '--remount-ro', '/dev');
  // Scratch space that vanishes with the sandbox and cannot grow past SCRATCH_BYTES.
  a.push('--size', String(SCRATCH_BYTES), '--tmpfs', '/tmp');
  a.push('--ro-bind', spec.workDir, spec.workDir);
  // The sandbox's root is a tmpfs bwrap built; make it read-only so only the scratch /tmp takes writes.
  a.push('--remount-ro', '/', '--chdir', '/tmp');
  a.push('--clearenv');
  for (const [k, v] of Object.entries(env)) a.push('--setenv', k, v);
  return a;
}
