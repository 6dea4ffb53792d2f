// src/verify/code/info.ts — sandboxInfo(): which isolation runs get here, and why, so a fallback is never silent.

import type { IsolationMode } from './command.js';
import { ISOLATION_ENV, isolationFromEnv } from './isolation.js';
import { probeSandbox, type NamespaceBackend } from './probe.js';
import type { IsolationChoice, Language } from './types.js';

export interface SandboxInfo {
  /** What runs with the given choice get (by default R1_SANDBOX, else `auto`). */
  isolation: IsolationMode;
  /** Why that is not bubblewrap, or which option chose it. */
  reason?: string;
  /** Per namespace backend: null when it works here, else why not. */
  backends?: Record<NamespaceBackend, string | null>;
  /**
   * `per-run`: each run gets its own uid (we are root), so process limits and cleanup are exact.
   * `shared`: runs keep the caller's uid; RLIMIT_NPROC is set to the caller's current task count plus the budget.
   */
  uid: 'per-run' | 'shared';
  /** Interpreters runs use by default (null: none found, runs in that language fail with a clear error). */
  interpreters: Record<Language, string | null>;
  /**
   * What the rlimits fallback cannot contain, listed whenever it is in force: it has no network namespace and no
   * private filesystem view.
   */
  limitations: string[];
}

/** Limits of the rlimits fallback, stated once here and in the README. */
export const RLIMITS_LIMITATIONS: readonly string[] = [
  'network is not blocked (no network namespace)',
  'files readable by every user (e.g. /etc/passwd) can be read',
  'world-writable places (e.g. /tmp) can be written to',
  'other processes are visible in /proc, and without a per-run uid (a non-root caller) the caller\'s own can be signalled: a program can kill the process that runs it',
];

/**
 * How code runs are isolated on this machine (probes once, then cached). A namespace backend that is asked for
 * but does not work is reported as `rlimits` with the reason; runs with that choice fail.
 */
export async function sandboxInfo(opts: { isolation?: IsolationChoice } = {}): Promise<SandboxInfo> {
  const env = await probeSandbox();
  const base = { uid: env.perRunUid ? ('per-run' as const) : ('shared' as const), interpreters: env.interpreters, backends: env.backends };
  if (env.unusable) {
    return { ...base, isolation: 'rlimits', reason: env.unusable, uid: 'shared', limitations: ['no run is possible: ' + env.unusable] };
  }
  const fromEnv = opts.isolation === undefined ? isolationFromEnv(process.env[ISOLATION_ENV]) : undefined;
  const choice = opts.isolation ?? fromEnv ?? 'auto';
  const by = fromEnv !== undefined ? `${ISOLATION_ENV}=${fromEnv}` : 'option';
  let isolation: IsolationMode = env.isolation;
  let reason = env.reason;
  if (choice === 'rlimits') {
    isolation = 'rlimits';
    reason = 'rlimits forced by option';
  } else if (choice !== 'auto') {
    const why = env.backends[choice];
    isolation = why === null ? choice : 'rlimits';
    reason = why === null ? `${choice} chosen by ${by}` : `${choice} requested by ${by} but unavailable: ${why}`;
  }
  const info: SandboxInfo = { ...base, isolation, limitations: isolation === 'rlimits' ? [...RLIMITS_LIMITATIONS] : [] };
  if (reason !== undefined) info.reason = reason;
  return info;
}
