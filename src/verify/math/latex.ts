// src/verify/math/latex.ts — translate a (normalized) LaTeX or plain-text math expression into math.js syntax
// with explicit operators, so the CAS never sees LaTeX. A small recursive-descent parser with hard limits.
//
// Conventions (as in MATH answers): adjacent factors multiply (2x, 2\sqrt{3}, (a)(b)); single letters are
// variables (emitted as v_<name> so they never collide with math.js built-ins); e, i and \pi are constants;
// \frac12 takes single-character arguments; \sin^2 x means (sin x)^2 and \sin^{-1} x is arcsin.

/** Raised on input the translator does not understand or refuses (too long, too deep). */
export class LatexError extends Error {
  override name = 'LatexError';
}

const MAX_TOKENS = 400;
const MAX_DEPTH = 60;

type Tok = { t: 'num' | 'letter' | 'cmd' | 'sym'; v: string };

const UNICODE: Record<string, string> = { '·': '\\cdot', '×': '\\times', '÷': '\\div', '−': '-', π: '\\pi', '√': '\\sqrt', '∞': '\\infty' };

function tokenize(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i] as string;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const num = /^(?:\d+(?:\.\d*)?|\.\d+)/.exec(src.slice(i, i + 64));
    if (num !== null) {
      out.push({ t: 'num', v: num[0] });
      i += num[0].length;
    } else if (c === '\\') {
      const cmd = /^\\(?:[A-Za-z]+|.)/.exec(src.slice(i, i + 32));
      if (cmd === null) throw new LatexError('dangling backslash');
      out.push({ t: 'cmd', v: cmd[0] });
      i += cmd[0].length;
    } else if (/[A-Za-z]/.test(c)) {
      out.push({ t: 'letter', v: c });
      i++;
    } else if (UNICODE[c] !== undefined) {
      const v = UNICODE[c] as string;
      out.push(v.startsWith('\\') ? { t: 'cmd', v } : { t: 'sym', v });
      i++;
    } else if ('+-*/^_()[]{}!|\''.includes(c)) {
      out.push({ t: 'sym', v: c });
      i++;
    } else throw new LatexError(`unexpected character "${c}"`);
    if (out.length > MAX_TOKENS) throw new LatexError(`expression longer than ${MAX_TOKENS} tokens`);
  }
  return out;
}

/** Functions of one argument: LaTeX command → math.js name. */
const FUNCTIONS: Record<string, string> = {
  '\\sin': 'sin', '\\cos': 'cos', '\\tan': 'tan', '\\sec': 'sec', '\\csc': 'csc', '\\cot': 'cot',
  '\\arcsin': 'asin', '\\arccos': 'acos', '\\arctan': 'atan', '\\sinh': 'sinh', '\\cosh': 'cosh',
  '\\tanh': 'tanh', '\\ln': 'log', '\\exp': 'exp', '\\log': 'log', '\\lg': 'log10',
};
const INVERSE: Record<string, string> = { sin: 'asin', cos: 'acos', tan: 'atan', sec: 'asec', csc: 'acsc', cot: 'acot' };
const GREEK = new Set([
  'alpha', 'beta', 'gamma', 'delta', 'epsilon', 'varepsilon', 'zeta', 'eta', 'theta', 'vartheta', 'iota', 'kappa',
  'lambda', 'mu', 'nu', 'xi', 'rho', 'sigma', 'tau', 'upsilon', 'phi', 'varphi', 'chi', 'psi', 'omega',
  'Gamma', 'Delta', 'Theta', 'Lambda', 'Xi', 'Sigma', 'Phi', 'Psi', 'Omega',
]);
const MULTIPLY = new Set(['*', '\\cdot', '\\times', '\\ast']);
const DIVIDE = new Set(['/', '\\div']);

class Parser {
  private pos = 0;
  private depth = 0;
  private absDepth = 0;
  constructor(private readonly toks: Tok[]) {}

  parseAll(): string {
    if (this.toks.length === 0) throw new LatexError('empty expression');
    const e = this.expr();
    if (this.pos < this.toks.length) throw new LatexError(`unexpected "${(this.toks[this.pos] as Tok).v}"`);
    return e;
  }

  private peek(): Tok | undefined {
    return this.toks[this.pos];
  }
  private isSym(v: string): boolean {
    const t = this.peek();
    return t !== undefined && t.t === 'sym' && t.v === v;
  }
  private expect(v: string): void {
    if (!this.isSym(v)) throw new LatexError(`expected "${v}"`);
    this.pos++;
  }
  private enter(): void {
    if (++this.depth > MAX_DEPTH) throw new LatexError(`nesting deeper than ${MAX_DEPTH}`);
  }

  private expr(): string {
    this.enter();
    let out = this.term();
    for (let t = this.peek(); t !== undefined && t.t === 'sym' && (t.v === '+' || t.v === '-'); t = this.peek()) {
      this.pos++;
      out = `${out} ${t.v} ${this.term()}`;
    }
    this.depth--;
    return out;
  }

  private term(): string {
    let out = this.unary();
    for (;;) {
      const t = this.peek();
      if (t === undefined) break;
      if ((t.t === 'sym' || t.t === 'cmd') && MULTIPLY.has(t.v)) {
        this.pos++;
        out = `${out} * ${this.unary()}`;
      } else if ((t.t === 'sym' || t.t === 'cmd') && DIVIDE.has(t.v)) {
        this.pos++;
        out = `${out} / ${this.unary()}`;
      } else if (this.startsAtom()) {
        out = `${out} * ${this.power()}`; // implicit multiplication binds like explicit
      } else break;
    }
    return out;
  }

  private unary(): string {
    if (this.isSym('-')) {
      this.pos++;
      this.enter();
      const u = `-(${this.unary()})`;
      this.depth--;
      return u;
    }
    if (this.isSym('+')) {
      this.pos++;
      return this.unary();
    }
    return this.power();
  }

  /** Can the next token begin a factor of an implicit product? */
  private startsAtom(): boolean {
    const t = this.peek();
    if (t === undefined) return false;
    if (t.t === 'num' || t.t === 'letter') return true;
    if (t.t === 'sym') return t.v === '(' || t.v === '[' || t.v === '{' || (t.v === '|' && this.absDepth === 0);
    return !MULTIPLY.has(t.v) && !DIVIDE.has(t.v) && t.v !== '\\rfloor' && t.v !== '\\rceil' && t.v !== '\\pm' && t.v !== '\\mp';
  }

  private power(): string {
    let base = this.postfix();
    if (this.isSym('^')) {
      this.pos++;
      this.enter();
      const exp = this.script();
      this.depth--;
      base = `(${base}) ^ (${exp})`;
    }
    return base;
  }

  private postfix(): string {
    let a = this.atom();
    for (;;) {
      if (this.isSym('!')) {
        this.pos++;
        a = `factorial(${a})`;
      } else if (this.isSym("'")) throw new LatexError('primes (derivatives) are not supported');
      else break;
    }
    return a;
  }

  /** Argument of ^ or _: a {group}, a signed single token, or one atom. */
  private script(): string {
    if (this.isSym('{')) return this.atom();
    if (this.isSym('-') || this.isSym('+')) {
      const sign = (this.peek() as Tok).v;
      this.pos++;
      return `${sign}(${this.script()})`;
    }
    return this.postfix();
  }

  /** One macro argument: {group} or a single character (\frac12, \sqrt2). */
  private arg(): string {
    const t = this.peek();
    if (t === undefined) throw new LatexError('missing argument');
    if (t.t === 'num' && t.v.length > 1 && !this.isSym('{')) {
      this.toks[this.pos] = { t: 'num', v: t.v.slice(1) };
      return t.v[0] as string;
    }
    return this.atom();
  }

  private group(close: string): string {
    this.pos++;
    if (this.isSym(close)) throw new LatexError('empty group');
    const inner = this.expr();
    this.expect(close);
    return `(${inner})`;
  }

  private atom(): string {
    const t = this.peek();
    if (t === undefined) throw new LatexError('unexpected end of expression');
    this.enter();
    try {
      switch (t.t) {
        case 'num':
          this.pos++;
          return t.v.endsWith('.') ? t.v.slice(0, -1) : t.v;
        case 'letter':
          this.pos++;
          return this.withSubscript(t.v);
        case 'sym':
          if (t.v === '(') return this.group(')');
          if (t.v === '[') return this.group(']');
          if (t.v === '{') return this.group('}');
          if (t.v === '|') {
            this.absDepth++;
            const g = this.group('|');
            this.absDepth--;
            return `abs${g}`;
          }
          throw new LatexError(`unexpected "${t.v}"`);
        case 'cmd':
          this.pos++;
          return this.command(t.v);
      }
    } finally {
      this.depth--;
    }
  }

  private withSubscript(name: string): string {
    let id = name;
    if (this.isSym('_')) {
      this.pos++;
      const sub = this.peek();
      if (sub !== undefined && (sub.t === 'num' || sub.t === 'letter')) {
        this.pos++;
        id += `_${sub.v}`;
      } else if (this.isSym('{')) {
        const start = this.pos;
        const close = this.toks.findIndex((x, k) => k > start && x.t === 'sym' && x.v === '}');
        const parts = this.toks.slice(start + 1, close < 0 ? start + 1 : close);
        if (close < 0 || parts.length === 0 || !parts.every((p) => p.t === 'num' || p.t === 'letter')) {
          throw new LatexError('unsupported subscript');
        }
        this.pos = close + 1;
        id += `_${parts.map((p) => p.v).join('')}`;
      } else throw new LatexError('unsupported subscript');
    }
    if (id === 'e') return 'e';
    if (id === 'i') return 'i';
    return `v_${id.replace(/\./g, 'p')}`;
  }

  private command(c: string): string {
    const name = c.slice(1);
    if (c === '\\frac' || c === '\\cfrac') return `((${this.arg()}) / (${this.arg()}))`;
    if (c === '\\binom' || c === '\\choose') return `binom(${this.arg()}, ${this.arg()})`;
    if (c === '\\sqrt') {
      if (this.isSym('[')) {
        const n = this.group(']');
        return `nthRoot(${this.arg()}, ${n})`;
      }
      return `sqrt(${this.arg()})`;
    }
    if (c === '\\pi') return 'pi';
    if (c === '\\infty') return 'Infinity';
    if (c === '\\lfloor' || c === '\\lceil') {
      const inner = this.expr();
      const closer = c === '\\lfloor' ? '\\rfloor' : '\\rceil';
      const t = this.peek();
      if (t === undefined || t.v !== closer) throw new LatexError(`expected ${closer}`);
      this.pos++;
      return `${c === '\\lfloor' ? 'floor' : 'ceil'}(${inner})`;
    }
    if (c === '\\mathbf' || c === '\\mathrm' || c === '\\boldsymbol' || c === '\\mathit') return this.arg();
    if (GREEK.has(name)) return this.withSubscript(name);
    const fn = FUNCTIONS[c];
    if (fn !== undefined) return this.func(fn);
    throw new LatexError(`unsupported command ${c}`);
  }

  /** \sin x, \sin(x), \sin^2 x, \sin^{-1} x, \log_2 8, \log(x). */
  private func(fn: string): string {
    let name = fn;
    let base: string | null = null;
    let pow: string | null = null;
    if (name === 'log' && this.isSym('_')) {
      this.pos++;
      base = this.script();
    }
    if (this.isSym('^')) {
      this.pos++;
      pow = this.script();
      if (pow.replace(/[\s()]/g, '') === '-1' && INVERSE[name] !== undefined) {
        name = INVERSE[name] as string;
        pow = null;
      }
    }
    let argument: string;
    if (this.isSym('(')) argument = this.group(')');
    else {
      // Unparenthesized argument: an implicit product of powers (\sin 2x = sin(2x)), no explicit operators.
      argument = this.power();
      while (this.startsAtom() && this.peek()?.t !== 'cmd') argument = `${argument} * ${this.power()}`;
    }
    const call = base === null ? `${name}(${argument})` : `log(${argument}, ${base})`;
    return pow === null ? call : `(${call}) ^ (${pow})`;
  }
}

/**
 * Translate LaTeX (or plain `2*x^2 + 1/2`) into a math.js expression string with explicit operators.
 * Throws {@link LatexError} on anything it does not understand.
 *
 * @example latexToMathjs('2\\frac{x}{3}') // '2 * (v_x) / (3)'
 */
export function latexToMathjs(src: string): string {
  return new Parser(tokenize(src)).parseAll();
}
