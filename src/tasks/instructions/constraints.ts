// src/tasks/instructions/constraints.ts — the verifiable instructions of the instruction-following task: their
// machine-readable spec (the item's gold, as JSON), where the answer is in a completion, and one rule check per
// constraint kind. Rules only, no model: these stand in for the helpfulness reward model of DeepSeek-R1's final
// all-scenario RL stage (§2.3.4), the way IFEval-style checks do.

import { z } from 'zod';
import { ANY_TAG, parseCompletion } from '../../verify/completion.js';
import { languageShare } from '../../verify/language.js';
import { CATEGORIES, CATEGORY_NAMES, LANGUAGE_NAMES, memberForms, type CategoryName, type Member } from './vocab.js';

/** The instruction kinds, in the order difficulty specs list them. */
export const CONSTRAINT_KINDS = ['language', 'max-words', 'include', 'exclude', 'end-with', 'lowercase', 'count'] as const;
export type ConstraintKind = (typeof CONSTRAINT_KINDS)[number];

/** Share of an answer's words that must be in the requested language. */
export const LANGUAGE_MIN_SHARE = 0.9;

const langSchema = z.enum(['en', 'zh']);
const categorySchema = z.enum(CATEGORY_NAMES as [CategoryName, ...CategoryName[]]);
const text = z.string().min(1).max(100);

export const constraintSchema = z.discriminatedUnion('kind', [
  /** The answer is in this language: at least LANGUAGE_MIN_SHARE of its words (see verify/language.ts). */
  z.object({ kind: z.literal('language'), lang: langSchema }).strict(),
  /** At most n words; each Han (or kana, Hangul) character counts as one word, as Chinese has no spaces. */
  z.object({ kind: z.literal('max-words'), n: z.number().int().min(1).max(10_000) }).strict(),
  /** The word appears (Latin: as a whole word, any case; Chinese: as a substring). */
  z.object({ kind: z.literal('include'), word: text }).strict(),
  /** The word does not appear (same matching as include). */
  z.object({ kind: z.literal('exclude'), word: text }).strict(),
  /** The answer ends with this phrase (any case; closing punctuation and quotes after it are ignored). */
  z.object({ kind: z.literal('end-with'), text }).strict(),
  /** No uppercase letter anywhere in the answer. */
  z.object({ kind: z.literal('lowercase') }).strict(),
  /** Exactly n comma-separated items (, ， or 、), each naming a different member of the spec's category. */
  z.object({ kind: z.literal('count'), n: z.number().int().min(1).max(100) }).strict(),
]);
export type Constraint = z.infer<typeof constraintSchema>;

/**
 * An item's gold: the request's category (the answer must name at least one of its members: the "topic" rule,
 * always checked), the language the answer is expected in, and the explicit constraints.
 */
export const instructionSpecSchema = z
  .object({ category: categorySchema, lang: langSchema, constraints: z.array(constraintSchema).min(1).max(10) })
  .strict();
export type InstructionSpec = z.infer<typeof instructionSpecSchema>;

/** Read a gold spec; throws an Error naming `where` (an item id) and the problem. */
export function parseInstructionSpec(gold: string, where = 'gold'): InstructionSpec {
  let raw: unknown;
  try {
    raw = JSON.parse(gold);
  } catch (e) {
    throw new Error(`instructions: ${where}: gold is not JSON (${(e as Error).message})`);
  }
  const r = instructionSpecSchema.safeParse(raw);
  if (!r.success) throw new Error(`instructions: ${where}: bad constraint spec: ${z.prettifyError(r.error)}`);
  return r.data;
}

/** Where the answer was found: the last <answer> block, the text after </think>, or a completion without tags. */
export type AnswerSource = 'answer-tag' | 'after-think' | 'plain';

/**
 * The answer region of a completion, through the one completion parser: the last `<answer>` block after the
 * reasoning, else everything after `</think>`, else the whole completion when it has no reasoning block. The
 * reasoning itself is never read: instructions are judged on what the user is shown.
 */
export function answerRegion(completion: string): { answer: string; source: AnswerSource } | { answer: null; reason: string } {
  const p = parseCompletion(completion, { priority: [] });
  if (!p.closed) return { answer: null, reason: 'no answer: the reasoning block never closed' };
  if (p.answerBlock !== null) return { answer: p.answerBlock, source: 'answer-tag' };
  return { answer: p.answerText, source: p.reasoning === null ? 'plain' : 'after-think' };
}

const ANY_TAG_G = new RegExp(ANY_TAG.source, 'gi');

/**
 * The answer as the rules read it: Unicode NFKC (full-width letters become ASCII), invisible format characters
 * removed (a zero-width space must not hide a forbidden word), stray think/answer tags removed, a lone
 * `\boxed{…}` unwrapped, trimmed.
 */
export function cleanAnswer(s: string): string {
  let t = s.normalize('NFKC').replace(/\p{Cf}/gu, '').replace(ANY_TAG_G, ' ').trim();
  const boxed = /^\\boxed\{([\s\S]*)\}$/.exec(t);
  if (boxed !== null) t = (boxed[1] as string).trim();
  return t;
}

const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/gu;
const HAS_CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;
const RUN = /[\p{L}\p{N}\p{M}]+(?:['’][\p{L}\p{N}\p{M}]+)*/gu;

/** Words in `s`: each Han, kana or Hangul character is one word; elsewhere a word is a run of letters or digits. */
export function wordCount(s: string): number {
  const cjk = s.match(CJK)?.length ?? 0;
  const rest = s.replace(CJK, ' ').match(RUN)?.length ?? 0;
  return cjk + rest;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Matchers by word and anchoring, built once (the vocabulary is small and fixed). */
const MATCHERS = new Map<string, RegExp>();

/** A regular expression for `w` as a whole word or phrase, any case, any spacing (at the end only when `atEnd`). */
function wordMatcher(w: string, atEnd: boolean): RegExp {
  const k = `${atEnd ? '$' : ''}${w}`;
  let re = MATCHERS.get(k);
  if (re === undefined) {
    const body = w.split(/\s+/).map(escapeRegExp).join('\\s+');
    re = new RegExp(`(?<![\\p{L}\\p{N}\\p{M}])${body}${atEnd ? '$' : '(?![\\p{L}\\p{N}\\p{M}])'}`, 'iu');
    if (MATCHERS.size < 10_000) MATCHERS.set(k, re);
  }
  return re;
}

/** Whether `word` occurs in `s`: Chinese words as substrings; others as whole words, any case, any spacing. */
export function containsWord(s: string, word: string): boolean {
  const w = word.normalize('NFKC').trim();
  if (w === '') return false;
  return HAS_CJK.test(w) ? s.includes(w) : wordMatcher(w, false).test(s);
}

/** Whether `s` ends with `phrase` (same matching as containsWord). */
export function endsWithWord(s: string, phrase: string): boolean {
  const w = phrase.normalize('NFKC').trim();
  if (w === '') return false;
  return HAS_CJK.test(w) ? s.endsWith(w) : wordMatcher(w, true).test(s);
}

/** The first member of `category` that `s` names, in either language, or null. */
export function namedMember(s: string, category: CategoryName): Member | null {
  for (const m of CATEGORIES[category].members) {
    if (memberForms(m).some((f) => containsWord(s, f))) return m;
  }
  return null;
}

function quote(s: string): string {
  const one = s.replace(/\s+/g, ' ');
  return JSON.stringify(one.length > 40 ? `${one.slice(0, 40)}…` : one);
}

/** Space, punctuation and quotes trimmed off items and off the end of an answer. */
const EDGE = new Set('.。!！?？;；:："\'“”‘’«»()（）');
const isEdge = (ch: string): boolean => EDGE.has(ch) || /\s/u.test(ch);

/** `s` without EDGE characters at its start (when `start`) and end; a loop, not a regex, so linear on any input. */
function trimEdges(s: string, start: boolean): string {
  let a = 0;
  let b = s.length;
  while (start && a < b && isEdge(s[a] as string)) a++;
  while (b > a && isEdge(s[b - 1] as string)) b--;
  return s.slice(a, b);
}

/** The comma-separated items of an answer (, ， 、), each without surrounding space and punctuation; empty ones dropped. */
export function splitItems(s: string): string[] {
  return s
    .split(/[,，、]/)
    .map((p) => trimEdges(p, true))
    .filter((p) => p !== '');
}

/** Why one constraint fails on a cleaned answer, or null when it holds. */
export function failure(c: Constraint, answer: string, category: CategoryName): string | null {
  switch (c.kind) {
    case 'language': {
      const share = languageShare(answer, c.lang);
      const name = LANGUAGE_NAMES.en[c.lang];
      if (share === null) return `language: no words to tell whether it is ${name}`;
      if (share < LANGUAGE_MIN_SHARE) return `language: ${Math.round(share * 100)}% of its words are ${name} (need ${LANGUAGE_MIN_SHARE * 100}%)`;
      return null;
    }
    case 'max-words': {
      const n = wordCount(answer);
      return n > c.n ? `max-words: ${n} words (at most ${c.n})` : null;
    }
    case 'include':
      return containsWord(answer, c.word) ? null : `include: ${quote(c.word)} is missing`;
    case 'exclude':
      return containsWord(answer, c.word) ? `exclude: uses ${quote(c.word)}` : null;
    case 'end-with':
      return endsWithWord(trimEdges(answer, false), c.text) ? null : `end-with: does not end with ${quote(c.text)}`;
    case 'lowercase': {
      const up = /[\p{Lu}\p{Lt}]/u.exec(answer);
      return up === null ? null : `lowercase: has the uppercase letter ${quote(up[0])}`;
    }
    case 'count': {
      const items = splitItems(answer);
      if (items.length !== c.n) return `count: ${items.length} comma-separated item${items.length === 1 ? '' : 's'} (need exactly ${c.n})`;
      const seen = new Set<Member>();
      for (const it of items) {
        const m = namedMember(it, category);
        if (m === null) return `count: item ${quote(it)} names no ${CATEGORIES[category].en}`;
        if (seen.has(m)) return `count: ${quote(m.en)} is named twice`;
        seen.add(m);
      }
      return null;
    }
  }
}

/** Check a cleaned, non-empty answer against a spec: correct when the topic rule and every constraint hold. */
export function checkInstructions(spec: InstructionSpec, answer: string): { correct: boolean; reason: string; failed: string[] } {
  const failed: string[] = [];
  if (namedMember(answer, spec.category) === null) failed.push(`topic: names no ${CATEGORIES[spec.category].en}`);
  for (const c of spec.constraints) {
    const f = failure(c, answer, spec.category);
    if (f !== null) failed.push(f);
  }
  if (failed.length > 0) return { correct: false, reason: failed.join('; '), failed };
  const n = spec.constraints.length;
  return { correct: true, reason: `topic and ${n} constraint${n === 1 ? '' : 's'} hold`, failed };
}

/** Canonical answer for majority voting: lower case, one comma style, single spaces, no closing punctuation. */
export function instructionsAnswerKey(answer: string): string {
  return trimEdges(cleanAnswer(answer), false)
    .toLowerCase()
    .replace(/\s*[,，、]\s*/g, ', ')
    .replace(/\s+/g, ' ')
    .trim();
}
