// src/verify/math/datasets.test.ts — the bars on real benchmark answers (../shared/data, or $R1_DATA_DIR):
// MATH-500 boxed solutions agree with their answers (>= 99%), perturbed answers are rejected (<= 0.5% false
// positives), every GSM8K answer verifies in rewritten equivalent forms. Skipped when the data is absent.

import test from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Rng } from '../../util/rng.js';
import { extractAnswer } from './extract.js';
import { isEquivalent, verifyCompletion } from './equiv.js';

function dataDir(): string {
  const env = process.env['R1_DATA_DIR'];
  if (env !== undefined && env !== '') return resolve(env);
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return join(dir, '..', 'shared', 'data');
}

const DIR = dataDir();
const skip = existsSync(DIR) ? false : `benchmark data folder ${DIR} is absent (set R1_DATA_DIR to run these tests)`;

function readJsonl<T>(file: string): T[] {
  return readFileSync(join(DIR, file), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as T);
}

type MathRow = { solution: string; answer: string; unique_id: string };

test('MATH-500: the boxed answer of each solution verifies against its answer (>= 99%)', { skip }, (t) => {
  const rows = readJsonl<MathRow>('math500-test.jsonl');
  assert.equal(rows.length, 500);
  const misses: string[] = [];
  for (const r of rows) {
    const got = extractAnswer(r.solution, { priority: ['boxed'] });
    if (got === null || !isEquivalent(r.answer, got.answer)) misses.push(`${r.unique_id}: ${JSON.stringify(r.answer)} vs ${JSON.stringify(got?.answer ?? null)}`);
  }
  // The same answers typeset differently: \\dfrac for \\frac, no \\left \\right, inside $...$.
  const retyped = rows.filter((r) => !isEquivalent(r.answer, `$${r.answer.replace(/\\frac/g, '\\dfrac').replace(/\\left|\\right/g, '')}$`));
  assert.deepEqual(retyped.map((r) => r.answer), []);
  t.diagnostic(`MATH-500 boxed agreement: ${rows.length - misses.length}/${rows.length}; misses: ${misses.length === 0 ? 'none' : misses.join('; ')}`);
  assert.ok(misses.length <= rows.length * 0.01, `misses:\n${misses.join('\n')}`);
});

/** A wrong answer close to `answer`: one digit changed (outside \text{} units), or a changed word. */
function perturb(answer: string, rng: Rng): string {
  const textSpans = [...answer.matchAll(/\\(?:text|mbox|mathrm)\{[^}]*\}(?:\^\{?\d\}?)?/g)].map((m) => [m.index, m.index + m[0].length]);
  const inText = (i: number): boolean => textSpans.some(([a, b]) => i >= (a as number) && i < (b as number));
  const digits = [...answer.matchAll(/\d/g)].map((m) => m.index).filter((i) => !inText(i));
  if (digits.length > 0) {
    const i = rng.pick(digits);
    const d = Number(answer[i]);
    return answer.slice(0, i) + String((d + rng.int(1, 9)) % 10) + answer.slice(i + 1);
  }
  const letters = [...answer.matchAll(/[A-Za-z]/g)].map((m) => m.index).filter((i) => answer[i - 1] !== '\\' && !/[A-Za-z]/.test(answer[i - 1] ?? ''));
  if (letters.length > 0) {
    const i = rng.pick(letters);
    const c = answer[i] as string;
    return `${answer.slice(0, i)}${c === 'q' ? 'w' : 'q'}${answer.slice(i + 1)}`;
  }
  return `${answer}+1`;
}

test('MATH-500: a perturbed wrong answer is rejected (false positives <= 0.5%)', { skip }, (t) => {
  const rows = readJsonl<MathRow>('math500-test.jsonl');
  const rng = new Rng(2025);
  const accepted: string[] = [];
  for (const r of rows) {
    const wrong = perturb(r.answer, rng);
    assert.notEqual(wrong, r.answer);
    if (isEquivalent(r.answer, wrong)) accepted.push(`${r.unique_id}: ${JSON.stringify(r.answer)} accepted ${JSON.stringify(wrong)}`);
  }
  t.diagnostic(`MATH-500 perturbed false positives: ${accepted.length}/${rows.length}${accepted.length > 0 ? `: ${accepted.join('; ')}` : ''}`);
  assert.ok(accepted.length <= rows.length * 0.005, `false positives:\n${accepted.join('\n')}`);
});

test('GSM8K: every answer verifies in rewritten equivalent forms, and n+1 never does', { skip }, () => {
  const rows = readJsonl<{ answer: string }>('gsm8k-test.jsonl');
  assert.equal(rows.length, 1319);
  const failures: string[] = [];
  for (const [k, r] of rows.entries()) {
    const m = /####\s*(.+)\s*$/.exec(r.answer);
    assert.ok(m !== null, `row ${k + 1} has no #### answer`);
    const gold = (m[1] as string).replace(/,/g, '').trim();
    const n = Number(gold);
    assert.ok(Number.isFinite(n), `row ${k + 1}: gold ${gold} is a number`);
    const grouped = n.toLocaleString('en-US', { maximumFractionDigits: 10 });
    const forms = [gold, grouped, `${gold}.0`, `${n.toFixed(2)}`, `${gold} dollars`, `\\$${grouped}`, `\\text{${gold}}`, `x = ${gold}`, `$${gold}$`];
    for (const f of forms) if (!isEquivalent(gold, f)) failures.push(`row ${k + 1}: ${gold} vs ${f}`);
    const completions = [`so the total is \\boxed{${grouped}}.`, `The answer is ${gold}.`, `Thus ${n} - 0 = ${n}.\n#### ${grouped}`, `<answer>${gold}</answer>`];
    for (const c of completions) if (!verifyCompletion(gold, c).correct) failures.push(`row ${k + 1}: ${gold} in ${JSON.stringify(c)}`);
    if (isEquivalent(gold, String(n + 1))) failures.push(`row ${k + 1}: ${gold} accepted ${n + 1}`);
  }
  assert.deepEqual(failures, []);
});
