// bench/verify-math.ts — `npm run bench:verify` (first half): math verifications per second on MATH-500, each
// solution's completion against its answer. Baseline: the in-process verifier measured in the same run; then
// the time-bounded MathVerifier (worker threads) with 1 and 2 workers, and the slower path of wrong answers
// (perturbed digits) and of retyped answers (\dfrac, no \left/\right), where text equality cannot decide.
// Reads ../shared/data/math500-test.jsonl (or $R1_DATA_DIR); exits 1 with a message when it is missing.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveDataDir } from '../src/tasks/benchmarks/data-dir.js';
import { Rng } from '../src/util/rng.js';
import { compareAnswers, MathVerifier, verifyCompletion } from '../src/verify/math/index.js';
import { printBenchHeader } from './header.js';
import { warmUntilSteady } from './warm.js';
import { formatSpread, spreadOf, tooWide } from '../src/util/stats.js';

type Row = { solution: string; answer: string };

const dir = resolveDataDir();
const file = join(dir, 'math500-test.jsonl');
if (!existsSync(file)) {
  process.stderr.write(`bench/verify-math: ${file} not found (set R1_DATA_DIR to the folder holding math500-test.jsonl)\n`);
  process.exit(1);
}
const items = readFileSync(file, 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '')
  .map((l) => JSON.parse(l) as Row);
/** Each pass and round goes over the items this many times: a pass over 500 alone lasts ~20 ms once warm, too short to time. */
const CYCLES = 10;
const rows = Array.from({ length: CYCLES }, () => items).flat();

/** One digit changed: a wrong answer that still has to be parsed and evaluated. */
function perturb(answer: string, rng: Rng): string {
  const digits = [...answer.matchAll(/\d/g)].map((m) => m.index);
  if (digits.length === 0) return `${answer}+1`;
  const i = rng.pick(digits);
  return answer.slice(0, i) + String((Number(answer[i]) + rng.int(1, 9)) % 10) + answer.slice(i + 1);
}
const rng = new Rng(1);
const wrong = Array.from({ length: CYCLES }, () => items.map((r) => perturb(r.answer, rng))).flat();
/** The same answer typeset differently, so that equality is decided by parsing, not by identical text. */
const retyped = rows.map((r) => `$${r.answer.replace(/\\frac/g, '\\dfrac').replace(/\\left|\\right/g, '')}$ `);

const ROUNDS = 3;
/** Warm-up passes before the timed rounds (bench/warm.ts): how many each path took. */
async function warm(run: () => unknown): Promise<number> {
  const rates = await warmUntilSteady(async () => {
    const t = performance.now();
    await run();
    return 1 / (performance.now() - t);
  });
  return rates.length;
}
const warmPasses: string[] = [];
interface Line {
  name: string;
  n: number;
  seconds: number;
  correct: number;
  /** Every round's time: their spread says whether the best is trustworthy. */
  times: number[];
}

async function timeSync(name: string, run: () => boolean[]): Promise<Line> {
  warmPasses.push(`${name} ${await warm(run)}`); // JIT and the first load of the computer-algebra library
  const times: number[] = [];
  let correct = 0;
  for (let k = 0; k < ROUNDS; k++) {
    const t = performance.now();
    const out = run();
    times.push((performance.now() - t) / 1000);
    correct = out.filter(Boolean).length;
  }
  return { name, n: rows.length, seconds: Math.min(...times), correct, times };
}

async function timeAsync(name: string, run: () => Promise<boolean[]>): Promise<Line> {
  warmPasses.push(`${name} ${await warm(run)}`);
  const times: number[] = [];
  let correct = 0;
  for (let k = 0; k < ROUNDS; k++) {
    const t = performance.now();
    const out = await run();
    times.push((performance.now() - t) / 1000);
    correct = out.filter(Boolean).length;
  }
  return { name, n: rows.length, seconds: Math.min(...times), correct, times };
}

printBenchHeader('r1ts math-verification bench');
const lines: Line[] = [];
lines.push(await timeSync('in-process, solutions (baseline)', () => rows.map((r) => verifyCompletion(r.answer, r.solution).correct)));
lines.push(await timeSync('in-process, retyped answers', () => rows.map((r, k) => compareAnswers(r.answer, retyped[k] as string).correct)));
lines.push(await timeSync('in-process, perturbed answers', () => rows.map((r, k) => compareAnswers(r.answer, wrong[k] as string).correct)));
const startup: string[] = [];
for (const workers of [1, 2]) {
  const t = performance.now();
  const verifier = new MathVerifier({ workers, timeoutMs: 5000 });
  await verifier.equivalent('1', '1'); // wait for a worker to be ready
  startup.push(`${workers} worker(s): first answer after ${((performance.now() - t) / 1000).toFixed(2)} s`);
  lines.push(
    await timeAsync(`MathVerifier, ${workers} worker${workers > 1 ? 's' : ''}, solutions`, async () =>
      (await Promise.all(rows.map((r) => verifier.verify(r.answer, r.solution)))).map((v) => v.correct),
    ),
  );
  if (workers === 1) {
    lines.push(
      await timeAsync('MathVerifier, 1 worker, perturbed answers', async () =>
        (await Promise.all(rows.map((r, k) => verifier.compare(r.answer, wrong[k] as string)))).map((v) => v.correct),
      ),
    );
  }
  await verifier.close();
}

const base = lines[0] as Line;
const rate = (l: Line): number => l.n / l.seconds;
const width = Math.max(...lines.map((l) => l.name.length));
process.stdout.write(`MATH-500 math verification (${items.length} items ${CYCLES} times a round, best of ${ROUNDS} rounds after warming to a steady rate)\n\n`);
process.stdout.write(`${'path'.padEnd(width)}  ${'verif/s'.padStart(9)}  ${'ms/verif'.padStart(8)}  ${'vs baseline'.padStart(11)}  correct  rounds\n`);
for (const l of lines) {
  process.stdout.write(
    `${l.name.padEnd(width)}  ${rate(l).toFixed(0).padStart(9)}  ${((1000 * l.seconds) / l.n).toFixed(3).padStart(8)}  ${(rate(l) / rate(base)).toFixed(2).padStart(10)}x  ${`${l.correct}/${l.n}`.padStart(7)}  ${formatSpread(spreadOf(l.times))}\n`,
  );
}
if (lines.some((l) => tooWide(spreadOf(l.times)))) process.stdout.write('some rounds varied too much to trust (the machine was busy): rerun when it is quiet\n');
process.stdout.write(`\nworker start-up (not in the rates): ${startup.join('; ')}\n`);
process.stdout.write(`warm-up passes of ${rows.length} before the timed rounds: ${warmPasses.join('; ')}\n`);
