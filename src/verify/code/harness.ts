// src/verify/code/harness.ts — generated programs that call a candidate's function on JSON arguments.
//
// One harness runs a list of calls in order, in one process (as most judges do), and prints one line per call:
// `marker + index + "=" + JSON(result)` or `marker + index + "!" + error`. It prints `marker + "ready"` once the
// candidate has loaded, so a program that cannot even load is told apart from one that died on some call.
// The parent parses those lines and compares each result with the expected value, which never enters the
// sandbox. A candidate that reads the marker (it shares the process) can at most report values of its choosing,
// no better than returning them: it still has to match answers it cannot see. A call reported twice fails.

import { randomBytes } from 'node:crypto';
import { isEsModule, type SandboxFile } from './run.js';
import type { Language } from './types.js';

export interface Harness {
  files: SandboxFile[];
  entry: string;
  /** Prefix of the stdout lines that carry results. */
  marker: string;
}

/** One call: function name and its JSON arguments. */
export interface HarnessCall {
  fn: string;
  args: unknown[];
}

/** A fresh marker: 128 random bits the candidate cannot guess in advance. */
export function newMarker(): string {
  return `@@R1-RESULT-${randomBytes(16).toString('hex')}@@`;
}

/** Files that load `source` and make `calls` in order, reporting each on its own marker line. */
export function buildHarness(lang: Language, source: string, calls: HarnessCall[], marker: string): Harness {
  for (const c of calls) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(c.fn)) throw new Error(`function name must be a plain identifier: ${JSON.stringify(c.fn)}`);
  }
  const callsJson = JSON.stringify(calls.map((c) => [c.fn, c.args]));
  if (callsJson === undefined) throw new Error('call arguments are not JSON-serialisable');
  return lang === 'python' ? pythonHarness(source, callsJson, marker) : jsHarness(source, calls, callsJson, marker);
}

function pythonHarness(source: string, callsJson: string, marker: string): Harness {
  // A JSON string literal is also a valid Python 3 string literal (same escapes; the file is UTF-8).
  const py = (s: string): string => JSON.stringify(s);
  const harness = [
    'import sys, json, os',
    // python -I leaves the script's folder off sys.path; the candidate sits beside this file.
    'sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))',
    `_r1_calls = json.loads(${py(callsJson)})`,
    `_r1_marker = ${py(marker)}`,
    'import solution as _r1_mod',
    'sys.stdout.flush()',
    'sys.stdout.write("\\n" + _r1_marker + "ready\\n")',
    'sys.stdout.flush()',
    'for _r1_i, (_r1_name, _r1_args) in enumerate(_r1_calls):',
    '    try:',
    '        _r1_fn = getattr(_r1_mod, _r1_name, None)',
    '        if not callable(_r1_fn):',
    '            raise NameError("function " + _r1_name + " is not defined")',
    '        _r1_out = "=" + json.dumps(_r1_fn(*_r1_args), allow_nan=False, separators=(",", ":"))',
    '    except Exception as _r1_e:',
    '        _r1_out = "!" + type(_r1_e).__name__ + ": " + " ".join(str(_r1_e).split())[:200]',
    '    sys.stdout.flush()',
    '    sys.stdout.write("\\n" + _r1_marker + str(_r1_i) + _r1_out + "\\n")',
    '    sys.stdout.flush()',
    '',
  ].join('\n');
  return {
    files: [
      { name: 'solution.py', content: source },
      { name: 'harness.py', content: harness },
    ],
    entry: 'harness.py',
    marker,
  };
}

function jsHarness(source: string, calls: HarnessCall[], callsJson: string, marker: string): Harness {
  // Appended to the candidate so top-level functions that are not exported are reachable by name; CommonJS
  // exports work too. Each distinct name is looked up once, by name, in generated code (names are identifiers).
  const esm = isEsModule(source);
  const names = [...new Set(calls.map((c) => c.fn))];
  const lookup = (fn: string): string =>
    esm
      ? `typeof ${fn} === 'function' ? ${fn} : undefined`
      : `typeof ${fn} === 'function' ? ${fn} : (typeof module === 'object' && module.exports && typeof module.exports.${fn} === 'function' ? module.exports.${fn} : undefined)`;
  const harness = [
    '',
    ';(async () => {',
    `  const __r1Marker = ${JSON.stringify(marker)};`,
    `  const __r1Fns = { ${names.map((n) => `${JSON.stringify(n)}: (${lookup(n)})`).join(', ')} };`,
    // As Python's json.dumps(allow_nan=False): NaN and Infinity are errors, not null; a Map or Set is an error,
    // not {} (either would otherwise match an expected null or {}).
    '  const __r1Json = (k, v) => {',
    "    if (typeof v === 'number' && !Number.isFinite(v)) throw new TypeError('Out of range float values are not JSON compliant: ' + v);",
    "    if (v instanceof Map || v instanceof Set || v instanceof WeakMap || v instanceof WeakSet) throw new TypeError('Object of type ' + v.constructor.name + ' is not JSON serializable');",
    '    return v;',
    '  };',
    "  process.stdout.write('\\n' + __r1Marker + 'ready\\n');",
    `  const __r1Calls = JSON.parse(${JSON.stringify(callsJson)});`,
    '  for (let __r1I = 0; __r1I < __r1Calls.length; __r1I++) {',
    '    const [__r1Name, __r1Args] = __r1Calls[__r1I];',
    '    let __r1Out;',
    '    try {',
    "      if (typeof __r1Fns[__r1Name] !== 'function') throw new ReferenceError('function ' + __r1Name + ' is not defined');",
    '      const __r1Value = await __r1Fns[__r1Name](...__r1Args);',
    "      __r1Out = '=' + JSON.stringify(__r1Value === undefined ? null : __r1Value, __r1Json);",
    '    } catch (e) {',
    "      __r1Out = '!' + String(e && e.name ? e.name + ': ' + e.message : e).split(/\\s+/).join(' ').slice(0, 200);",
    '    }',
    "    process.stdout.write('\\n' + __r1Marker + __r1I + __r1Out + '\\n');",
    '  }',
    '})();',
    '',
  ].join('\n');
  const entry = esm ? 'main.mjs' : 'main.cjs';
  return { files: [{ name: entry, content: `${source}\n${harness}` }], entry, marker };
}

/** What the harness reported: whether the candidate loaded, and per call a value, an error, or nothing. */
export interface HarnessReport {
  ready: boolean;
  calls: ({ value: unknown } | { error: string } | null)[];
}

/** Parse the marker lines of a harness run of `count` calls. */
export function parseHarnessOutput(stdout: string, marker: string, count: number): HarnessReport {
  const calls: ({ value: unknown } | { error: string } | null)[] = new Array(count).fill(null);
  const seen = new Array<number>(count).fill(0);
  let ready = false;
  for (const line of stdout.split('\n')) {
    if (!line.startsWith(marker)) continue;
    const rest = line.slice(marker.length);
    if (rest === 'ready') {
      ready = true;
      continue;
    }
    const m = /^(\d+)([=!])(.*)$/s.exec(rest);
    if (!m) continue;
    const i = Number(m[1]);
    if (i >= count) continue;
    seen[i] = (seen[i] as number) + 1;
    if ((seen[i] as number) > 1) {
      calls[i] = { error: 'more than one result for this call in the output' };
      continue;
    }
    if (m[2] === '!') {
      calls[i] = { error: `exception: ${m[3]}` };
      continue;
    }
    try {
      calls[i] = { value: JSON.parse(m[3] as string) };
    } catch {
      calls[i] = { error: 'result is not valid JSON' };
    }
  }
  return { ready, calls };
}
