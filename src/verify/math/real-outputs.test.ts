// src/verify/math/real-outputs.test.ts — the table of real-output cases (real-outputs.cases.ts): every completion
// goes through the one completion parser and the comparer, as a task's check does, and must get its verdict.

import test from 'node:test';
import assert from 'node:assert/strict';
import { parseCompletion } from '../completion.js';
import { compareAnswers } from './equiv.js';
import { MathVerifier } from './verifier.js';
import { realOutputCases } from './real-outputs.cases.js';

const rows = realOutputCases();

/** The verdict of one completion: parse it, then compare its final answer with the gold. */
function verdict(gold: string, completion: string): { correct: boolean; extracted: string | null } {
  const found = parseCompletion(completion).final;
  if (found === null) return { correct: false, extracted: null };
  return { correct: compareAnswers(gold, found.answer).correct, extracted: found.answer };
}

test('real-output table: at least 400 rows, each group with both verdicts', () => {
  assert.ok(rows.length >= 400, `only ${rows.length} rows`);
  const groups = new Map<string, Set<boolean>>();
  for (const r of rows) groups.set(r.group, (groups.get(r.group) ?? new Set()).add(r.correct));
  for (const [group, verdicts] of groups) assert.equal(verdicts.size, 2, `group "${group}" needs correct and wrong rows`);
});

test('real-output table: every completion gets its expected verdict', (t) => {
  const failures: string[] = [];
  const byGroup = new Map<string, { n: number; ok: number }>();
  for (const r of rows) {
    const v = verdict(r.gold, r.completion);
    const g = byGroup.get(r.group) ?? { n: 0, ok: 0 };
    g.n++;
    if (v.correct === r.correct) g.ok++;
    else failures.push(`[${r.group}] gold ${JSON.stringify(r.gold)}, extracted ${JSON.stringify(v.extracted)}: expected ${r.correct}\n    ${JSON.stringify(r.completion.slice(0, 160))}`);
    byGroup.set(r.group, g);
  }
  const ok = rows.length - failures.length;
  t.diagnostic(`real-output table: ${ok}/${rows.length} (${[...byGroup].map(([k, v]) => `${k} ${v.ok}/${v.n}`).join('; ')})`);
  assert.deepEqual(failures, []);
});

test('real-output table: the time-bounded verifier agrees with the in-process verdicts', async () => {
  const verifier = new MathVerifier({ timeoutMs: 10_000 });
  try {
    const sample = rows.filter((_, k) => k % 7 === 0);
    const got = await Promise.all(
      sample.map(async (r) => {
        const found = parseCompletion(r.completion).final;
        return found === null ? false : (await verifier.compare(r.gold, found.answer)).correct;
      }),
    );
    assert.deepEqual(got, sample.map((r) => r.correct));
  } finally {
    await verifier.close();
  }
});
