// src/verify/code/info.ts — sandboxInfo(): which isolation runs get here, and why, so a fallback is never silent.

import { probeSandbox } from './probe.js';
import type { Language } from './types.js';

export interface SandboxInfo {
  /** What `isolation: 'auto'` runs get. */
  isolation: 'bubblewrap' | 'rlimits';
  /** Why bubblewrap is not used, when it is not. */
  reason?: string;
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
  'other processes are visible in /proc',
];

/** How code runs are isolated on this machine (probes once, then cached). */
export async function sandboxInfo(opts: { isolation?: 'auto' | 'rlimits' } = {}): Promise<SandboxInfo> {
  const env = await probeSandbox();
  if (env.unusable) {
    return { isolation: 'rlimits', reason: env.unusable, uid: 'shared', interpreters: env.interpreters, limitations: ['no run is possible: ' + env.unusable] };
  }
  const forced = opts.isolation === 'rlimits';
  const isolation = forced ? 'rlimits' : env.isolation;
  const info: SandboxInfo = {
    isolation,
    uid: env.perRunUid ? 'per-run' : 'shared',
    interpreters: env.interpreters,
    limitations: isolation === 'rlimits' ? [...RLIMITS_LIMITATIONS] : [],
  };
  if (forced) info.reason = 'rlimits forced by option';
  else if (env.reason) info.reason = env.reason;
  return info;
}
