import test from 'node:test';
import assert from 'node:assert/strict';
import { checkCountdownAnswer, countdownDifficultyFromSpec, countdownPresets, countdownTask } from './index.js';

test('every generated puzzle is solvable: its recorded solution checks as correct', async () => {
  for (const preset of Object.keys(countdownPresets)) {
    const task = countdownTask(countdownPresets[preset]);
    for (const it of await task.items({ split: 'train', n: 40, seed: 11 })) {
      const numbers = it.meta?.['numbers'] as number[];
      const target = it.meta?.['target'] as number;
      assert.equal(numbers.length, task.difficulty.numbers);
      assert.ok(target >= 1 && target <= task.difficulty.maxTarget);
      assert.equal(it.gold, String(target));
      const r = await task.check(it, `<think>search</think> <answer>${String(it.meta?.['solution'])}</answer>`);
      assert.equal(r.correct, true, `${preset}: ${it.meta?.['solution']} -> ${r.reason}`);
    }
  }
});

test('the checker rejects reuse, missing or foreign numbers, concatenation and wrong values', () => {
  const nums = [3, 5, 7, 2];
  const check = (a: string) => checkCountdownAnswer(nums, 28, a);
  assert.deepEqual(check('3 * 7 + 5 + 2'), { correct: true, reason: 'valid expression' });
  assert.deepEqual(check('3 * 7 + 7'), { correct: false, reason: 'uses [3, 7, 7], must use each of [3, 5, 7, 2] exactly once' });
  assert.match(check('3 * 7 + 5 + 2 + 7 - 7').reason, /exactly once/); // reuse
  assert.match(check('(3 + 5 + 2) * 7 - 42').reason, /exactly once/); // foreign number
  assert.match(check('35 - 7 - 2 + 2').reason, /exactly once/); // concatenating 3 and 5
  assert.match(check('3 * 7 + 5 - 2').reason, /evaluates to 24, not 28/);
  assert.match(check('3 * 7 + 5 + 2 / (7 - 7)').reason, /division by zero|exactly once/);
  assert.equal(checkCountdownAnswer([2, 3, 3, 5], 5, '2 / (3 - 3) + 5').reason, 'division by zero');
  assert.match(check('-3 + 7 * 5 - 2 + 0').reason, /unparseable: unary/);
});

test('accepted answer forms: "= target", either side, and exact non-integer intermediates', () => {
  assert.equal(checkCountdownAnswer([3, 5, 7, 2], 28, '3 * 7 + 5 + 2 = 28').correct, true);
  assert.equal(checkCountdownAnswer([3, 5, 7, 2], 28, '28 = 3 * 7 + 5 + 2').correct, true);
  assert.match(checkCountdownAnswer([3, 5, 7, 2], 28, '3 * 7 + 5 + 2 = 30').reason, /claims 30/);
  assert.match(checkCountdownAnswer([3, 5, 7, 2], 28, '3 * 7 = 21 = 21').reason, /more than one/);
  assert.match(checkCountdownAnswer([3, 5, 7, 2], 28, '3 * 7 = 5 + 2').reason, /must separate/);
  // 1/3 is not an integer, yet (1/3 + 5) * 3 = 16 exactly; a repeated number is fine when the set repeats it.
  assert.equal(checkCountdownAnswer([1, 3, 5, 3], 16, '(1 / 3 + 5) * 3').correct, true);
  assert.match(checkCountdownAnswer([1, 3, 5], 16, '(1 / 3 + 5) * 3').reason, /exactly once/);
  assert.equal(checkCountdownAnswer([3, 3, 1], 9, '3 * 3 * 1').correct, true);
});

test('difficulty spec parsing', () => {
  assert.deepEqual(countdownDifficultyFromSpec('easy,numbers=4'), { numbers: 4, maxNumber: 20, maxTarget: 100 });
  assert.throws(() => countdownDifficultyFromSpec('numbers=1'), /numbers/);
});
