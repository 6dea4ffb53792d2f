// src/verify/code/procs.ts — small /proc readers and killers used to make sure nothing a sandbox started outlives it.

import { readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { spawn } from 'node:child_process';

/** Pids (not zombies) whose real owner is `uid`, read from /proc. */
export function livePidsOfUid(uid: number): number[] {
  const out: number[] = [];
  for (const name of safeReaddir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (statSync(`/proc/${name}`).uid !== uid) continue;
      if (processState(name) === 'Z') continue;
      out.push(Number(name));
    } catch {
      // The process exited while we looked: not live.
    }
  }
  return out;
}

/**
 * Tasks (threads included) owned by `uid`: what RLIMIT_NPROC counts. Used when the sandbox must share the
 * caller's uid, so the limit can be set to "what is there now + what the sandbox may add".
 */
export function taskCountOfUid(uid: number): number {
  let n = 0;
  for (const name of safeReaddir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (statSync(`/proc/${name}`).uid !== uid) continue;
      const m = /^Threads:\s+(\d+)/m.exec(readFileSync(`/proc/${name}/status`, 'utf8'));
      n += m ? Number(m[1]) : 1;
    } catch {
      // Gone already.
    }
  }
  return n;
}

/**
 * Live pids of `uid` (ours excluded) that carry `envEntry` (e.g. "R1_SANDBOX_RUN=<token>") in their initial
 * environment or whose working directory lies in `dir`: what a run left behind when it shares our uid and
 * some process left the process group with setsid. A process that re-executes itself with a fresh
 * environment and leaves the directory escapes this net (see README: limits of the fallback).
 */
export function livePidsMarked(uid: number, envEntry: string, dir: string): number[] {
  const out: number[] = [];
  for (const name of safeReaddir('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      if (statSync(`/proc/${name}`).uid !== uid || processState(name) === 'Z') continue;
      let cwd = '';
      try {
        cwd = readlinkSync(`/proc/${name}/cwd`);
      } catch {
        // Not readable: rely on the environment.
      }
      const marked = cwd === dir || cwd.startsWith(dir + '/') || readFileSync(`/proc/${name}/environ`, 'latin1').split('\0').includes(envEntry);
      if (marked) out.push(Number(name));
    } catch {
      // Gone already.
    }
  }
  return out;
}

/** Live (non-zombie) pids whose command line contains `needle` (tests use it to look for leftovers). */
export function livePidsWithCmdline(needle: string): number[] {
  const out: number[] = [];
  for (const name of safeReaddir('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      const cmd = readFileSync(`/proc/${name}/cmdline`, 'utf8');
      if (cmd.includes(needle) && processState(name) !== 'Z') out.push(Number(name));
    } catch {
      // Gone already.
    }
  }
  return out;
}

/** SIGKILL a whole process group; a group that is already gone is not an error. */
export function killGroup(pgid: number): void {
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
  }
}

/** true while any member of process group `pgid` exists (zombies included). */
export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Kill every process of `uid` by running `kill -9 -1` as that uid (kill(2) with pid -1 reaches exactly the
 * processes the caller may signal: those of its own uid). Needs root and setpriv; catches processes that left
 * the sandbox's process group with setsid.
 */
export function killAllOfUid(setpriv: string, uid: number): Promise<void> {
  return new Promise((resolve) => {
    const child = spawn(
      setpriv,
      [`--reuid=${uid}`, `--regid=${uid}`, '--clear-groups', '--', '/bin/sh', '-c', 'kill -9 -1; exit 0'],
      { stdio: 'ignore', env: { PATH: '/usr/bin:/bin' } },
    );
    child.on('error', () => resolve());
    child.on('close', () => resolve());
  });
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Poll `done` every few milliseconds until it holds or `maxMs` passes; returns whether it held. */
export async function waitUntil(done: () => boolean, maxMs: number): Promise<boolean> {
  const end = Date.now() + maxMs;
  for (;;) {
    if (done()) return true;
    if (Date.now() >= end) return false;
    await sleep(5);
  }
}

function processState(pid: string): string {
  // /proc/<pid>/stat is "pid (comm) S ..."; comm may contain spaces or parentheses, so read after the last ')'.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
