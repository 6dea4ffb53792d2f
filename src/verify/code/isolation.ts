// src/verify/code/isolation.ts — the one place that decides how a run is isolated (pure).
//
// Order of precedence: the caller's `isolation` option, then the R1_SANDBOX environment variable, then `auto`
// (bubblewrap, else unshare, else a refusal unless the caller opted in to the rlimits fallback).

import type { IsolationMode } from './command.js';
import type { SandboxEnvironment } from './probe.js';
import type { IsolationChoice, RunOptions } from './types.js';

/** Environment variable that picks a namespace backend for every run of the process (`auto` by default). */
export const ISOLATION_ENV = 'R1_SANDBOX';

/**
 * The choice R1_SANDBOX makes: `auto`, `bubblewrap` or `unshare`. Unset or empty is undefined. `rlimits` is not
 * accepted here: the fallback needs an explicit opt-in where the run is configured (--unsafe-sandbox).
 */
export function isolationFromEnv(value: string | undefined): Exclude<IsolationChoice, 'rlimits'> | undefined {
  if (value === undefined || value === '') return undefined;
  if (value === 'auto' || value === 'bubblewrap' || value === 'unshare') return value;
  if (value === 'rlimits') {
    throw new Error(`${ISOLATION_ENV}=rlimits is not accepted: the rlimits fallback is not safe to reward with and needs an explicit opt-in (--unsafe-sandbox, or isolation: 'rlimits' in the options)`);
  }
  throw new Error(`${ISOLATION_ENV}=${value} is not an isolation: use auto, bubblewrap or unshare`);
}

/**
 * Which isolation a run gets, given the probe and the caller's choice. Throws when a namespace backend is forced
 * but does not work here, and when no namespace backend works and the caller did not opt in to the fallback.
 */
export function chooseIsolation(env: SandboxEnvironment, options?: RunOptions, fromEnv: string | undefined = process.env[ISOLATION_ENV]): IsolationMode {
  const choice = options?.isolation ?? isolationFromEnv(fromEnv) ?? 'auto';
  if (choice === 'rlimits') return 'rlimits';
  if (choice === 'bubblewrap' || choice === 'unshare') {
    const why = env.backends[choice];
    if (why !== null) throw new Error(`isolation '${choice}' requested but unavailable: ${why}`);
    return choice;
  }
  if (env.isolation === 'rlimits' && options?.unsafeSandbox !== true) {
    throw new Error(
      `code sandbox: no namespace sandbox works here (${env.reason ?? 'unknown reason'}) and the rlimits fallback is not safe to reward with ` +
        `(a program can read the host's files, e.g. expected outputs, and use the network); install bubblewrap or allow user namespaces ` +
        `(for unshare), or opt in with --unsafe-sandbox (library: unsafeSandbox: true or isolation: 'rlimits')`,
    );
  }
  return env.isolation;
}
