// src/verify/code/harness.ts — generated programs that call a candidate function on JSON arguments.
//
// The harness prints the function's result as JSON after a random per-run marker; the parent parses that one
// line and compares it with the expected value, which never enters the sandbox. A candidate that reads the
// marker (it shares the process) can at most report a value of its choosing, which is no better than
// returning it: it still has to match an answer it cannot see. Two marker lines make the test fail.

import { randomBytes } from 'node:crypto';
import { isEsModule, type SandboxFile } from './run.js';
import type { Language } from './types.js';

export interface Harness {
  files: SandboxFile[];
  entry: string;
  /** Prefix of the one stdout line that carries the JSON result. */
  marker: string;
}

/** A fresh marker: 128 random bits the candidate cannot guess in advance. */
export function newMarker(): string {
  return `@@R1-RESULT-${randomBytes(16).toString('hex')}@@`;
}

/**
 * Files that import or embed `source`, call `fn(...args)`, and print `marker + JSON(result)` on its own line.
 */
export function buildHarness(lang: Language, source: string, fn: string, args: unknown[], marker: string): Harness {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(fn)) throw new Error(`function name must be a plain identifier: ${JSON.stringify(fn)}`);
  const argsJson = JSON.stringify(args);
  if (argsJson === undefined) throw new Error('call arguments are not JSON-serialisable');
  return lang === 'python' ? pythonHarness(source, fn, argsJson, marker) : jsHarness(source, fn, argsJson, marker);
}

function pythonHarness(source: string, fn: string, argsJson: string, marker: string): Harness {
  // A JSON string literal is also a valid Python 3 string literal (same escapes; the file is UTF-8).
  const py = (s: string): string => JSON.stringify(s);
  const harness = [
    'import sys, json, os',
    // python -I leaves the script's folder off sys.path; the candidate sits beside this file.
    'sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))',
    `_r1_args = json.loads(${py(argsJson)})`,
    'import solution as _r1_mod',
    `_r1_fn = getattr(_r1_mod, ${py(fn)}, None)`,
    `if not callable(_r1_fn): raise SystemExit("function " + ${py(fn)} + " is not defined")`,
    '_r1_out = json.dumps(_r1_fn(*_r1_args), allow_nan=False, separators=(",", ":"))',
    'sys.stdout.flush()',
    `sys.stdout.write("\\n" + ${py(marker)} + _r1_out + "\\n")`,
    'sys.stdout.flush()',
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

function jsHarness(source: string, fn: string, argsJson: string, marker: string): Harness {
  // Appended to the candidate so top-level functions that are not exported are reachable by name; also accepts
  // CommonJS exports. Results that are promises are awaited.
  const esm = isEsModule(source);
  const lookup = esm
    ? `typeof ${fn} === 'function' ? ${fn} : undefined`
    : `typeof ${fn} === 'function' ? ${fn} : (module.exports && typeof module.exports.${fn} === 'function' ? module.exports.${fn} : undefined)`;
  const harness = [
    '',
    ';(async () => {',
    `  const __r1Fn = ${lookup};`,
    `  if (typeof __r1Fn !== 'function') { process.stderr.write('function ${fn} is not defined\\n'); process.exit(1); }`,
    `  const __r1Value = await __r1Fn(...JSON.parse(${JSON.stringify(argsJson)}));`,
    '  const __r1Json = JSON.stringify(__r1Value === undefined ? null : __r1Value);',
    `  process.stdout.write('\\n' + ${JSON.stringify(marker)} + __r1Json + '\\n');`,
    '})().catch((e) => { process.stderr.write(String(e && e.stack || e) + "\\n"); process.exit(1); });',
    '',
  ].join('\n');
  const entry = esm ? 'main.mjs' : 'main.cjs';
  return { files: [{ name: entry, content: `${source}\n${harness}` }], entry, marker };
}

/** The JSON result after the marker, or a reason why there is none (no line, several lines, bad JSON). */
export function parseHarnessOutput(stdout: string, marker: string): { value: unknown } | { error: string } {
  const lines = stdout.split('\n').filter((l) => l.startsWith(marker));
  if (lines.length === 0) return { error: 'no result (the function did not return)' };
  if (lines.length > 1) return { error: 'more than one result marker in the output' };
  try {
    return { value: JSON.parse((lines[0] as string).slice(marker.length)) };
  } catch {
    return { error: 'result is not valid JSON' };
  }
}
