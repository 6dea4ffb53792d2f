// src/tasks/instructions/index.ts — instruction following with rule-checked constraints: a short everyday
// request ("Name some colors.", "说出一些水果。") plus one or more instructions a rule can verify (answer
// language, a word limit, a required or forbidden word, an ending, lower case, an exact number of items). It
// stands in for the general prompts of DeepSeek-R1's final all-scenario RL stage (§2.3.4), whose helpfulness
// and harmlessness rewards came from reward models; here every reward is a rule. The gold answer is the
// constraint spec as JSON (constraints.ts), so checking needs nothing else.

import { z } from 'zod';
import type { Rng } from '../../util/rng.js';
import type { TargetLanguage } from '../../verify/language.js';
import type { CheckResult, PromptStyle, Split, Task, TaskItem } from '../types.js';
import { parseDifficultySpec, resolveDifficulty } from '../difficulty.js';
import { renderPrompt, R1_ZERO_TEMPLATE } from '../prompt.js';
import { splitStream, takeItems, type GeneratedItem } from '../split.js';
import { MAX_ANSWER_CHARS } from '../synthetic.js';
import {
  answerRegion,
  checkInstructions,
  cleanAnswer,
  containsWord,
  CONSTRAINT_KINDS,
  instructionsAnswerKey,
  parseInstructionSpec,
  wordCount,
  type Constraint,
  type ConstraintKind,
  type InstructionSpec,
} from './constraints.js';
import { CATEGORIES, CATEGORY_NAMES, END_PHRASES, FILLER_WORDS, LANGUAGE_NAMES, REQUESTS } from './vocab.js';

export { answerRegion, checkInstructions, CONSTRAINT_KINDS, parseInstructionSpec, wordCount, type Constraint, type ConstraintKind, type InstructionSpec } from './constraints.js';

/** Completions longer than this are still checked, but only their last part is read (as for other tasks). */
const MAX_SCAN_CHARS = 200_000;

/** Difficulty knobs (strings accepted for CLI overrides). */
export const instructionsDifficultySchema = z
  .object({
    /** Instructions per request, besides the request itself (whose topic is always checked). */
    constraints: z.coerce.number().int().min(1).max(3),
    /**
     * Prompt language: en, zh, or mixed (either, and the answer may be asked for in the other language). The
     * answer is expected in the prompt's language unless a "language" instruction says otherwise.
     */
    lang: z.enum(['en', 'zh', 'mixed']),
    /** Instruction kinds to draw from; a CLI override separates them with "|". */
    kinds: z.preprocess(
      (v) => (typeof v === 'string' ? [...new Set(v.split(/[|+\s]+/).filter((k) => k !== ''))] : v),
      z.array(z.enum(CONSTRAINT_KINDS)).min(1),
    ),
  })
  .strict();
export type InstructionsDifficulty = z.infer<typeof instructionsDifficultySchema>;

const ALL_KINDS = [...CONSTRAINT_KINDS];
export const instructionsPresets: Readonly<Record<string, InstructionsDifficulty>> = {
  easy: { constraints: 1, lang: 'en', kinds: ALL_KINDS },
  medium: { constraints: 1, lang: 'mixed', kinds: ALL_KINDS },
  hard: { constraints: 2, lang: 'mixed', kinds: ALL_KINDS },
  extreme: { constraints: 3, lang: 'mixed', kinds: ALL_KINDS },
};

export function instructionsDifficultyFromSpec(spec: string): InstructionsDifficulty {
  return parseDifficultySpec('instructions', spec, instructionsPresets, 'medium', instructionsDifficultySchema);
}

const other = (l: TargetLanguage): TargetLanguage => (l === 'en' ? 'zh' : 'en');

/** Kinds usable when the answer is in `lang` (lower case means nothing in Chinese). */
function usableKinds(kinds: readonly ConstraintKind[], lang: TargetLanguage): ConstraintKind[] {
  return kinds.filter((k) => k !== 'lowercase' || lang === 'en');
}

/** Throws when a difficulty cannot produce items (too few kinds for the number of constraints). */
function assertFeasible(d: InstructionsDifficulty): void {
  const answerLangs: TargetLanguage[] = d.lang === 'mixed' ? ['en', 'zh'] : [d.lang];
  for (const a of answerLangs) {
    const n = usableKinds(d.kinds, a).length;
    if (n < d.constraints) {
      throw new Error(
        `instructions: constraints=${d.constraints} needs as many kinds usable in ${LANGUAGE_NAMES.en[a]} answers; ` +
          `kinds=${d.kinds.join('|')} give ${n}`,
      );
    }
  }
}

/** The instruction sentence for a constraint, in the prompt's language. */
function renderConstraint(c: Constraint, promptLang: TargetLanguage, answerLang: TargetLanguage): string {
  const cjkNote = answerLang === 'zh';
  if (promptLang === 'en') {
    switch (c.kind) {
      case 'language': return `Answer in ${LANGUAGE_NAMES.en[c.lang]}.`;
      case 'max-words': return `Use at most ${c.n} words${cjkNote ? ' (each Chinese character counts as one word)' : ''}.`;
      case 'include': return `Include the word "${c.word}".`;
      case 'exclude': return `Do not use the word "${c.word}".`;
      case 'end-with': return `End your answer with "${c.text}".`;
      case 'lowercase': return 'Use only lowercase letters.';
      case 'count': return `Give exactly ${c.n} items, separated by commas.`;
    }
  }
  switch (c.kind) {
    case 'language': return `用${LANGUAGE_NAMES.zh[c.lang]}回答。`;
    case 'max-words': return `最多用${c.n}个词${cjkNote ? '（每个汉字算一个词）' : ''}。`;
    case 'include': return `回答中要包含“${c.word}”。`;
    case 'exclude': return `不要使用“${c.word}”。`;
    case 'end-with': return `回答以“${c.text}”结尾。`;
    case 'lowercase': return '只用小写字母。';
    case 'count': return `恰好给出${c.n}项，用逗号分隔。`;
  }
}

/** One request with its constraints. Deterministic given `rng`; every generated spec is satisfiable. */
export function generateInstruction(rng: Rng, d: InstructionsDifficulty): GeneratedItem {
  const promptLang: TargetLanguage = d.lang === 'mixed' ? rng.pick(['en', 'zh'] as const) : d.lang;
  const switchLang = d.lang === 'mixed' && d.kinds.includes('language') && rng.next() < 1 / 3;
  const answerLang = switchLang ? other(promptLang) : promptLang;
  const category = rng.pick(CATEGORY_NAMES);
  const members = CATEGORIES[category].members;

  // An answer in the other language must be asked for; the rest are drawn from the usable kinds.
  const chosen: ConstraintKind[] = switchLang ? ['language'] : [];
  const pool = rng.shuffle(usableKinds(d.kinds, answerLang).filter((k) => !chosen.includes(k)));
  chosen.push(...pool.slice(0, d.constraints - chosen.length));
  const has = (k: ConstraintKind): boolean => chosen.includes(k);

  // Instantiate in dependency order: the forbidden member first, the word limit last (it must leave room).
  const made = new Map<ConstraintKind, Constraint>();
  const count = has('count') ? rng.int(2, 4) : 0;
  if (has('count')) made.set('count', { kind: 'count', n: count });
  const excluded = has('exclude') ? rng.pick(members) : null;
  if (excluded !== null) made.set('exclude', { kind: 'exclude', word: excluded[answerLang] });
  if (has('include')) {
    const fromTopic = rng.next() < 0.5;
    const word = fromTopic ? rng.pick(members.filter((m) => m !== excluded))[answerLang] : rng.pick(FILLER_WORDS[answerLang]);
    made.set('include', { kind: 'include', word: has('lowercase') ? word.toLowerCase() : word });
  }
  if (has('end-with')) made.set('end-with', { kind: 'end-with', text: rng.pick(END_PHRASES[answerLang]) });
  if (has('lowercase')) made.set('lowercase', { kind: 'lowercase' });
  if (has('language')) made.set('language', { kind: 'language', lang: answerLang });
  if (has('max-words')) {
    // Room for the shortest compliant answer: the items (at their longest spelling), the required word, the ending.
    const itemWords = Math.max(...members.map((m) => wordCount(m[answerLang])));
    const inc = made.get('include');
    const end = made.get('end-with');
    const need =
      Math.max(1, count) * itemWords +
      (inc?.kind === 'include' ? wordCount(inc.word) : 0) +
      (end?.kind === 'end-with' ? wordCount(end.text) : 0);
    made.set('max-words', { kind: 'max-words', n: need + (answerLang === 'en' ? rng.int(2, 6) : rng.int(3, 8)) });
  }

  const constraints = chosen.map((k) => made.get(k) as Constraint);
  const request = rng.pick(REQUESTS[promptLang]).replace('{c}', CATEGORIES[category][promptLang]);
  const sentences = [request, ...constraints.map((c) => renderConstraint(c, promptLang, answerLang))];
  const question = sentences.join(promptLang === 'en' ? ' ' : '');
  const spec: InstructionSpec = { category, lang: answerLang, constraints };
  // The question spells out the whole problem (request, category, every constraint), so it is the content key.
  return { question, gold: JSON.stringify(spec), key: question, meta: { promptLang, answerLang, category, kinds: chosen } };
}

/**
 * A short answer that keeps every constraint of `spec`, for corpora and cold-start examples: members of the
 * category (the required one first, never the forbidden one; drawn with `rng` when given), the required word,
 * the ending. Every spec the generator makes has one (the tests check it for each difficulty).
 */
export function referenceAnswer(spec: InstructionSpec, rng?: Rng): string {
  const find = <K extends Constraint['kind']>(k: K) => spec.constraints.find((c) => c.kind === k) as Extract<Constraint, { kind: K }> | undefined;
  const lang = spec.lang;
  const excluded = find('exclude')?.word;
  const included = find('include')?.word;
  const pool = CATEGORIES[spec.category].members.filter((m) => excluded === undefined || !containsWord(m[lang], excluded));
  if (rng !== undefined) rng.shuffle(pool);
  const wanted = pool.find((m) => included !== undefined && m[lang].toLowerCase() === included.toLowerCase());
  const ordered = wanted === undefined ? pool : [wanted, ...pool.filter((m) => m !== wanted)];
  let ans = ordered
    .slice(0, find('count')?.n ?? 1)
    .map((m) => m[lang])
    .join(lang === 'en' ? ', ' : '，');
  if (included !== undefined && wanted === undefined) ans = lang === 'en' ? `${included} ${ans}` : `${included}${ans}`;
  const end = find('end-with');
  if (end !== undefined) ans = lang === 'en' ? `${ans}. ${end.text}` : `${ans}。${end.text}`;
  return find('lowercase') !== undefined ? ans.toLowerCase() : ans;
}

/** R1-Zero template for a question; a Chinese question keeps its own final mark (。？！) instead of the template's period. */
function renderInstructionPrompt(question: string, style: PromptStyle): string {
  const q = question.trim();
  if (style === 'r1-zero' && /[。？！]$/u.test(q)) return R1_ZERO_TEMPLATE.replace('{prompt}.', () => q);
  // 'boxed': the request alone. Its answer is free text, so the math instruction to box it does not apply;
  // R1's chat template then puts the reasoning before the answer, as for every prompt.
  if (style === 'boxed') return q;
  return renderPrompt(q, style);
}

/** Check a completion: the answer region (never the reasoning) against the item's spec. */
export function checkInstructionsCompletion(item: TaskItem, completion: string): CheckResult {
  const spec = parseInstructionSpec(item.gold, `item ${item.id}`);
  const text = completion.length > MAX_SCAN_CHARS ? completion.slice(-MAX_SCAN_CHARS) : completion;
  const region = answerRegion(text);
  if (region.answer === null) return { correct: false, score: 0, extracted: null, reason: region.reason };
  if (region.answer.length > MAX_ANSWER_CHARS) {
    return { correct: false, score: 0, extracted: null, reason: `${region.source}: answer longer than ${MAX_ANSWER_CHARS} characters` };
  }
  const answer = cleanAnswer(region.answer);
  if (answer === '') return { correct: false, score: 0, extracted: null, reason: `${region.source}: empty answer` };
  const v = checkInstructions(spec, answer);
  // `extracted` is the answer as written (NFKC would turn Chinese full-width commas into ASCII ones); the rules
  // and answerKey read the cleaned form.
  return { correct: v.correct, score: v.correct ? 1 : 0, extracted: region.answer.trim(), reason: `${region.source}: ${v.reason}` };
}

/** The instruction-following task at a difficulty (default "medium"). */
export function instructionsTask(difficulty: Partial<InstructionsDifficulty> = {}): Task & {
  difficulty: InstructionsDifficulty;
  stream(opts: { split: Split; seed?: number }): Iterable<TaskItem>;
} {
  const d = resolveDifficulty('instructions', { ...instructionsPresets.medium, ...difficulty }, instructionsDifficultySchema);
  assertFeasible(d);
  const stream = (opts: { split: Split; seed?: number }): Iterable<TaskItem> =>
    splitStream('instructions', (rng) => generateInstruction(rng, d), opts);
  return {
    name: 'instructions',
    description: `instruction following: everyday requests with ${d.constraints} rule-checked constraint(s) (${d.kinds.join('|')}), prompts in ${d.lang}`,
    difficulty: d,
    stream,
    async items(opts) {
      return takeItems(stream(opts), opts.n);
    },
    prompt: (item, style) => renderInstructionPrompt(item.question, style),
    async check(item, completion) {
      return checkInstructionsCompletion(item, completion);
    },
    answerKey: instructionsAnswerKey,
  };
}
