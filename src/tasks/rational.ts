// src/tasks/rational.ts — exact rational numbers over BigInt, for checking arithmetic and Countdown answers
// without floating-point error (10-digit products overflow doubles; 1/3 + 1/3 + 1/3 must equal 1 exactly).

function gcd(a: bigint, b: bigint): bigint {
  if (a < 0n) a = -a;
  if (b < 0n) b = -b;
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

/** An exact rational num/den in lowest terms with den > 0. Immutable. */
export class Rational {
  readonly num: bigint;
  readonly den: bigint;

  constructor(num: bigint, den: bigint = 1n) {
    if (den === 0n) throw new RangeError('division by zero');
    if (den < 0n) {
      num = -num;
      den = -den;
    }
    const g = gcd(num, den);
    this.num = g > 1n ? num / g : num;
    this.den = g > 1n ? den / g : den;
  }

  static of(n: number | bigint): Rational {
    if (typeof n === 'number' && !Number.isSafeInteger(n)) throw new RangeError(`not a safe integer: ${n}`);
    return new Rational(BigInt(n));
  }

  add(o: Rational): Rational {
    return new Rational(this.num * o.den + o.num * this.den, this.den * o.den);
  }
  sub(o: Rational): Rational {
    return new Rational(this.num * o.den - o.num * this.den, this.den * o.den);
  }
  mul(o: Rational): Rational {
    return new Rational(this.num * o.num, this.den * o.den);
  }
  /** Throws RangeError('division by zero') when `o` is zero. */
  div(o: Rational): Rational {
    if (o.num === 0n) throw new RangeError('division by zero');
    return new Rational(this.num * o.den, this.den * o.num);
  }
  equals(o: Rational): boolean {
    return this.num === o.num && this.den === o.den;
  }
  isInteger(): boolean {
    return this.den === 1n;
  }
  /** "p" for integers, "p/q" otherwise. */
  toString(): string {
    return this.den === 1n ? this.num.toString() : `${this.num}/${this.den}`;
  }
}

/**
 * Parse a plain number: integer, decimal, fraction `p/q`, or LaTeX `\frac{p}{q}` (also `\dfrac`, `\tfrac`),
 * each optionally signed. Thousands separators (`1,234`), spaces, `$`, a trailing period and `\!` are ignored.
 * Returns null for anything else (expressions, units, words).
 */
export function parseRational(text: string): Rational | null {
  let s = text
    .replace(/\\[!,; ]/g, '')
    .replace(/\$/g, '')
    .replace(/\s+/g, '')
    .replace(/\.$/, '');
  if (s.length === 0 || s.length > 200) return null;
  if (/^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$/.test(s)) s = s.replace(/,/g, '');
  const frac = /^([+-]?)\\[dt]?frac\{([+-]?\d+)\}\{([+-]?\d+)\}$/.exec(s) ?? /^([+-]?)\(?([+-]?\d+)\/([+-]?\d+)\)?$/.exec(s);
  if (frac) {
    const den = BigInt(frac[3] as string);
    if (den === 0n) return null;
    const r = new Rational(BigInt(frac[2] as string), den);
    return frac[1] === '-' ? new Rational(-r.num, r.den) : r;
  }
  const dec = /^([+-]?)(\d*)(?:\.(\d+))?$/.exec(s);
  if (dec && (dec[2] !== '' || dec[3] !== undefined)) {
    const intPart = dec[2] === '' ? '0' : (dec[2] as string);
    const fracPart = dec[3] ?? '';
    const r = new Rational(BigInt(intPart + fracPart), 10n ** BigInt(fracPart.length));
    return dec[1] === '-' ? new Rational(-r.num, r.den) : r;
  }
  return null;
}
