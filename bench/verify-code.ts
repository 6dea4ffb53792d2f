// bench/verify-code.ts — code verification speed: sandboxed runs per second (Python and JavaScript; bubblewrap
// and the rlimits fallback) against a bare, unsandboxed spawn of the same interpreter measured in the same run.
// Run: npm run build && node dist/bench/verify-code.js [--runs 24]

import { spawn } from 'node:child_process';
import { runProgram, runTests, sandboxInfo, type Language, type TestCase } from '../src/verify/code/index.js';
import { CODE_PROBLEMS } from '../src/tasks/code/index.js';
import { JAVASCRIPT_REFERENCES, PYTHON_REFERENCES } from '../src/tasks/code/references.js';
import { printBenchHeader } from './header.js';
import { formatSpread, spreadOf, tooWide } from '../src/util/stats.js';
import { positiveIntArg } from './args.js';

const arg = positiveIntArg;

const RUNS = arg('runs', 24);
const CONCURRENCY = 2; // the target machine's cores, and runTests' default

const TRIVIAL: Record<Language, string> = {
  python: "print('hello')\n",
  javascript: "console.log('hello');\n",
};

// A small suite per language: the two-sum problem's call tests (3 tests) with its reference solution.
const SUITE_SLUG = 'two-sum';
const suiteTests = (CODE_PROBLEMS.find((p) => p.slug === SUITE_SLUG)?.tests ?? []) as TestCase[];
const SUITE_SOURCE: Record<Language, string> = {
  python: PYTHON_REFERENCES[SUITE_SLUG] as string,
  javascript: JAVASCRIPT_REFERENCES[SUITE_SLUG] as string,
};

/** `count` calls of `job`, `CONCURRENCY` at a time; seconds taken. */
async function timed(count: number, job: () => Promise<void>): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < count) {
        next++;
        await job();
      }
    }),
  );
  return (performance.now() - t0) / 1000;
}

/** The baseline: the interpreter spawned directly, no sandbox, no limits. */
function bareRun(interpreter: string, lang: Language): Promise<void> {
  const args = lang === 'python' ? ['-I', '-B', '-c', TRIVIAL.python] : ['-e', TRIVIAL.javascript];
  return new Promise((resolve, reject) => {
    const child = spawn(interpreter, args, { stdio: ['ignore', 'pipe', 'ignore'], env: { PATH: '/usr/bin:/bin' } });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 && out.trim() === 'hello' ? resolve() : reject(new Error(`bare ${lang} run failed`))));
  });
}

interface Config {
  label: string;
  /** One unit of work (one program run, or one program checked against its suite). */
  job: () => Promise<void>;
  seconds: number;
  units: number;
  /** Units per second in each round: their spread says whether the row can be trusted. */
  roundRates: number[];
}

/**
 * Measure configs interleaved: `rounds` rounds, each running every config for `perRound` units, so that load
 * from other processes on the machine spreads over all rows instead of skewing one.
 */
async function measure(configs: Config[], rounds: number, perRound: number): Promise<void> {
  for (const c of configs) await timed(2, c.job); // warm-up: page cache, probe
  for (let r = 0; r < rounds; r++) {
    for (const c of configs) {
      const t = await timed(perRound, c.job);
      c.seconds += t;
      c.units += perRound;
      c.roundRates.push(perRound / t);
    }
  }
}

const cfg = (label: string, job: () => Promise<void>): Config => ({ label, job, seconds: 0, units: 0, roundRates: [] });
let noisy = false;
const rate = (c: Config): number => c.units / c.seconds;

const info = await sandboxInfo();
printBenchHeader('r1ts code-verification bench');
console.log(`auto isolation: ${info.isolation}${info.reason ? ` (${info.reason})` : ''}; uid: ${info.uid}`);
console.log(`interpreters: python ${info.interpreters.python ?? 'none'}, javascript ${info.interpreters.javascript ?? 'none'}`);
console.log(`${RUNS} units per row, ${CONCURRENCY} at a time, rows interleaved in rounds\n`);

const isolations: ('bubblewrap' | 'rlimits')[] = info.isolation === 'bubblewrap' ? ['bubblewrap', 'rlimits'] : ['rlimits'];
const header = `${'language'.padEnd(11)}${'workload'.padEnd(34)}${'per s'.padStart(8)}${'ms each'.padStart(9)}${'ratio'.padStart(8)}  rounds`;
const row = (lang: string, c: Config, base: Config): void => {
  const sp = spreadOf(c.roundRates);
  noisy ||= tooWide(sp);
  console.log(`${lang.padEnd(11)}${c.label.padEnd(34)}${rate(c).toFixed(1).padStart(8)}${(1000 / rate(c)).toFixed(0).padStart(9)}${`${(rate(c) / rate(base)).toFixed(2)}x`.padStart(8)}  ${formatSpread(sp)}`);
};
const rounds = 4;
const perRound = Math.max(2, Math.round(RUNS / rounds));

console.log('(a) trivial program (print one line): runs per second; ratio vs a bare spawn of the interpreter');
console.log(header);
for (const lang of ['python', 'javascript'] as Language[]) {
  const interpreter = info.interpreters[lang];
  if (!interpreter) {
    console.log(`${lang.padEnd(11)}(no interpreter found)`);
    continue;
  }
  const bare = cfg('bare spawn, no sandbox', () => bareRun(interpreter, lang));
  const boxed = isolations.map((isolation) =>
    cfg(`sandboxed: ${isolation}`, async () => {
      const r = await runProgram(lang, TRIVIAL[lang], '', {}, { isolation });
      if (r.exitCode !== 0 || r.stdout.trim() !== 'hello') throw new Error(`${isolation} ${lang} run failed: ${r.stderr}`);
    }),
  );
  await measure([bare, ...boxed], rounds, perRound);
  for (const c of [bare, ...boxed]) row(lang, c, bare);
}

console.log(`\n(b) small suite (${SUITE_SLUG}: ${suiteTests.length} call tests, reference solution): programs checked per second;`);
console.log('    ratio vs one sandboxed process per test under bubblewrap (runTests with batchCalls: false)');
console.log(header);
for (const lang of ['python', 'javascript'] as Language[]) {
  if (!info.interpreters[lang]) continue;
  const suite = (isolation: 'bubblewrap' | 'rlimits', batchCalls: boolean) => async (): Promise<void> => {
    const s = await runTests(lang, SUITE_SOURCE[lang], suiteTests, { isolation, batchCalls, concurrency: 1 });
    if (s.score !== 1) throw new Error(`${isolation} ${lang} suite failed: ${JSON.stringify(s.results)}`);
  };
  const iso0 = isolations[0] as 'bubblewrap' | 'rlimits';
  const base = cfg(`${iso0}, one process per test`, suite(iso0, false));
  const batched = isolations.map((iso) => cfg(`${iso}, calls batched`, suite(iso, true)));
  await measure([base, ...batched], rounds, Math.max(2, Math.round(perRound / 2)));
  for (const c of [base, ...batched]) row(lang, c, base);
}
console.log('\n(b) runs two programs at a time, each program\'s processes one by one (concurrency 1 inside runTests).');
if (noisy) console.log('some rows varied too much between rounds to trust (the machine was busy): rerun when it is quiet');
