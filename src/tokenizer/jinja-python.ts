// src/tokenizer/jinja-python.ts — Python's semantics where @huggingface/jinja's JavaScript ones would make a chat
// template render other text than jinja2 (what transformers' apply_chat_template runs), and bounds on a render:
//   - `{{ x }}`, `~`, `|string` and `|join` write values as Python's str() does: True/False, None, lists, tuples
//     and dicts as their repr (['a', 1], {'k': True}, items() as ('k', 1) tuples), floats as Python prints them;
//   - str.strip('\n') / lstrip(chars) / rstrip(chars) strip those characters only (the library ignored the argument
//     and stripped all whitespace: Qwen3's template strips reasoning and answers with strip('\n') and lstrip('\n'));
//   - `|trim` and str.strip()/lstrip()/rstrip()/split() without arguments use Python's whitespace (str.isspace:
//     \x1c-\x1f and \x85 are whitespace, U+FEFF and U+180E are not), so Llama 3 / Mistral / Gemma templates, which
//     trim every message, keep and drop the same characters as transformers;
//   - `|tojson` is json.dumps as transformers calls it (floats as Python writes them, sort_keys by code point);
//   - strings are sequences of characters, not UTF-16 units: `|length` and s[i] of text with emoji;
//   - `|title` is jinja2's (words split at -, whitespace, brackets), str.title() Python's;
//   - an attribute or item of an undefined value is an error (jinja2's UndefinedError), iterating one gives nothing
//     and its |length is 0, as in jinja2;
//   - == and != compare lists, tuples and dicts by content, as Python does, not by identity;
//   - `|join` reads `attribute=` and the separator as jinja2 does; `|capitalize` lowers the rest of the string;
//   - `%` and `//` round toward negative infinity (-7 % 3 == 2), and dividing by zero is an error, not Infinity;
//   - a render stops with an error after MAX_STEPS steps (expressions, loop passes) or once a string passes
//     MAX_CHARS, so a template whose loops never end (nested `range(100000)`) or whose output doubles cannot hang or
//     exhaust memory.
// The hooks go on one Interpreter instance (not the library's classes), over methods @huggingface/jinja 0.5 has;
// `pythonInterpreter` checks they are there and fails loudly otherwise.

import { Environment, Interpreter } from '@huggingface/jinja';

/** The most steps (expressions, blocks) one render may take: far above any real chat template on a long conversation. */
export const MAX_STEPS = 20_000_000;
/** The longest string a render may build (UTF-16 code units): 64 Mi, far above any context window's prompt. */
export const MAX_CHARS = 64 * 1024 * 1024;

/** Characters Python's str.isspace() accepts (all in the BMP). */
const PY_SPACE = new Set([
  0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x85, 0xa0, 0x1680,
  0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200a, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000,
]);
const isPySpace = (s: string, i: number): boolean => PY_SPACE.has(s.charCodeAt(i));

/** Python's str.strip() / lstrip() / rstrip(): `chars` (by code point) or, when absent, whitespace. */
export function pyStrip(s: string, side: 'both' | 'left' | 'right' = 'both', chars?: string): string {
  if (chars !== undefined) {
    const set = new Set(chars);
    const cps = [...s];
    let a = 0;
    let b = cps.length;
    if (side !== 'right') while (a < b && set.has(cps[a] as string)) a++;
    if (side !== 'left') while (b > a && set.has(cps[b - 1] as string)) b--;
    return cps.slice(a, b).join('');
  }
  let a = 0;
  let b = s.length;
  if (side !== 'right') while (a < b && isPySpace(s, a)) a++;
  if (side !== 'left') while (b > a && isPySpace(s, b - 1)) b--;
  return s.slice(a, b);
}

/** Python's str.split() with no argument: runs of whitespace separate, no empty strings. */
export function pySplit(s: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < s.length) {
    while (i < s.length && isPySpace(s, i)) i++;
    const start = i;
    while (i < s.length && !isPySpace(s, i)) i++;
    if (i > start) out.push(s.slice(start, i));
  }
  return out;
}

/** Title case of one character: upper case but for the digraphs that have a title-case form. */
const TITLE: Record<string, string> = { 'Ǆ': 'ǅ', 'ǅ': 'ǅ', 'ǆ': 'ǅ', 'Ǉ': 'ǈ', 'ǈ': 'ǈ', 'ǉ': 'ǈ', 'Ǌ': 'ǋ', 'ǋ': 'ǋ', 'ǌ': 'ǋ', 'Ǳ': 'ǲ', 'ǲ': 'ǲ', 'ǳ': 'ǲ' };
const titleOf = (ch: string): string => TITLE[ch] ?? ch.toUpperCase();

/** Python's str.capitalize(): the first character in title case, the rest lower case. */
export function pyCapitalize(s: string): string {
  const first = s.codePointAt(0);
  if (first === undefined) return s;
  const head = String.fromCodePoint(first);
  return titleOf(head) + s.slice(head.length).toLowerCase();
}

/** Python's str.title(): a cased character after a cased one is lower case, after any other in title case. */
export function pyTitle(s: string): string {
  let out = '';
  let prevCased = false;
  for (const ch of s) {
    out += prevCased ? ch.toLowerCase() : titleOf(ch);
    prevCased = /[\p{Lu}\p{Ll}\p{Lt}]/u.test(ch);
  }
  return out;
}

/** Jinja's |title: each word (split at -, whitespace and opening brackets) with its first character upper case. */
export function jinjaTitle(s: string): string {
  return s
    .split(/([-\s({[<]+)/u)
    .map((w) => {
      const head = w.codePointAt(0) === undefined ? '' : String.fromCodePoint(w.codePointAt(0) as number);
      return head.toUpperCase() + w.slice(head.length).toLowerCase();
    })
    .join('');
}

/** Python's repr() of a float. */
export function pyFloat(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const [mant, expText] = x.toExponential().split('e') as [string, string]; // shortest round-trip digits
  const exp = Number(expText);
  if (exp >= -4 && exp < 16) {
    const s = String(x);
    if (!/e/.test(s)) return s.includes('.') ? s : `${s}.0`;
    // String() switches to exponents only past 1e21 or below 1e-6: write the digits out.
    const neg = mant.startsWith('-');
    const digits = mant.replace('-', '').replace('.', '');
    const body = exp < 0 ? `0.${'0'.repeat(-exp - 1)}${digits}` : digits.length > exp + 1 ? `${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}` : `${digits}${'0'.repeat(exp + 1 - digits.length)}.0`;
    return (neg ? '-' : '') + body;
  }
  return `${mant}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
}

/** Python's repr() of a str. */
export function pyReprString(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const c = ch.codePointAt(0) as number;
    if (ch === quote || ch === '\\') out += '\\' + ch;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c !== 0x20 && /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]/u.test(ch)) {
      out += c < 0x100 ? `\\x${c.toString(16).padStart(2, '0')}` : c < 0x10000 ? `\\u${c.toString(16).padStart(4, '0')}` : `\\U${c.toString(16).padStart(8, '0')}`;
    } else out += ch;
  }
  return out + quote;
}

/** The runtime values of @huggingface/jinja, as far as these hooks look at them. */
interface Value {
  type: string;
  value: unknown;
}

/** A value that Python cannot write as jinja2 does and r1ts does not imitate. */
export class UnsupportedJinjaError extends Error {}

/** Marks a list the library made where Python has a tuple (the pairs of dict.items()). */
const PY_TUPLE = Symbol('pyTuple');

/** Python's str() (repr = false) or repr() (repr = true) of a runtime value. */
export function pyStr(v: Value, repr = false): string {
  switch (v.type) {
    case 'StringValue':
      return repr ? pyReprString(v.value as string) : (v.value as string);
    case 'IntegerValue':
      return String(v.value);
    case 'FloatValue':
      return pyFloat(v.value as number);
    case 'BooleanValue':
      return v.value ? 'True' : 'False';
    case 'NullValue':
      return 'None';
    case 'UndefinedValue':
      return '';
    case 'ArrayValue':
    case 'TupleValue': {
      const items = (v.value as Value[]).map((x) => pyStr(x, true));
      // A pair from dict.items() is a tuple in Python.
      if (v.type === 'ArrayValue' && !(v as Value & { [PY_TUPLE]?: true })[PY_TUPLE]) return `[${items.join(', ')}]`;
      return items.length === 1 ? `(${items[0]},)` : `(${items.join(', ')})`;
    }
    case 'ObjectValue':
      return `{${[...(v.value as Map<string, Value>)].map(([k, x]) => `${pyReprString(k)}: ${pyStr(x, true)}`).join(', ')}}`;
    default:
      throw new UnsupportedJinjaError(`writing a ${v.type.replace(/Value$/, '').toLowerCase()} as text is not supported (r1ts cannot write it as Python does)`);
  }
}

/** Options of transformers' `tojson` filter (json.dumps's). */
export interface PyJsonOptions {
  indent?: number | string | null;
  separators?: [string, string] | null;
  sortKeys?: boolean;
  ensureAscii?: boolean;
}

/** Python's json.dumps(…) of a runtime value, as transformers' `tojson` filter writes it. */
export function pyJson(v: Value, o: PyJsonOptions = {}, depth = 0): string {
  const indent = o.indent === null || o.indent === undefined ? null : typeof o.indent === 'number' ? ' '.repeat(Math.max(0, o.indent)) : o.indent;
  const [itemSep, keySep] = o.separators ?? (indent === null ? [', ', ': '] : [',', ': ']);
  const str = (s: string): string => {
    const j = JSON.stringify(s);
    return o.ensureAscii ? j.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`) : j;
  };
  const wrap = (open: string, items: string[], close: string): string => {
    if (items.length === 0) return open + close;
    if (indent === null) return open + items.join(itemSep) + close;
    const pad = '\n' + indent.repeat(depth + 1);
    return open + pad + items.join(itemSep + pad) + '\n' + indent.repeat(depth) + close;
  };
  switch (v.type) {
    case 'StringValue':
      return str(v.value as string);
    case 'IntegerValue':
      return String(v.value);
    case 'FloatValue': {
      const x = v.value as number;
      return Number.isNaN(x) ? 'NaN' : !Number.isFinite(x) ? (x > 0 ? 'Infinity' : '-Infinity') : pyFloat(x);
    }
    case 'BooleanValue':
      return v.value ? 'true' : 'false';
    case 'NullValue':
      return 'null';
    case 'ArrayValue':
    case 'TupleValue':
      return wrap('[', (v.value as Value[]).map((x) => pyJson(x, o, depth + 1)), ']');
    case 'ObjectValue': {
      let entries = [...(v.value as Map<string, Value>)];
      if (o.sortKeys) entries = entries.sort(([a], [b]) => cmpCodePoints(a, b));
      return wrap('{', entries.map(([k, x]) => str(k) + keySep + pyJson(x, o, depth + 1)), '}');
    }
    default:
      throw new UnsupportedJinjaError(`tojson of ${v.type.replace(/Value$/, '').toLowerCase()} values is not supported (Python's json.dumps refuses them)`);
  }
}

/** Python's str ordering: by code point (JavaScript's < orders UTF-16 code units, localeCompare by locale). */
function cmpCodePoints(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = (x[i] as string).codePointAt(0)! - (y[i] as string).codePointAt(0)!;
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

const CONTAINERS = new Set(['ArrayValue', 'TupleValue', 'ObjectValue']);
const NUMBERS = new Set(['IntegerValue', 'FloatValue', 'BooleanValue']);

/** Python's == on runtime values: lists, tuples and dicts by content (the library compared them by identity). */
export function pyEq(a: Value, b: Value): boolean {
  if (NUMBERS.has(a.type) && NUMBERS.has(b.type)) return Number(a.value) === Number(b.value);
  if (a.type !== b.type) return false;
  if (a.type === 'ArrayValue' || a.type === 'TupleValue') {
    const x = a.value as Value[];
    const y = b.value as Value[];
    return x.length === y.length && x.every((v, i) => pyEq(v, y[i] as Value));
  }
  if (a.type === 'ObjectValue') {
    const x = a.value as Map<string, Value>;
    const y = b.value as Map<string, Value>;
    return x.size === y.size && [...x].every(([k, v]) => y.has(k) && pyEq(v, y.get(k) as Value));
  }
  return a.value === b.value;
}

/** Statement types renderBlock writes out with toString(): every expression. */
const OUTPUT_TYPES = new Set([
  'Identifier', 'IntegerLiteral', 'FloatLiteral', 'BinaryExpression', 'MemberExpression', 'CallExpression', 'FilterExpression',
  'TestExpression', 'Ternary', 'UnaryExpression', 'ArrayLiteral', 'TupleLiteral', 'ObjectLiteral', 'SelectExpression',
]);

interface Node {
  type: string;
  [k: string]: unknown;
}

/** The Interpreter methods the hooks wrap (private in the library's types, plain methods at run time). */
interface Hooks {
  evaluate(node: Node, env: Environment): Value;
  renderBlock(statements: Node[], env: Environment): string;
  applyFilter(operand: Value, filter: Node, env: Environment): Value;
  evaluateCallExpression(expr: Node, env: Environment): Value;
  evaluateBinaryExpression(node: Node, env: Environment): Value;
  evaluateMemberExpression(expr: Node, env: Environment): Value;
  renderFor(node: Node, env: Environment): string;
}
const HOOKED: readonly (keyof Hooks)[] = ['evaluate', 'renderBlock', 'applyFilter', 'evaluateCallExpression', 'evaluateBinaryExpression', 'evaluateMemberExpression', 'renderFor'];

/** Constructors of the library's string, array, integer, float and boolean values (not exported), from values it makes. */
function valueConstructors(): { Str: new (s: string) => Value; Arr: new (items: Value[]) => Value; Int: new (n: number) => Value; Float: new (n: number) => Value; Bool: new (b: boolean) => Value } {
  const env = new Environment();
  env.set('probe', ['', 1, 1.5, true]);
  const arr = env.lookupVariable('probe') as unknown as Value;
  const [str, int, float, bool] = arr.value as [Value, Value, Value, Value];
  const ctor = (v: Value): new (x: never) => Value => v.constructor as new (x: never) => Value;
  return { Str: ctor(str), Arr: ctor(arr), Int: ctor(int), Float: ctor(float), Bool: ctor(bool) } as ReturnType<typeof valueConstructors>;
}
let ctors: ReturnType<typeof valueConstructors> | undefined;

/** A node standing for a value already evaluated, so a hook that looked at an operand hands it on unevaluated again. */
const VALUE = 'R1tsValue';
const valueNode = (v: Value): Node => ({ type: VALUE, value: v });

/** A member expression as written (`messages[0].content`), for errors. */
function describe(n: Node): string {
  if (n.type === 'Identifier') return n['value'] as string;
  if (n.type === 'MemberExpression') {
    const prop = n['property'] as Node;
    return `${describe(n['object'] as Node)}${n['computed'] ? `[${describe(prop)}]` : `.${prop['value'] as string}`}`;
  }
  if (n.type === 'StringLiteral') return JSON.stringify(n['value']);
  if (n.type === 'IntegerLiteral') return String(n['value']);
  return '…';
}

const identName = (n: unknown): string | undefined => ((n as Node | undefined)?.type === 'Identifier' ? ((n as Node)['value'] as string) : undefined);

/** How far one render may go (defaults MAX_STEPS and MAX_CHARS). */
export interface RenderLimits {
  /** Expressions evaluated plus blocks rendered (a loop's every pass counts). */
  maxSteps: number;
  /** The longest string a render may build or write. */
  maxChars: number;
}

/** An Interpreter for `env` with Python's semantics hooked on (see the file's head). */
export function pythonInterpreter(env: Environment, limits: RenderLimits = { maxSteps: MAX_STEPS, maxChars: MAX_CHARS }): Interpreter {
  const interp = new Interpreter(env);
  const self = interp as unknown as Hooks;
  for (const m of HOOKED) {
    if (typeof self[m] !== 'function') throw new Error(`@huggingface/jinja has no Interpreter.${m}: this version is not supported`);
  }
  ctors ??= valueConstructors();
  const { Str, Arr, Int, Float, Bool } = ctors;
  const base = { ...Object.fromEntries(HOOKED.map((m) => [m, (self[m] as (...a: unknown[]) => unknown).bind(interp)])) } as unknown as Hooks;
  let steps = 0;
  // dict.items(), |items and |dictsort give (key, value) tuples in Python: marked to be written ('a', 1), not
  // ['a', 1] (they stay the library's lists, which its `for k, v in …` unpacks).
  const pairsAsTuples = (v: Value): Value => {
    if (v.type === 'ArrayValue') for (const p of v.value as Value[]) if (p.type === 'ArrayValue') (p as Value & { [PY_TUPLE]?: true })[PY_TUPLE] = true;
    return v;
  };

  const step = (): void => {
    if (++steps > limits.maxSteps) throw new Error(`the chat template ran more than ${limits.maxSteps} steps (a loop that does not end?)`);
  };
  self.evaluate = (node, e) => {
    if (node?.type === VALUE) return node['value'] as Value; // (node is absent for a slice's missing bounds)
    step();
    const v = base.evaluate(node, e);
    if (v.type === 'StringValue' && (v.value as string).length > limits.maxChars) throw new Error(`the chat template built a string of over ${limits.maxChars} characters`);
    return v;
  };
  self.renderBlock = (statements, e) => {
    step(); // a loop's every pass, even over an empty body
    let out = '';
    for (const s of statements) {
      out += OUTPUT_TYPES.has(s.type) ? pyStr(self.evaluate(s, e)) : base.renderBlock([s], e);
      if (out.length > limits.maxChars) throw new Error(`the chat template wrote over ${limits.maxChars} characters`);
    }
    return out;
  };
  self.applyFilter = (operand, filter, e) => {
    const name = identName(filter) ?? (filter.type === 'CallExpression' ? identName(filter['callee']) : undefined);
    if (name === 'trim' && filter.type === 'Identifier' && operand.type === 'StringValue') return new Str(pyStrip(operand.value as string));
    if (name === 'string' && filter.type === 'Identifier') return new Str(pyStr(operand));
    if (filter.type === 'Identifier' && operand.type === 'StringValue') {
      const text = operand.value as string;
      if (name === 'capitalize') return new Str(pyCapitalize(text));
      if (name === 'title') return new Str(jinjaTitle(text));
      if (name === 'length' || name === 'count') return new Int([...text].length); // characters, not UTF-16 units
    }
    if ((name === 'length' || name === 'count') && filter.type === 'Identifier' && operand.type === 'UndefinedValue') return new Int(0);
    if (name === 'join') return new Str(join(operand, filter, e));
    if (name === 'items' || name === 'dictsort') return pairsAsTuples(base.applyFilter(operand, filter, e));
    if (name === 'tojson') return new Str(pyJson(operand, tojsonOptions(filter, e)));
    return base.applyFilter(operand, filter, e);
  };
  const tojsonOptions = (filter: Node, e: Environment): PyJsonOptions => {
    const o: PyJsonOptions = {};
    if (filter.type !== 'CallExpression') return o;
    const names = ['ensure_ascii', 'indent', 'separators', 'sort_keys'];
    (filter['args'] as Node[]).forEach((a, i) => {
      const key = a.type === 'KeywordArgumentExpression' ? identName(a['key']) : names[i];
      const val = self.evaluate((a.type === 'KeywordArgumentExpression' ? a['value'] : a) as Node, e);
      if (key === 'ensure_ascii') o.ensureAscii = Boolean(val.value);
      else if (key === 'sort_keys') o.sortKeys = Boolean(val.value);
      else if (key === 'indent') o.indent = val.type === 'NullValue' ? null : (val.value as number | string);
      else if (key === 'separators') o.separators = val.type === 'NullValue' ? null : ((val.value as Value[]).map((x) => x.value) as [string, string]);
      else throw new UnsupportedJinjaError(`tojson() got an unexpected argument ${key === undefined ? `at position ${i + 1}` : `'${key}'`}`);
    });
    return o;
  };
  const join = (operand: Value, filter: Node, e: Environment): string => {
    let sep = '';
    let attribute: string | undefined;
    if (filter.type === 'CallExpression') {
      for (const a of filter['args'] as Node[]) {
        if (a.type === 'KeywordArgumentExpression') {
          const key = identName(a['key']);
          const val = self.evaluate(a['value'] as Node, e);
          if (key === 'd') sep = pyStr(val);
          else if (key === 'attribute') attribute = pyStr(val);
          else throw new UnsupportedJinjaError(`join() got an unexpected keyword argument '${key}'`);
        } else sep = pyStr(self.evaluate(a, e));
      }
    }
    let items: Value[];
    if (operand.type === 'StringValue') items = [...(operand.value as string)].map((c) => new Str(c));
    else if (operand.type === 'ArrayValue' || operand.type === 'TupleValue') items = operand.value as Value[];
    else throw new UnsupportedJinjaError(`join of a ${operand.type} is not supported`);
    if (attribute !== undefined) {
      const path = attribute.split('.');
      items = items.map((it) => path.reduce<Value>((v, k) => (v.value instanceof Map ? ((v.value as Map<string, Value>).get(k) ?? { type: 'UndefinedValue', value: undefined }) : { type: 'UndefinedValue', value: undefined }), it));
    }
    return items.map((x) => pyStr(x)).join(sep);
  };
  self.evaluateCallExpression = (expr, e) => {
    const callee = expr['callee'] as Node;
    const method = callee.type === 'MemberExpression' && !callee['computed'] ? identName(callee['property']) : undefined;
    const args = expr['args'] as Node[];
    if (method === 'items' && args.length === 0) {
      const obj = self.evaluate(callee['object'] as Node, e);
      return pairsAsTuples(base.evaluateCallExpression({ ...expr, callee: { ...callee, object: valueNode(obj) } }, e));
    }
    if ((method === 'split' || method === 'capitalize' || method === 'title') && args.length === 0) {
      const obj = self.evaluate(callee['object'] as Node, e);
      if (obj.type === 'StringValue') {
        const text = obj.value as string;
        return method === 'split' ? new Arr(pySplit(text).map((x) => new Str(x))) : new Str(method === 'title' ? pyTitle(text) : pyCapitalize(text));
      }
      return base.evaluateCallExpression({ ...expr, callee: { ...callee, object: valueNode(obj) } }, e);
    }
    // strip('\n') and the like: the library's strip/lstrip/rstrip ignore their argument and strip whitespace.
    if ((method === 'strip' || method === 'lstrip' || method === 'rstrip') && args.length <= 1 && args.every((a) => a.type !== 'KeywordArgumentExpression')) {
      const obj = self.evaluate(callee['object'] as Node, e);
      const chars = args.length === 1 ? self.evaluate(args[0] as Node, e) : undefined;
      if (obj.type === 'StringValue' && (chars === undefined || chars.type === 'NullValue' || chars.type === 'StringValue')) {
        const side = method === 'strip' ? 'both' : method === 'lstrip' ? 'left' : 'right';
        return new Str(pyStrip(obj.value as string, side, chars?.type === 'StringValue' ? (chars.value as string) : undefined));
      }
      return base.evaluateCallExpression({ ...expr, callee: { ...callee, object: valueNode(obj) }, args: chars ? [valueNode(chars)] : [] }, e);
    }
    return base.evaluateCallExpression(expr, e);
  };
  // s[i] counts characters, as Python does, not UTF-16 units (the library gave half an emoji).
  // An attribute or item of an undefined value is an error, as in jinja2 ('nope' is undefined), not another undefined.
  self.evaluateMemberExpression = (expr, e) => {
    const prop = expr['property'] as Node;
    const obj = self.evaluate(expr['object'] as Node, e);
    if (obj.type === 'UndefinedValue') throw new Error(`${describe(expr['object'] as Node)} is undefined (reading ${describe(expr)})`);
    if (expr['computed'] && prop.type !== 'SliceExpression' && obj.type === 'StringValue') {
      const i = self.evaluate(prop, e);
      if (i.type === 'IntegerValue') {
        const chars = [...(obj.value as string)];
        const at = (i.value as number) < 0 ? chars.length + (i.value as number) : (i.value as number);
        return at >= 0 && at < chars.length ? new Str(chars[at] as string) : { type: 'UndefinedValue', value: undefined }; // out of range: undefined, as jinja2 gives
      }
      return base.evaluateMemberExpression({ ...expr, object: valueNode(obj), property: valueNode(i) }, e);
    }
    return base.evaluateMemberExpression({ ...expr, object: valueNode(obj) }, e);
  };
  // Iterating an undefined value gives nothing, as in jinja2 (`for t in message.tool_calls` on a plain message).
  self.renderFor = (node, e) => {
    const it = node['iterable'] as Node;
    const lhs = it.type === 'SelectExpression' ? (it['lhs'] as Node) : it;
    let v = self.evaluate(lhs, e);
    if (v.type === 'UndefinedValue') v = new Arr([]);
    return base.renderFor({ ...node, iterable: it.type === 'SelectExpression' ? { ...it, lhs: valueNode(v) } : valueNode(v) }, e);
  };
  self.evaluateBinaryExpression = (node, e) => {
    const op = (node['operator'] as Node | undefined)?.['value'];
    if (op === '~') return new Str(pyStr(self.evaluate(node['left'] as Node, e)) + pyStr(self.evaluate(node['right'] as Node, e)));
    if (op === '==' || op === '!=') {
      const l = self.evaluate(node['left'] as Node, e);
      const r = self.evaluate(node['right'] as Node, e);
      if (CONTAINERS.has(l.type) || CONTAINERS.has(r.type)) return new Bool(pyEq(l, r) === (op === '=='));
      return base.evaluateBinaryExpression({ ...node, left: valueNode(l), right: valueNode(r) }, e);
    }
    if (op === '%' || op === '//' || op === '/') {
      const l = self.evaluate(node['left'] as Node, e);
      const r = self.evaluate(node['right'] as Node, e);
      const num = (v: Value): boolean => v.type === 'IntegerValue' || v.type === 'FloatValue';
      if (num(l) && num(r)) {
        const a = l.value as number;
        const b = r.value as number;
        if (b === 0) throw new Error(`division by zero (${pyStr(l)} ${op} ${pyStr(r)})`);
        if (op === '/') return new Float(a / b);
        // Python's // and % round toward negative infinity: -7 // 2 == -4, -7 % 3 == 2.
        const v = op === '//' ? Math.floor(a / b) : a - b * Math.floor(a / b);
        return l.type === 'IntegerValue' && r.type === 'IntegerValue' ? new Int(v) : new Float(v);
      }
      return base.evaluateBinaryExpression({ ...node, left: valueNode(l), right: valueNode(r) }, e);
    }
    return base.evaluateBinaryExpression(node, e);
  };
  return interp;
}
