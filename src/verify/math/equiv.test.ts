// src/verify/math/equiv.test.ts — the table of equivalent / non-equivalent pairs, options, and hostile input.

import test from 'node:test';
import assert from 'node:assert/strict';
import { EQUIV_CASES } from './equiv-cases.js';
import { compareAnswers, describeAnswer, isEquivalent, verbatimAnswer, verifyCompletion } from './equiv.js';
import { ANSWER_PAIRS, realOutputCases } from './real-outputs.cases.js';
import { COMPLETION_CASES } from './real-completions.cases.js';
import { parseCompletion } from '../completion.js';
import { normalizeAnswer } from './normalize.js';

test(`table of ${EQUIV_CASES.length} equivalent / non-equivalent pairs`, () => {
  assert.ok(EQUIV_CASES.length >= 200, 'the table holds at least 200 pairs');
  assert.ok(EQUIV_CASES.filter((c) => c[2]).length >= 80 && EQUIV_CASES.filter((c) => !c[2]).length >= 80);
  const wrong = EQUIV_CASES.filter(([g, a, want]) => isEquivalent(g, a) !== want).map(
    ([g, a, want]) => `${JSON.stringify(g)} vs ${JSON.stringify(a)}: expected ${want}`,
  );
  assert.deepEqual(wrong, []);
});

test('equivalence is symmetric on the table, except for the documented numeric precision and choice rules', () => {
  // The precision rule is one-sided on purpose: a gold written as a rounded decimal accepts an exact answer that
  // rounds to it, while a coarse rounded answer (fewer than 3 significant digits) never stands for an exact gold.
  const decimal = /^-?\d*\.\d+$/;
  const rounding = ([g, a]: readonly [string, string, boolean]): boolean => decimal.test(g.trim()) !== decimal.test(a.trim());
  // So is the choice rule: an answer may name its choice and value ("(C) 12"), a gold is one or the other.
  const choice = ([, a]: readonly [string, string, boolean]): boolean => /^\(?[A-E]\)?[\s:]+\S/.test(a.trim());
  const asym = EQUIV_CASES.filter((c) => !rounding(c) && !choice(c) && c[0].trim() !== '' && c[1].trim() !== '' && isEquivalent(c[0], c[1]) !== isEquivalent(c[1], c[0]));
  assert.deepEqual(asym.map(([g, a]) => `${g} | ${a}`), []);
  assert.equal(isEquivalent('\\frac{1}{3}', '0.33'), false);
  assert.equal(isEquivalent('0.33', '\\frac{1}{3}'), true);
});

test('relTol option: loose and strict tolerance', () => {
  assert.equal(isEquivalent('3.14159', '3.1416'), false);
  assert.equal(isEquivalent('3.14159', '3.1416', { relTol: 1e-4 }), true);
  assert.equal(isEquivalent('\\pi', '3.14', { relTol: 1e-3 }), true);
  assert.equal(isEquivalent('2.5', '2.5000001', { relTol: 0 }), false);
  // Integers stay exact whatever the tolerance.
  assert.equal(isEquivalent('1000', '1001', { relTol: 0.01 }), false);
  assert.throws(() => isEquivalent('1', '1', { relTol: -1 }), /relTol/);
  assert.throws(() => isEquivalent('1', '1', { relTol: Number.NaN }), /relTol/);
});

test('describeAnswer shows the parsed form', () => {
  assert.equal(describeAnswer('\\frac{2}{4}'), '2 / 4');
  assert.equal(describeAnswer('\\left( 3, \\frac{\\pi}{2} \\right)'), '(3, pi / 2)');
  assert.equal(describeAnswer('x = 2\\sqrt{3}'), '2 * sqrt(3)');
  assert.equal(describeAnswer('\\{1, 2\\}'), '{1, 2}');
  assert.equal(describeAnswer('   '), null);
});

test('compareAnswers and verifyCompletion explain their verdicts', () => {
  const ok = compareAnswers('1/2', '\\frac{2}{4}');
  assert.equal(ok.correct, true);
  assert.equal(ok.reason, 'equivalent');
  assert.equal(ok.parsedGold, '1 / 2');
  assert.equal(ok.parsedAnswer, '2 / 4');
  assert.equal(compareAnswers('1/2', '3').reason, 'not equivalent');
  assert.equal(compareAnswers('1/2', ' ').reason, 'empty answer');
  const v = verifyCompletion('1234', 'The total is 1,234 dollars.\n#### 1,234');
  assert.deepEqual([v.correct, v.method, v.extracted], [true, 'gsm8k', '1,234']);
  const none = verifyCompletion('5', 'no digits here');
  assert.deepEqual([none.correct, none.method, none.extracted, none.reason], [false, null, null, 'no answer found']);
  assert.equal(verifyCompletion('5', 'Answer: 5', { priority: ['boxed'] }).reason, 'no answer found');
});

test('hostile answers: return false without throwing, in bounded work', () => {
  const nestedBraces = '{'.repeat(10000) + '1' + '}'.repeat(10000);
  const fracBomb = '\\frac{'.repeat(300) + '1' + '}{2}'.repeat(300);
  const deepParens = '('.repeat(5000) + '1' + ')'.repeat(5000);
  const cases: [string, string][] = [
    ['1', nestedBraces],
    ['1', fracBomb],
    ['1', deepParens],
    ['1', '10^{10^{10^{10}}}'],
    ['1', '(10^{100})!'],
    ['1', '1000000000!'],
    ['1', '\\binom{10^{12}}{5 \\cdot 10^{11}}'],
    ['1', '\\frac{x^{99999999}}{x^{99999998}}'],
    ['1', '2'.repeat(5000)],
    ['1', 'x'.repeat(400)],
    ['1', `${'1,'.repeat(3000)}1`],
    ['1', '\\sqrt{'.repeat(2000)],
  ];
  for (const [g, a] of cases) assert.equal(isEquivalent(g, a), false, `hostile answer ${a.slice(0, 40)}...`);
});

test('verbatimAnswer: whenever it says yes, the comparer says equivalent (every table of the verifier)', () => {
  const pairs: (readonly [string, string])[] = [
    ...EQUIV_CASES.map(([g, a]) => [g, a] as const),
    ...Object.values(ANSWER_PAIRS).flatMap((list) => list.map(([g, a]) => [g, a] as const)),
    // What a task's check compares: the completion parser's final answer.
    ...[...realOutputCases().map((r) => [r.gold, r.completion] as const), ...COMPLETION_CASES.map(([g, c]) => [g, c] as const)].flatMap(([g, c]) => {
      const found = parseCompletion(c).final;
      return found === null ? [] : [[g, found.answer] as const];
    }),
    // The gold itself as the answer, padded: the fast path's own case.
    ...EQUIV_CASES.map(([g]) => [g, ` ${g} `] as const),
  ];
  let hits = 0;
  const wrong: string[] = [];
  for (const [g, a] of pairs) {
    if (!verbatimAnswer(g, a)) continue;
    hits++;
    const v = compareAnswers(g, a);
    if (!v.correct || v.reason !== 'equivalent') wrong.push(`${JSON.stringify(g)} vs ${JSON.stringify(a)}: ${v.reason}`);
  }
  assert.deepEqual(wrong, []);
  assert.ok(hits >= 200, `the tables exercise the fast path (${hits} of ${pairs.length} pairs)`);
  // Unsure means no: equivalent forms, golds that need extracting, empty answers, extraction forced.
  assert.equal(verbatimAnswer('42', '42.0'), false);
  assert.equal(verbatimAnswer('The answer is 5', 'The answer is 5'), false);
  assert.equal(verbatimAnswer('#### 5', '#### 5'), false);
  assert.equal(verbatimAnswer('\\boxed{5}', '\\boxed{5}'), false);
  assert.equal(verbatimAnswer('$5$', '$5$'), false);
  assert.equal(verbatimAnswer(' ', ' '), false);
  assert.equal(verbatimAnswer('5', '5', 'always'), false);
  assert.equal(verbatimAnswer('The answer is 5', 'The answer is 5', 'never'), true);
  assert.equal(verbatimAnswer('1'.repeat(2000), '1'.repeat(2000)), false);
});

test('verifyCompletion reads the answer where the rewards do: after the reasoning, in the <answer> block', () => {
  const v = verifyCompletion('5', '<think>Maybe \\boxed{3}? No.</think>\nThe answer is 5.');
  assert.equal(v.extracted, '5');
  assert.equal(v.correct, true);
  assert.equal(verifyCompletion('5', '<think>\\boxed{3}</think><answer>5</answer>').method, 'answer-tag');
  assert.equal(verifyCompletion('5', '<think>\\boxed{3}</think><answer>5</answer>').correct, true);
  // A reasoning block that never closed has no answer.
  assert.equal(verifyCompletion('3', '<think>so \\boxed{3}').reason, 'no answer found');
  // Plain completions are read as before.
  assert.equal(verifyCompletion('5', 'so $\\boxed{5}$').correct, true);
});

test('extraction: \\boxed5, a corrected answer phrase, ordinals and the Unicode minus', () => {
  assert.equal(verifyCompletion('5', 'thus \\boxed5').extracted, '5');
  assert.equal(verifyCompletion('5', 'The answer is 5, not 6.').correct, true);
  assert.equal(verifyCompletion('5', 'The answer is 5 (not 6).').correct, true);
  assert.equal(verifyCompletion('5', 'So there are 5 apples left in the 2nd basket.').extracted, '5');
  assert.equal(verifyCompletion('-5', 'So x = −5.').correct, true);
  assert.equal(verifyCompletion('5', 'So x = −5.').correct, false);
});


test('non-string arguments from JavaScript callers are TypeErrors naming the function, not property reads', () => {
  for (const [gold, answer] of [[undefined, '1'], ['1', null], [5, 5]] as const) {
    assert.throws(() => compareAnswers(gold as never, answer as never), (e: unknown) => e instanceof TypeError && e.message.startsWith('compareAnswers: gold and answer must be strings, got '));
    assert.throws(() => verbatimAnswer(gold as never, answer as never), (e: unknown) => e instanceof TypeError && e.message.startsWith('verbatimAnswer: gold and answer must be strings, got '));
  }
  assert.throws(() => normalizeAnswer(undefined as never), (e: unknown) => e instanceof TypeError && e.message === 'normalizeAnswer: input must be a string, got undefined');
});
