import test from 'node:test';
import assert from 'node:assert/strict';
import { Rational, parseRational } from './rational.js';

test('rationals are exact and kept in lowest terms', () => {
  const third = new Rational(1n, 3n);
  assert.ok(third.add(third).add(third).equals(Rational.of(1)));
  assert.equal(new Rational(6n, -4n).toString(), '-3/2');
  assert.equal(Rational.of(10).div(Rational.of(4)).toString(), '5/2');
  assert.throws(() => Rational.of(1).div(Rational.of(0)), /division by zero/);
  assert.throws(() => new Rational(1n, 0n), /division by zero/);
  const big = new Rational(10n ** 30n).mul(new Rational(10n ** 30n));
  assert.equal(big.toString(), '1' + '0'.repeat(60));
});

test('parseRational reads integers, decimals, fractions and LaTeX fractions, nothing else', () => {
  const cases: [string, string | null][] = [
    ['42', '42'], ['-7', '-7'], ['1,234,567', '1234567'], ['2.50', '5/2'], ['-.5', '-1/2'], ['3/6', '1/2'],
    ['\\frac{3}{4}', '3/4'], ['-\\dfrac{2}{4}', '-1/2'], ['$12$', '12'], ['12.', '12'], ['1\\!000', '1000'],
    ['x', null], ['1/0', null], ['1,23', null], ['2+3', null], ['', null], ['.', null],
  ];
  for (const [text, want] of cases) assert.equal(parseRational(text)?.toString() ?? null, want, text);
});
