// src/tasks/functions/extract.ts — where the program of a `functions` answer is, and its key for majority voting.
//
// The program is read after the reasoning (never inside <think>: that would reward drafts), in the last <answer>
// block when there is one, else in the whole text after </think> (the whole completion when it has no reasoning
// block: how a base model is scored leniently). There:
//   1. the last fenced block tagged python (or untagged), as the code task reads it;
//   2. else, since a tiny model writes short answers, a plain `def`: from the last "def name(" to the end of its
//      line, plus the indented lines that follow it ("def f(x): return x * 3 + 2", or a two-line def), with a
//      trailing inline-code backtick or Chinese full stop dropped.
// A fence wins over a plain def; nothing else (prose, \boxed{}) counts.

import { beforeTemplateToken, extractCodeBlock } from '../../verify/code/index.js';
import { splitCompletion } from '../completion.js';

/** Where the program was found. */
export type FunctionCodeSource = 'fenced' | 'plain';

/** A `def` not glued to a preceding word or attribute ("undef f(" and "x.def f(" are not code). */
const PLAIN_DEF = /(?<![\w.])def[ \t]+[A-Za-z_]\w*[ \t]*\(/g;

/** The plain `def` of `text` (see the file comment), or null when it has none. */
export function plainDef(text: string): string | null {
  let start = -1;
  for (const m of text.matchAll(PLAIN_DEF)) start = m.index;
  if (start < 0) return null;
  const lines = text.slice(start).replace(/\r\n?/g, '\n').split('\n');
  const kept = [lines[0] as string];
  for (const line of lines.slice(1)) {
    if (!/^[ \t]+\S/.test(line)) break;
    kept.push(line);
  }
  return kept.join('\n').replace(/[\s`。]+$/, '');
}

/** The program of a completion and where it was found, or null when there is none (see the file comment). */
export function extractFunctionCode(completion: string): { code: string; source: FunctionCodeSource } | null {
  const parts = splitCompletion(completion);
  const region = beforeTemplateToken(parts.answerBlock ?? parts.final);
  const block = extractCodeBlock(region, 'python');
  if (block !== null) return { code: block.code, source: 'fenced' };
  const plain = plainDef(region);
  return plain === null ? null : { code: plain, source: 'plain' };
}

/** Python string literals (single or double quoted, one line): kept verbatim by the key. */
const STRING_LITERAL = /("(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')/;

/** Spaces outside string literals are dropped unless they separate two word characters ("return x"). */
function squeeze(line: string): string {
  return line
    .split(STRING_LITERAL)
    .map((piece, i) => (i % 2 === 1 ? piece : piece.replace(/\s+/g, ' ').replace(/ (?=\W)|(?<=\W) /g, '')))
    .join('');
}

/**
 * Key for majority voting (cons@k): programs that differ only in insignificant whitespace get one key.
 * Within a line, spaces are dropped except between two word characters (and inside string literals); blank lines
 * are dropped; indentation is kept as a depth (the rank of its width), so the block structure — which changes
 * what a Python program means — is preserved; and a def whose body is one line on its own line is written as the
 * equivalent one-liner. "def f(x):\n    return x*3 + 2" and "def f(x): return x * 3 + 2" share the key
 * "def f(x):return x*3+2".
 */
export function functionsAnswerKey(code: string): string {
  const lines = code
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .filter((l) => l.trim() !== '');
  const indent = (l: string): number => (/^[ \t]*/.exec(l) as RegExpExecArray)[0].replace(/\t/g, '    ').length;
  const widths = [...new Set(lines.map(indent))].sort((a, b) => a - b);
  const out = lines.map((l) => '\t'.repeat(widths.indexOf(indent(l))) + squeeze(l.trim()));
  const [head, body] = out;
  if (out.length === 2 && head !== undefined && body !== undefined && /^def\b.*:$/.test(head) && /^\t[^\t]/.test(body)) {
    return head + body.slice(1);
  }
  return out.join('\n');
}
