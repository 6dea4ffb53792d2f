// src/tokenizer/hf-check.ts — interop check against Python Hugging Face `tokenizers`/`transformers` (run by
// `npm run check:interop`, not by tests): r1ts-exported files must give HF the same ids and chat strings, and
// HF-made GPT-2 / Llama-3 / Qwen2 / DeepSeek-V3 style files must give r1ts the same ids. Skips without Python.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../util/rng.js';
import { bytesToByteLevel, utf8Bytes } from './bytes.js';
import { renderChat, type ChatMessage } from './chat.js';
import { loadTokenizer, saveTokenizer } from './io.js';
import { buildPreTokenizer, type PreTokenizerSpec, type SplitBehavior } from './pretokenize.js';
import { builtinCorpus, randomUnicode } from './samples.js';
import { trainTokenizer } from './train-tokenizer.js';
import type { Tokenizer } from './tokenizer.js';
import { packageRoot } from '../util/package-root.js';

/** Outcome of one check: skipped (with why), or ok/mismatch with a one-line summary and the first mismatches. */
export type HfCheckResult =
  | { status: 'skipped'; reason: string }
  | { status: 'ok' | 'mismatch'; summary: string; mismatches: unknown[] };

export interface HfCheckOptions {
  /** Python executable. Default `python3`. */
  python?: string;
  /** Texts to compare on; default: the built-in corpus plus `count` seeded random Unicode strings. */
  texts?: string[];
  seed?: number;
  count?: number;
}


const scriptPath = (): string => join(packageRoot(), 'bench', 'check-tokenizer-hf.py');

function defaultTexts(opts: HfCheckOptions): string[] {
  if (opts.texts) return opts.texts;
  const rng = new Rng(opts.seed ?? 1);
  const random = Array.from({ length: opts.count ?? 200 }, () => randomUnicode(rng, rng.int(0, 80), { stableOnly: true }));
  return [...builtinCorpus().slice(0, 9), ...random];
}

/** Why Python HF is unusable here, or undefined when `import tokenizers` works. */
export function hfUnavailable(python = 'python3'): string | undefined {
  const r = spawnSync(python, ['-c', 'import tokenizers'], { encoding: 'utf8' });
  if (r.error) return `${python} not runnable (${r.error.message})`;
  if (r.status !== 0) return `${python} cannot import tokenizers (${(r.stderr.trim().split('\n').pop() ?? '').trim()})`;
  return undefined;
}

function runScript(python: string, args: string[]): { ok: true; json: Record<string, unknown> } | { ok: false; error: string } {
  const r = spawnSync(python, [scriptPath(), ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const last = r.stdout.trim().split('\n').pop() ?? '';
  if (r.status !== 0 || last === '') return { ok: false, error: `check-tokenizer-hf.py exited ${r.status}: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}` };
  return { ok: true, json: JSON.parse(last) as Record<string, unknown> };
}

const CHATS: { messages: ChatMessage[]; addGenerationPrompt: boolean }[] = [
  { messages: [{ role: 'user', content: 'What is 1+1?' }], addGenerationPrompt: true },
  {
    messages: [
      { role: 'system', content: 'Think step by step.' },
      { role: 'user', content: 'Solve x+2=5.' },
      { role: 'assistant', content: '<think>\nx = 5 - 2 = 3\n</think>\n\nx = 3' },
      { role: 'system', content: 'Answer briefly.' },
      { role: 'user', content: 'And x+3=5?' },
    ],
    addGenerationPrompt: true,
  },
  { messages: [{ role: 'user', content: 'hi' }, { role: 'assistant', content: 'a</think>b</think>c' }], addGenerationPrompt: false },
];

/** r1ts → HF: save `tok`, then ask Python for ids, decoded text and chat renderings on the same inputs. */
export function checkExportWithHf(tok: Tokenizer, opts: HfCheckOptions = {}): HfCheckResult {
  const python = opts.python ?? 'python3';
  const why = hfUnavailable(python);
  if (why) return { status: 'skipped', reason: why };
  const dir = mkdtempSync(join(tmpdir(), 'r1ts-hf-export-'));
  try {
    saveTokenizer(tok, dir);
    const texts = defaultTexts(opts);
    const cases = {
      texts,
      ids: texts.map((t) => tok.encode(t)),
      chats: CHATS.map((c) => ({ messages: c.messages, add_generation_prompt: c.addGenerationPrompt, rendered: renderChat(c.messages, { addGenerationPrompt: c.addGenerationPrompt }) })),
    };
    writeFileSync(join(dir, 'cases.json'), JSON.stringify(cases));
    const r = runScript(python, ['check', dir, join(dir, 'cases.json')]);
    if (!r.ok) return { status: 'mismatch', summary: r.error, mismatches: [] };
    const j = r.json;
    if (j['status'] === 'skipped') return { status: 'skipped', reason: String(j['reason']) };
    return {
      status: j['status'] === 'ok' ? 'ok' : 'mismatch',
      summary: `export: ${j['texts']} texts, ${j['chats'] ?? 0} chats; tokenizers ${j['tokenizers']}, transformers ${j['transformers']}; ${j['mismatch_count']} mismatches`,
      mismatches: (j['mismatches'] as unknown[]) ?? [],
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** HF → r1ts: Python trains GPT-2/Llama-3/Qwen2/DeepSeek-V3 style tokenizers; r1ts loads them and must agree. */
export function checkForeignWithHf(opts: HfCheckOptions = {}): HfCheckResult {
  const python = opts.python ?? 'python3';
  const why = hfUnavailable(python);
  if (why) return { status: 'skipped', reason: why };
  const dir = mkdtempSync(join(tmpdir(), 'r1ts-hf-foreign-'));
  try {
    const texts = defaultTexts(opts);
    writeFileSync(join(dir, 'texts.json'), JSON.stringify(texts));
    const r = runScript(python, ['foreign', dir, join(dir, 'texts.json')]);
    if (!r.ok) return { status: 'mismatch', summary: r.error, mismatches: [] };
    const styles = r.json['styles'] as string[];
    const mismatches: unknown[] = [];
    let count = 0;
    const note = (m: unknown): void => {
      if (mismatches.length < 8) mismatches.push(m);
      count++;
    };
    const asByteLevel = (pieces: string[]): string[] => pieces.map((p) => bytesToByteLevel(utf8Bytes(p)));
    for (const style of styles) {
      let tok: Tokenizer;
      try {
        tok = loadTokenizer(join(dir, style));
      } catch (e) {
        note({ style, kind: 'load', error: (e as Error).message });
        continue;
      }
      const exp = JSON.parse(readFileSync(join(dir, style, 'expected.json'), 'utf8')) as { ids: number[][]; pieces: string[][] };
      texts.forEach((t, i) => {
        const got = tok.encode(t, { addSpecialTokens: true });
        if (JSON.stringify(got) !== JSON.stringify(exp.ids[i])) note({ style, kind: 'encode', index: i, text: t, expected: exp.ids[i], got });
        const pieces = asByteLevel(tok.pieces(t, { allowedAdded: 'none' }));
        if (JSON.stringify(pieces) !== JSON.stringify(exp.pieces[i])) note({ style, kind: 'pieces', index: i, text: t, expected: exp.pieces[i], got: pieces });
      });
    }
    const behaviours = JSON.parse(readFileSync(join(dir, 'split-behaviours.json'), 'utf8')) as Record<string, string[][]>;
    const names: Record<string, SplitBehavior> = { isolated: 'Isolated', removed: 'Removed', merged_with_previous: 'MergedWithPrevious', merged_with_next: 'MergedWithNext', contiguous: 'Contiguous' };
    for (const [key, expected] of Object.entries(behaviours)) {
      const [b, inv] = key.split(':') as [string, string];
      const spec: PreTokenizerSpec = { type: 'Split', pattern: { Regex: '\\s+|\\p{N}|x*' }, behavior: names[b] as SplitBehavior, invert: inv === 'True' };
      const pre = buildPreTokenizer(spec);
      texts.forEach((t, i) => {
        const got: string[] = [];
        pre.split(t, (p) => got.push(p));
        if (JSON.stringify(got) !== JSON.stringify(expected[i])) note({ split: key, index: i, text: t, expected: expected[i], got });
      });
    }
    return {
      status: count === 0 ? 'ok' : 'mismatch',
      summary: `foreign: styles ${styles.join(', ')} and 10 Split behaviours on ${texts.length} texts; ${count} mismatches`,
      mismatches,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Both directions, on a tokenizer trained here on the built-in corpus. */
export function checkTokenizerInterop(opts: HfCheckOptions = {}): { export: HfCheckResult; foreign: HfCheckResult } {
  const tok = trainTokenizer(builtinCorpus(), { vocabSize: 500 });
  return { export: checkExportWithHf(tok, opts), foreign: checkForeignWithHf(opts) };
}
