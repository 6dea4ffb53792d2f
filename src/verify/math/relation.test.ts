// src/verify/math/relation.test.ts — inequalities as answers: parsing, orientation, comparison, intervals.

import test from 'node:test';
import assert from 'node:assert/strict';
import { orient, parseRelation } from './relation.js';
import { intervalOfRelation } from './interval.js';
import { isEquivalent } from './equiv.js';

test('parseRelation finds top-level inequality operators only; orient reads > as <', () => {
  assert.deepEqual(parseRelation('-2 < x \\leq 3'), { sides: ['-2', 'x', '3'], ops: ['<', '\\leq'] });
  assert.equal(parseRelation('x = 3'), null, 'an equation is not a relation');
  assert.equal(parseRelation('f(x < 1)'), null, 'inside brackets');
  assert.equal(parseRelation('x <'), null, 'a missing side');
  assert.deepEqual(orient({ sides: ['y', '4'], ops: ['\\geq'] }), { sides: ['4', 'y'], ops: ['\\leq'] });
});

test('relations compare by what they say, never against a bare value', () => {
  assert.equal(isEquivalent('y \\geq 4', '4 \\le y'), true);
  assert.equal(isEquivalent('y > -2', '-y < 2'), true);
  assert.equal(isEquivalent('2y > 8', 'y > 4'), true);
  assert.equal(isEquivalent('y > 4', '-y > -4'), false, 'multiplying by a negative constant flips the relation');
  assert.equal(isEquivalent('y \\ne 2', '2 \\neq y'), true);
  assert.equal(isEquivalent('y > 4', '4'), false);
  assert.equal(isEquivalent('-1 < x < 1', '-1 < x \\le 1'), false);
  assert.equal(isEquivalent('x^2 > 4', 'x > 2'), false);
});

test('a one-variable inequality is its interval', () => {
  assert.deepEqual(intervalOfRelation('x \\geq 2'), { kind: 'tuple', open: '[', close: ')', items: [{ kind: 'scalar', text: '2' }, { kind: 'scalar', text: '\\infty' }] });
  assert.equal(intervalOfRelation('x > y'), null, 'the bound has a variable');
  assert.equal(isEquivalent('(-\\infty, 5]', 'x \\le 5'), true);
  assert.equal(isEquivalent('(-\\infty, 5)', 'x \\le 5'), false);
  assert.equal(isEquivalent('(0, 1]', '0 < t \\le 1'), true);
});
