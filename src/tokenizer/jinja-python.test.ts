// src/tokenizer/jinja-python.test.ts — Python's semantics in chat-template renders (expected values are what
// Python 3 writes) and the bounds that stop a template which loops without end or builds a huge string.

import test from 'node:test';
import assert from 'node:assert/strict';
import { Environment, Template } from '@huggingface/jinja';
import { pyFloat, pyReprString, pySplit, pyStrip, pythonInterpreter, type RenderLimits } from './jinja-python.js';
import { ChatTemplateError, jinjaChatTemplate } from './template.js';

function render(template: string, limits?: RenderLimits): string {
  const env = new Environment();
  for (const [k, v] of Object.entries({ true: true, false: false, none: null })) env.set(k, v);
  env.set('range', (n: number) => Array.from({ length: n }, (_, i) => i));
  return String(pythonInterpreter(env, limits).run(new Template(template).parsed).value);
}

test("Python's whitespace: str.strip(), split() and Jinja's trim", () => {
  // ' \x85a\x1c\u3000 \ufeff'.strip() == 'a\x1c\u3000 \ufeff'; U+FEFF and U+180E are not whitespace in Python.
  assert.equal(pyStrip(' \x85a\x1c\u3000 \ufeff'), 'a\x1c\u3000 \ufeff');
  assert.equal(pyStrip('\x1f a \u2029', 'left'), 'a \u2029');
  assert.equal(pyStrip('\x1f a \u2029', 'right'), '\x1f a');
  assert.equal(pyStrip('\u180e q \u180e'), '\u180e q \u180e');
  assert.deepEqual(pySplit('\x1c a\x85b\u3000\ufeff c  '), ['a', 'b', '\ufeff', 'c']);
  assert.deepEqual(pySplit(' \t\n'), []);
  // Linear time on long whitespace runs that do not end the string.
  const long = ' '.repeat(200_000) + 'x' + ' \x1c'.repeat(100_000) + 'y';
  assert.equal(pyStrip(long).length, long.length - 200_000);
});

test("Python's repr() of floats and strings", () => {
  const cases: [number, string][] = [[1e-7, '1e-07'], [1e16, '1e+16'], [1e15, '1000000000000000.0'], [0.1 + 0.2, '0.30000000000000004'],
    [2.5, '2.5'], [-0.0, '-0.0'], [3, '3.0'], [0.0001, '0.0001'], [0.00001, '1e-05'], [1.5e300, '1.5e+300'], [123456789012345.6, '123456789012345.6'], [Infinity, 'inf']];
  for (const [x, py] of cases) assert.equal(pyFloat(x), py, String(x));
  assert.equal(pyReprString("it's"), `"it's"`);
  assert.equal(pyReprString(`it's "x"`), `'it\\'s "x"'`);
  assert.equal(pyReprString('a\nb\\\x85\ufeff\u3000é👍\x00'), "'a\\nb\\\\\\x85\\ufeff\\u3000é👍\\x00'");
});

test('a template whose loops do not end, or whose text doubles, stops with an error', () => {
  const limits = { maxSteps: 10_000, maxChars: 1000 };
  assert.throws(() => render('{% for i in range(1000) %}{% for j in range(1000) %}{% endfor %}{% endfor %}', limits), /ran more than 10000 steps/);
  assert.throws(() => render("{% set ns = namespace(s='ab') %}{% for i in range(40) %}{% set ns.s = ns.s + ns.s %}{% endfor %}", limits), /string of over 1000 characters/);
  assert.throws(() => render("{% for i in range(100) %}{{ 'abcdefghijklmnopqrstuvwxyz' }}{% endfor %}", limits), /wrote over 1000 characters/);
  assert.equal(render('{% for i in range(10) %}{{ i }}{% endfor %}', limits), '0123456789');
  // Through a checkpoint's template: a ChatTemplateError naming it, not a hang.
  assert.throws(
    () => jinjaChatTemplate("{% set ns = namespace(s='ab') %}{% for i in range(40) %}{% set ns.s = ns.s + ns.s %}{% endfor %}", 'ckpt').render([], { addGenerationPrompt: false }),
    (e: unknown) => e instanceof ChatTemplateError && /^ckpt: .*string of over/.test(e.message),
  );
});

test('values written as Python writes them, or refused; arithmetic rounds as Python does', () => {
  assert.throws(() => render('{% macro m() %}{% endmacro %}{{ m }}'), /writing a .* as text is not supported/);
  assert.equal(render("{{ [true, none, 'a'] | join(',') }}|{{ true | string }}|{{ 'x' ~ false }}"), 'True,None,a|True|xFalse');
  // Python: -7 % 3 == 2, 7 % -3 == -2, -7.5 % 2 == 0.5, 7.0 // 2 == 3.0; 'aBC dEF'.capitalize() == 'Abc def'.
  assert.equal(render("{{ -7 % 3 }}|{{ 7 % -3 }}|{{ -7.5 % 2 }}|{{ 7.0 // 2 }}|{{ 'aBC dEF' | capitalize }}|{{ '\u01c6x'.capitalize() }}"), '2|-2|0.5|3.0|Abc def|\u01c5x');
  assert.throws(() => render('{{ 3 // 0 }}'), /division by zero \(3 \/\/ 0\)/);
  assert.throws(() => render('{{ 1 / 0 }}'), /division by zero/);
  // json.dumps as transformers' tojson calls it: 2.0 stays a float, keys sort by code point ('B' < 'a' < 'é').
  assert.equal(render("{{ {'é': 1, 'a': 2.0, 'B': [1 / 10000000]} | tojson(sort_keys=true) }}"), '{"B": [1e-07], "a": 2.0, "é": 1}');
  assert.throws(() => render('{{ nothing | tojson }}'), /tojson of undefined values is not supported/);
  // jinja2 raises UndefinedError on an attribute or item of an undefined value; transformers renders no prompt.
  const env = (): Environment => {
    const e = new Environment();
    e.set('messages', [{ role: 'user', content: 'hi' }]);
    return e;
  };
  const run = (t: string): string => String(pythonInterpreter(env()).run(new Template(t).parsed).value);
  assert.throws(() => run('{{ messages[5].role }}'), /messages\[5\] is undefined \(reading messages\[5\]\.role\)/);
  assert.throws(() => run('{% if messages[0].tools.name %}x{% endif %}'), /messages\[0\]\.tools is undefined/);
  assert.equal(run("{{ messages[0].nope is defined }}|{% for t in messages[0].tool_calls %}T{% else %}none{% endfor %}|{{ nope | length }}|{{ 'ab'[5] is defined }}"), 'False|none|0|False');
});
