// src/verify/code/score.ts — runTests: a program against its test cases, a few at a time, into a reward.

import { jsonEqual, outputMatches, toJsonValue } from './compare.js';
import { buildHarness, newMarker, parseHarnessOutput } from './harness.js';
import { entryName, runJob } from './run.js';
import { languageSchema, resolveLimits, testCaseSchema, type CodeScore, type Language, type RunResult, type RunTestsOptions, type SandboxLimits, type TestCase } from './types.js';
import { z } from 'zod';

/** Default number of tests of one program run at once: the target machine has 2 cores. */
export const DEFAULT_CONCURRENCY = 2;

/**
 * Run `source` against every test and score it: `fraction` (default) = passed / total, `all-pass` = 1 only when
 * every test passes. Each test is its own sandboxed process, so one hanging test costs only its own limits.
 */
export async function runTests(lang: Language, source: string, tests: TestCase[], opts: RunTestsOptions = {}): Promise<CodeScore> {
  languageSchema.parse(lang);
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

  const results: { ok: boolean; reason?: string }[] = new Array(parsed.data.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < parsed.data.length) {
      const i = next++;
      results[i] = await runOne(lang, source, parsed.data[i] as TestCase, limits, opts);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, parsed.data.length) }, worker));
  const passed = results.filter((r) => r.ok).length;
  const total = results.length;
  const score = reward === 'fraction' ? passed / total : passed === total ? 1 : 0;
  return { score, passed, total, results };
}

async function runOne(lang: Language, source: string, test: TestCase, limits: SandboxLimits, opts: RunTestsOptions): Promise<{ ok: boolean; reason?: string }> {
  if (test.kind === 'stdio') {
    const entry = entryName(lang, source);
    const r = await runJob({ lang, files: [{ name: entry, content: source }], entry, stdin: test.input, limits, options: opts });
    const failure = runFailure(r);
    if (failure) return { ok: false, reason: failure };
    return outputMatches(r.stdout, test.output) ? { ok: true } : { ok: false, reason: 'wrong output' };
  }
  const marker = newMarker();
  const h = buildHarness(lang, source, test.fn, test.args, marker);
  const r = await runJob({ lang, files: h.files, entry: h.entry, stdin: '', limits, options: opts });
  const failure = runFailure(r);
  if (failure) return { ok: false, reason: failure };
  const got = parseHarnessOutput(r.stdout, marker);
  if ('error' in got) return { ok: false, reason: got.error };
  return jsonEqual(got.value, toJsonValue(test.expected)) ? { ok: true } : { ok: false, reason: 'wrong result' };
}

/** Why a run cannot count as passing (limits, crashes), or null when it exited cleanly. */
export function runFailure(r: RunResult): string | null {
  if (r.timedOut) return 'time limit (wall clock)';
  if (r.outputTruncated) return 'output limit';
  if (r.memoryExceeded) return 'memory limit';
  if (r.signal === 'SIGXCPU' || r.signal === 'SIGKILL') return r.signal === 'SIGXCPU' ? 'time limit (cpu)' : 'killed (SIGKILL)';
  if (r.signal) return `killed by ${r.signal}`;
  if (r.exitCode !== 0) return `runtime error (exit ${r.exitCode})${lastLine(r.stderr)}`;
  return null;
}

function lastLine(stderr: string): string {
  const line = stderr.trim().split('\n').pop()?.trim();
  return line ? `: ${line.slice(0, 200)}` : '';
}
