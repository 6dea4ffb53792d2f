// src/verify/math/matrix.test.ts — matrix arithmetic written out: sums, scalar multiples, products, and refusals.

import test from 'node:test';
import assert from 'node:assert/strict';
import { matrixArithmetic } from './matrix.js';
import { normalizeAnswer } from './normalize.js';
import { isEquivalent } from './equiv.js';

const m = (rows: string): string => `\\begin{pmatrix} ${rows} \\end{pmatrix}`;

test('matrixArithmetic builds entry formulas; a single literal or a malformed expression is not arithmetic', () => {
  assert.deepEqual(matrixArithmetic(normalizeAnswer(`${m('1 \\\\ 2')} + ${m('3 \\\\ 4')}`)), [['1+3'], ['2+4']]);
  assert.equal(matrixArithmetic(normalizeAnswer(m('1 & 2'))), null);
  assert.equal(matrixArithmetic(normalizeAnswer(`${m('1 & 2')} + ${m('1 \\\\ 2')}`)), null, 'sizes differ');
  assert.equal(matrixArithmetic(normalizeAnswer(`${m('1 & 2')} ${m('1 & 2')}`)), null, 'a 1x2 times a 1x2 has no product');
  assert.equal(matrixArithmetic(normalizeAnswer(`${m('1')} = ${m('1')}`)), null);
});

test('sums, differences, multiples and products compare entry by entry', () => {
  assert.equal(isEquivalent(m('4 & 6 \\\\ 8 & 10'), `${m('1 & 2 \\\\ 3 & 4')} + ${m('3 & 4 \\\\ 5 & 6')}`), true);
  assert.equal(isEquivalent(m('-2 \\\\ 1'), `${m('1 \\\\ 2')} - ${m('3 \\\\ 1')}`), true);
  assert.equal(isEquivalent(m('3 \\\\ 6'), `3${m('1 \\\\ 2')}`), true);
  assert.equal(isEquivalent(m('-1 \\\\ -2'), `-${m('1 \\\\ 2')}`), true);
  assert.equal(isEquivalent(m('19 & 22 \\\\ 43 & 50'), `${m('1 & 2 \\\\ 3 & 4')}${m('5 & 6 \\\\ 7 & 8')}`), true);
  assert.equal(isEquivalent(m('19 & 22 \\\\ 43 & 50'), `${m('5 & 6 \\\\ 7 & 8')}${m('1 & 2 \\\\ 3 & 4')}`), false);
  assert.equal(isEquivalent(m('11'), `${m('1 & 2')}${m('3 \\\\ 4')}`), true);
});
