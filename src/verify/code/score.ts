// src/verify/code/score.ts — runTests: a program against its test cases, a few at a time, into a reward.

import { z } from 'zod';
import { jsonEqual, outputMatches, toJsonValue } from './compare.js';
import { buildHarness, newMarker, parseHarnessOutput, type HarnessCall } from './harness.js';
import { entryName, runJob } from './run.js';
import { checkLanguage, resolveLimits, testCaseSchema, type CodeScore, type Language, type RunResult, type RunTestsOptions, type SandboxLimits, type TestCase } from './types.js';

/** Default number of sandboxed processes of one program at once: the target machine has 2 cores. */
export const DEFAULT_CONCURRENCY = 2;

type Verdict = { ok: boolean; reason?: string };
type CallTest = Extract<TestCase, { kind: 'call' }>;

/**
 * Run `source` against every test and score it: `fraction` (default) = passed / total, `all-pass` = 1 only when
 * every test passes. Each stdio test is its own sandboxed process. Call tests first run together in one process,
 * in order (cheap: one interpreter start-up per program); any call that batch did not report — a hang, a crash,
 * a limit — is run again alone, so one bad test costs only itself. Without `batchCalls`, every call runs alone.
 */
export async function runTests(lang: Language, source: string, tests: TestCase[], opts: RunTestsOptions = {}): Promise<CodeScore> {
  checkLanguage('runTests', lang);
  if (typeof source !== 'string') throw new TypeError('runTests: source must be a string');
  const parsed = z.array(testCaseSchema).min(1, 'at least one test is needed').safeParse(tests);
  if (!parsed.success) {
    throw new Error(`runTests: bad tests: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  const reward = opts.reward ?? 'fraction';
  if (reward !== 'fraction' && reward !== 'all-pass') throw new Error(`runTests: unknown reward mode ${String(reward)}`);
  const concurrency = opts.concurrency ?? DEFAULT_CONCURRENCY;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error(`runTests: concurrency must be a positive integer, got ${concurrency}`);
  const limits = resolveLimits(opts.limits);
  const list = parsed.data;

  const results: (Verdict | undefined)[] = new Array(list.length);
  const callIdx = list.flatMap((t, i) => (t.kind === 'call' ? [i] : []));
  const jobs: (() => Promise<void>)[] = [];
  for (const [i, t] of list.entries()) {
    if (t.kind === 'stdio') jobs.push(async () => void (results[i] = await runStdio(lang, source, t, limits, opts)));
  }
  const batch = (opts.batchCalls ?? true) && callIdx.length > 1;
  if (batch) {
    jobs.unshift(async () => {
      const got = await runCalls(lang, source, callIdx.map((i) => list[i] as CallTest), limits, opts);
      got.forEach((v, k) => {
        if (v) results[callIdx[k] as number] = v;
      });
    });
  }
  await pool(jobs, concurrency);
  // Calls the batch left unreported (or every call, without batching) run alone.
  const alone = callIdx.filter((i) => results[i] === undefined);
  await pool(
    alone.map((i) => async () => {
      const [v] = await runCalls(lang, source, [list[i] as CallTest], limits, opts);
      results[i] = v ?? { ok: false, reason: 'no result (the function did not return)' };
    }),
    concurrency,
  );
  const final = results.map((r) => r ?? { ok: false, reason: 'not run' });
  const passed = final.filter((r) => r.ok).length;
  const total = final.length;
  const score = reward === 'fraction' ? passed / total : passed === total ? 1 : 0;
  return { score, passed, total, results: final };
}

async function runStdio(lang: Language, source: string, test: Extract<TestCase, { kind: 'stdio' }>, limits: SandboxLimits, opts: RunTestsOptions): Promise<Verdict> {
  const entry = entryName(lang, source);
  const r = await runJob({ lang, files: [{ name: entry, content: source }], entry, stdin: test.input, limits, options: opts });
  const failure = runFailure(r);
  if (failure) return { ok: false, reason: failure };
  return outputMatches(r.stdout, test.output) ? { ok: true } : { ok: false, reason: 'wrong output' };
}

/**
 * Run calls in one harness process. Returns a verdict per call, or undefined for a call the run did not report
 * (the caller may retry it alone). When the candidate never loaded, every call gets that failure: it is the
 * same for all of them, so retrying would only repeat it.
 */
async function runCalls(lang: Language, source: string, calls: CallTest[], limits: SandboxLimits, opts: RunTestsOptions): Promise<(Verdict | undefined)[]> {
  const marker = newMarker();
  const h = buildHarness(lang, source, calls.map((c): HarnessCall => ({ fn: c.fn, args: c.args })), marker);
  const r = await runJob({ lang, files: h.files, entry: h.entry, stdin: '', limits, options: opts });
  const report = parseHarnessOutput(r.stdout, marker, calls.length);
  const failure = runFailure(r);
  if (!report.ready) {
    const reason = failure ?? 'the program did not load';
    return calls.map(() => ({ ok: false, reason }));
  }
  return calls.map((c, k): Verdict | undefined => {
    const got = report.calls[k];
    if (got === null || got === undefined) return calls.length === 1 ? { ok: false, reason: failure ?? 'no result (the function did not return)' } : undefined;
    if ('error' in got) return { ok: false, reason: got.error };
    return jsonEqual(got.value, toJsonValue(c.expected)) ? { ok: true } : { ok: false, reason: 'wrong result' };
  });
}

/** Run jobs `concurrency` at a time. */
async function pool(jobs: (() => Promise<void>)[], concurrency: number): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < jobs.length) await (jobs[next++] as () => Promise<void>)();
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, jobs.length) }, worker));
}

/** Why a run cannot count as passing (limits, crashes), or null when it exited cleanly. */
export function runFailure(r: RunResult): string | null {
  if (r.timedOut) return 'time limit (wall clock)';
  if (r.outputTruncated) return 'output limit';
  if (r.memoryExceeded) return 'memory limit';
  if (r.signal === 'SIGXCPU') return 'time limit (cpu)';
  if (r.signal) return `killed by ${r.signal}`;
  if (r.exitCode !== 0) return `runtime error (exit ${r.exitCode})${lastLine(r.stderr)}`;
  return null;
}

function lastLine(stderr: string): string {
  const line = stderr.trim().split('\n').pop()?.trim();
  return line ? `: ${line.slice(0, 200)}` : '';
}
