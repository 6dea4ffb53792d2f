// src/verify/code/types.ts — public types of the code verifier: languages, test cases, sandbox limits and results.

import { z } from 'zod';

/** The languages a candidate program may be written in. */
export type Language = 'python' | 'javascript';
export const LANGUAGES: readonly Language[] = ['python', 'javascript'];

/**
 * One test of a candidate program.
 * - `stdio`: feed `input` on stdin, compare stdout with `output` (line endings and trailing whitespace ignored).
 * - `call`: call function `fn` with `args` (JSON values); the result, serialised as JSON inside the sandbox, is
 *   compared with `expected` in the parent (so `expected` never enters the sandbox).
 */
export type TestCase =
  | { kind: 'stdio'; input: string; output: string }
  | { kind: 'call'; fn: string; args: unknown[]; expected: unknown };

/** Resource limits of one sandboxed run. */
export interface SandboxLimits {
  /** CPU seconds (RLIMIT_CPU soft limit; SIGXCPU, then SIGKILL one second later). Whole seconds. */
  cpuSeconds: number;
  /** Wall-clock milliseconds before the whole sandbox is killed. */
  wallMs: number;
  /** Memory in MiB: RLIMIT_DATA (heap + anonymous writable mappings); V8's old space is capped below it. */
  memoryMb: number;
  /**
   * Tasks (processes and threads) the sandbox user may hold, counting the sandbox's own helper processes;
   * Node alone needs about 10 (V8 worker threads), Python about 4.
   */
  maxProcesses: number;
  /** Bytes of stdout + stderr kept; the run is killed as soon as more arrive. */
  maxOutputBytes: number;
}

/** Limits used when a caller gives none: small, because verification runs on every GRPO sample. */
export const DEFAULT_LIMITS: SandboxLimits = Object.freeze({
  cpuSeconds: 2,
  wallMs: 5000,
  memoryMb: 512,
  maxProcesses: 32,
  maxOutputBytes: 1 << 20,
});

/** What happened to one sandboxed run. */
export interface RunResult {
  /** Exit status, or null when killed by a signal. */
  exitCode: number | null;
  /** Terminating signal (e.g. "SIGKILL", "SIGXCPU"), or null. */
  signal: string | null;
  stdout: string;
  stderr: string;
  /** true when the wall-clock limit killed the run. */
  timedOut: boolean;
  /** true when output passed `maxOutputBytes` (the run was killed and the output cut). */
  outputTruncated: boolean;
  /** true when a run that failed (non-zero exit, signal) reported running out of memory (Python MemoryError, V8 heap limit). */
  memoryExceeded?: boolean;
  /** Wall-clock milliseconds from spawn to exit. */
  wallMs: number;
}

/**
 * How a run is isolated. `auto`: bubblewrap when the startup probe found it working, else unshare (util-linux,
 * user namespaces), else the rlimits fallback only when the caller opted in. `bubblewrap` / `unshare` force that
 * namespace backend (an error when it does not work here); `rlimits` forces the fallback (an explicit opt-in).
 */
export type IsolationChoice = 'auto' | 'bubblewrap' | 'unshare' | 'rlimits';

/** Options of one run beyond its limits (all optional). */
export interface RunOptions {
  /**
   * Force an isolation mode; `bubblewrap` / `unshare` fail when they do not work here. Default: the R1_SANDBOX
   * environment variable (auto, bubblewrap or unshare), else `auto`.
   */
  isolation?: IsolationChoice;
  /**
   * Let `auto` fall back to rlimits when no namespace backend (bubblewrap, unshare) works here. Off by default: the fallback cannot
   * stop a program reading world-readable files (e.g. a task's expected outputs) or using the network, so a
   * reward computed under it can be gamed. Forcing `isolation: 'rlimits'` is the other explicit opt-in.
   */
  unsafeSandbox?: boolean;
  /** Parent folder of the per-run temp dirs (default os.tmpdir()); must be searchable by other users. */
  tmpRoot?: string;
  /** Interpreter paths (absolute); by default /usr/bin/python3 (or /usr/local/bin/python3) and this Node. */
  interpreters?: Partial<Record<Language, string>>;
  /**
   * Host folders (absolute) the program must not see although they lie in a tree bound into the sandbox (/usr,
   * an interpreter's install prefix): each is covered by an empty read-only tmpfs. This package's own folder is
   * always hidden (a global install under /usr/lib/node_modules holds the code problems' expected outputs).
   * Namespace backends only; folders outside the bound trees are out of reach already.
   */
  hide?: string[];
}

/** Credit of one program over its tests. */
export interface CodeScore {
  /** Fraction passed (`fraction`) or 1/0 (`all-pass`). */
  score: number;
  passed: number;
  total: number;
  /** One entry per test, in order; `reason` says why a test failed. */
  results: { ok: boolean; reason?: string }[];
}

/** Reward mode: partial credit per test, or 1 only when every test passes. */
export type RewardMode = 'fraction' | 'all-pass';

/** Options of runTests. */
export interface RunTestsOptions extends RunOptions {
  limits?: Partial<SandboxLimits>;
  reward?: RewardMode;
  /** Sandboxed processes of one program at the same time (default 2: the target machine has 2 cores). */
  concurrency?: number;
  /**
   * Run a program's call tests together in one process first (default true); calls it does not report are
   * re-run alone. false: one process per call test.
   */
  batchCalls?: boolean;
}

// Function names must be plain identifiers: they are spliced into generated harness code.
const FN_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Why `v` has no faithful JSON form (NaN and Infinity would become null, so a function returning None would match
 * them; a BigInt, a function, a symbol or a cycle cannot be sent or compared), or null when it has one. `undefined`
 * and dates are left to JSON's usual conversion (null, a string).
 */
export function nonJsonValue(v: unknown): string | null {
  const found = nonJsonAt(v, new Set());
  if (found === null) return null;
  return found.path === '' ? found.why : `${found.path.replace(/^\./, '')}: ${found.why}`;
}

function nonJsonAt(v: unknown, seen: Set<object>): { path: string; why: string } | null {
  const here = (why: string): { path: string; why: string } => ({ path: '', why });
  if (typeof v === 'number') return Number.isFinite(v) ? null : here(`${v} is not a JSON number`);
  if (typeof v === 'bigint') return here(`the BigInt ${v}n is not JSON (use a number below 2^53, or a string)`);
  if (typeof v === 'function' || typeof v === 'symbol') return here(`a ${typeof v} is not JSON`);
  if (v === null || typeof v !== 'object') return null;
  if (seen.has(v)) return here('a circular structure is not JSON');
  seen.add(v);
  for (const [k, x] of Object.entries(v)) {
    const inner = nonJsonAt(x, seen);
    if (inner !== null) return { path: `${Array.isArray(v) ? `[${k}]` : `.${k}`}${inner.path}`, why: inner.why };
  }
  seen.delete(v);
  return null;
}

const jsonValue = z.unknown().superRefine((v, ctx) => {
  const why = nonJsonValue(v);
  if (why !== null) ctx.addIssue({ code: 'custom', message: why });
});

export const testCaseSchema: z.ZodType<TestCase> = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('stdio'), input: z.string(), output: z.string() }).strict(),
  z
    .object({
      kind: z.literal('call'),
      fn: z.string().regex(FN_NAME, 'fn must be a plain identifier'),
      args: z.array(jsonValue),
      expected: jsonValue,
    })
    .strict(),
]) as z.ZodType<TestCase>;

export const languageSchema = z.enum(['python', 'javascript']);

/** `lang` as a Language, or an Error that names it and the accepted ones. */
export function checkLanguage(lang: unknown, where: string): Language {
  const parsed = languageSchema.safeParse(lang);
  if (!parsed.success) throw new RangeError(`${where}: unknown language ${JSON.stringify(lang) ?? String(lang)} (use ${LANGUAGES.join(' or ')})`);
  return parsed.data;
}

export const limitsSchema = z
  .object({
    cpuSeconds: z.number().int().min(1).max(600),
    wallMs: z.number().int().min(100).max(600_000),
    memoryMb: z.number().int().min(64).max(65_536),
    maxProcesses: z.number().int().min(8).max(4096),
    maxOutputBytes: z.number().int().min(1).max(1 << 30),
  })
  .strict();

/** Merge partial limits over the defaults and validate them; throws an Error naming the bad field. */
export function resolveLimits(partial: Partial<SandboxLimits> | undefined): SandboxLimits {
  const parsed = limitsSchema.safeParse({ ...DEFAULT_LIMITS, ...(partial ?? {}) });
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`invalid sandbox limits: ${detail}`);
  }
  return parsed.data;
}

/** The host tools the unshare backend needs (absolute paths). */
export interface UnshareTools {
  unshare: string;
  mount: string;
  umount: string;
  pivotRoot: string;
  setpriv: string;
  sh: string;
}

/** Host tools found by the probe. */
export interface SandboxTools {
  bwrap: string | null;
  prlimit: string;
  setpriv: string | null;
  /** unshare and the tools its setup script runs; null when any of them is missing. */
  unshare: UnshareTools | null;
}

/** The three ways a run can be isolated: two namespace backends, and the rlimits-only fallback. */
export type IsolationMode = 'bubblewrap' | 'unshare' | 'rlimits';

/** How the top-level directories that hold the interpreters' libraries look on this host. */
export type RootEntry = { path: string; kind: 'symlink'; target: string } | { path: string; kind: 'dir' };

export interface CommandSpec {
  mode: IsolationMode;
  tools: SandboxTools;
  /** Run as this uid (needs root and setpriv); undefined = keep the caller's uid. */
  uid?: number;
  /** Absolute RLIMIT_NPROC value. */
  nproc: number;
  /** RLIMIT_STACK in bytes (default STACK_BYTES; see stackBytesFor). */
  stackBytes?: number;
  limits: SandboxLimits;
  /** The fresh host temp dir holding the program (bound read-only at the same path in the namespace modes). */
  workDir: string;
  /** /bin, /lib, /lib64... as they are on the host (symlinks into /usr on merged-/usr systems). */
  rootEntries: RootEntry[];
  /** Extra read-only binds, e.g. an interpreter installed outside /usr. */
  extraRoBinds: string[];
  /** Folders inside the bound trees covered by an empty read-only tmpfs (see RunOptions.hide). */
  hidden?: string[];
  /** Interpreter and its arguments, absolute paths. */
  argv: string[];
  /**
   * Set as R1_SANDBOX_RUN in the program's environment when given: lets the rlimits fallback on a shared uid
   * find processes of this run that left its process group.
   */
  runToken?: string;
}
