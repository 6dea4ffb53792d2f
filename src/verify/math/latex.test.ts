// src/verify/math/latex.test.ts — LaTeX to math.js translation: operators made explicit, conventions, limits.

import test from 'node:test';
import assert from 'node:assert/strict';
import { LatexError, latexToMathjs } from './latex.js';

test('explicit operators, implicit products, variables and constants', () => {
  assert.equal(latexToMathjs('2x'), '2 * v_x');
  assert.equal(latexToMathjs('\\frac{1}{2}'), '(((1)) / ((2)))');
  assert.equal(latexToMathjs('\\frac12'), '((1) / (2))');
  assert.equal(latexToMathjs('2 / \\frac{1}{2}'), '2 / (((1)) / ((2)))', 'a fraction stays one operand');
  assert.equal(latexToMathjs('x^2y'), '(v_x) ^ (2) * v_y');
  assert.equal(latexToMathjs('-x^2'), '-((v_x) ^ (2))');
  assert.equal(latexToMathjs('2\\pi r'), '2 * pi * v_r');
  assert.equal(latexToMathjs('e^{i\\pi}'), '(e) ^ ((i * pi))');
  assert.equal(latexToMathjs('a_1 + a_{12}'), 'v_a_1 + v_a_12');
  assert.equal(latexToMathjs('\\alpha\\beta'), 'v_alpha * v_beta');
  assert.equal(latexToMathjs('3 \\cdot 4 \\times 5 \\div 6'), '3 * 4 * 5 / 6');
});

test('functions, roots, binomials, absolute values, floors', () => {
  assert.equal(latexToMathjs('\\sqrt{2}'), 'sqrt((2))');
  assert.equal(latexToMathjs('\\sqrt2'), 'sqrt(2)');
  assert.equal(latexToMathjs('\\sqrt[3]{x}'), 'nthRoot((v_x), (3))');
  assert.equal(latexToMathjs('\\sin 2x'), 'sin(2 * v_x)');
  assert.equal(latexToMathjs('\\sin^2 x'), '(sin(v_x)) ^ (2)');
  assert.equal(latexToMathjs('\\sin^{-1} x'), 'asin(v_x)');
  assert.equal(latexToMathjs('\\log_2 8'), 'log(8, 2)');
  assert.equal(latexToMathjs('\\binom{5}{2}'), 'binom((5), (2))');
  assert.equal(latexToMathjs('|x-1|'), 'abs(v_x - 1)');
  assert.equal(latexToMathjs('\\lfloor x \\rfloor'), 'floor(v_x)');
  assert.equal(latexToMathjs('5!'), 'factorial(5)');
});

test('refuses what it does not understand, and input too long or too deep', () => {
  for (const bad of ['', 'x <', '\\int x', "f'(x)", '\\frac{1}', '(1', '\\', 'x_{\\alpha}']) {
    assert.throws(() => latexToMathjs(bad), LatexError, JSON.stringify(bad));
  }
  assert.throws(() => latexToMathjs('1+'.repeat(300) + '1'), /longer than 400 tokens/);
  assert.throws(() => latexToMathjs('('.repeat(100) + '1' + ')'.repeat(100)), /nesting deeper than/);
});
