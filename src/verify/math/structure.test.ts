// src/verify/math/structure.test.ts — answer shapes: tuples, intervals, sets, lists, matrices, unions, x = ...

import test from 'node:test';
import assert from 'node:assert/strict';
import { normalizeAnswer } from './normalize.js';
import { compareValues, parseValue, printValue, splitTop, stripVariablePrefix } from './structure.js';

const shape = (s: string): string => printValue(parseValue(normalizeAnswer(s)), (t) => `<${t}>`);

test('normalization: spacing, \\dfrac, units, degrees, currency, thousands separators', () => {
  assert.equal(normalizeAnswer('\\$1,234.50 \\text{ dollars}'), '1234.50');
  assert.equal(normalizeAnswer('\\left( \\dfrac{1}{2}, 3 \\right)'), '( \\frac{1}{2}, 3 )');
  assert.equal(normalizeAnswer('45^{\\circ}'), '45');
  assert.equal(normalizeAnswer('12 \\mbox{ cm}^2'), '12');
  assert.equal(normalizeAnswer('5 square units.'), '5');
  assert.equal(normalizeAnswer('2 \\pi'), '2 \\pi');
  assert.equal(normalizeAnswer('\\text{Evelyn}'), 'Evelyn');
  assert.equal(normalizeAnswer('3 \\text{ or } 4'), '3 , 4');
  assert.equal(normalizeAnswer('1{,}000{,}000'), '1000000');
  assert.equal(normalizeAnswer('(1,234)'), '(1,234)', 'a pair is not a thousands-separated number');
});

test('shapes', () => {
  assert.equal(shape('(1, 2)'), '(<1>, <2>)');
  assert.equal(shape('[1, 2)'), '[<1>, <2>)');
  assert.equal(shape('\\{3, 1\\}'), '{<3>, <1>}');
  assert.equal(shape('x = 1, x = 2'), '<1>, <2>');
  assert.equal(shape('(-\\infty, 0) \\cup (1, \\infty)'), '(<-\\infty>, <0>) ∪ (<1>, <\\infty>)');
  assert.equal(shape('\\begin{pmatrix} 1 & 2 \\\\ 3 & 4 \\end{pmatrix}'), '[[<1>, <2>], [<3>, <4>]]');
  assert.equal(shape('2 \\pm \\sqrt{3}'), '<2+\\sqrt{3}>, <2-\\sqrt{3}>');
  assert.equal(shape('((5))'), '<5>');
  assert.equal(shape('(x+1)(x-1)'), '<(x+1)(x-1)>');
});

test('variable prefixes and top-level splitting', () => {
  assert.equal(stripVariablePrefix('x = 3'), '3');
  assert.equal(stripVariablePrefix('f(x) = x^2'), 'x^2');
  assert.equal(stripVariablePrefix('(a, b) = (1, 2)'), '(1, 2)');
  assert.equal(stripVariablePrefix('x \\in [0, 1]'), '[0, 1]');
  assert.equal(stripVariablePrefix('2x = 3'), '2x = 3');
  assert.equal(stripVariablePrefix('x = y = 3'), 'x = y = 3');
  assert.deepEqual(splitTop('f(1, 2), \\frac{1,2}{3}, [4, 5)', [',']), ['f(1, 2)', '\\frac{1,2}{3}', '[4, 5)']);
});

test('compareValues: order matters for tuples, not for sets; sizes must agree', () => {
  const eq = (a: string, b: string): boolean => a === b;
  const cmp = (g: string, a: string): boolean => compareValues(parseValue(g), parseValue(a), eq);
  assert.equal(cmp('1, 2, 3', '3, 1, 2'), true);
  assert.equal(cmp('(1, 2, 3)', '(3, 1, 2)'), false);
  assert.equal(cmp('1, 1, 2', '1, 2, 2'), false);
  assert.equal(cmp('1', '1, 1'), false);
  const many = Array.from({ length: 100 }, (_, k) => String(k)).join(', ');
  assert.equal(cmp(many, many), false, 'more than 64 items are never judged by structure');
});
