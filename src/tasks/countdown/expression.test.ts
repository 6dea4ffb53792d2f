import test from 'node:test';
import assert from 'node:assert/strict';
import { evaluateExpression } from './expression.js';

test('evaluates with precedence, parentheses and LaTeX operators, exactly', () => {
  const cases: [string, string, number[]][] = [
    ['1 + 2 * 3', '7', [1, 2, 3]],
    ['(1 + 2) * 3', '9', [1, 2, 3]],
    ['8 / 3 * 3', '8', [8, 3, 3]],
    ['10 - 4 - 3', '3', [10, 4, 3]],
    ['\\left(6 \\times 7\\right) \\div 2', '21', [6, 7, 2]],
    ['\\frac{9}{2 + 1}', '3', [9, 2, 1]],
    ['$[(5 − 1)] · 2$', '8', [5, 1, 2]],
    ['1 / 3 + 1 / 3 + 1 / 3', '1', [1, 3, 1, 3, 1, 3]],
  ];
  for (const [src, value, numbers] of cases) {
    const r = evaluateExpression(src);
    assert.equal(r.value.toString(), value, src);
    assert.deepEqual(r.numbers, numbers, src);
  }
});

test('rejects malformed, unsafe and rule-breaking input with a reason', () => {
  const bad: [string, RegExp][] = [
    ['', /empty/],
    ['-3 + 5', /unary/],
    ['3 * -5', /unary/],
    ['(1 + 2', /unbalanced/],
    ['1 + 2)', /trailing/],
    ['2 ** 3', /unexpected "\*"/],
    ['2.5 * 2', /unexpected character "\."/],
    ['07 + 1', /leading zero/],
    ['process.exit(1)', /unexpected character "p"/],
    ['1 / (2 - 2)', /division by zero/],
    ['('.repeat(100) + '1' + ')'.repeat(100), /nested too deeply/],
    ['1234567890 + 1', /too long/],
  ];
  for (const [src, re] of bad) assert.throws(() => evaluateExpression(src), re, src);
});
