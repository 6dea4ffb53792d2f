// src/pipeline/corpus.ts — the base model's pretraining text, generated from the task library: problems answered in
// plain prose, either tersely or with worked steps, in English and in Chinese (so that language mixing can arise in
// RL, as it did in R1-Zero, and the language-consistency reward has something real to fix), plus everyday requests
// answered plainly (general text for the final all-scenario RL round). Problems are never written in R1-Zero's
// template words nor in the <think>/<answer> format that RL rewards later. A share of documents are short notes on
// everyday facts and counts marked up with those tags — the kind of markup a web-scale base has seen — so that a
// model of a million parameters can produce the tags at all; no task problem ever appears in them.

import type { Rng } from '../util/rng.js';
import type { TaskItem } from '../tasks/types.js';
import { R1_ZERO_TEMPLATE } from '../tasks/prompt.js';
import { arithmeticQuestion } from '../tasks/arithmetic/index.js';
import { parseInstructionSpec, referenceAnswer } from '../tasks/instructions/index.js';
import { functionSolution, functionWorked } from '../tasks/functions/index.js';

/** Operands and operators of an arithmetic item ("23 + 45 - 7"), or null for other expressions. */
function terms(expr: string): { nums: number[]; ops: string[] } | null {
  const parts = expr.split(' ');
  const nums: number[] = [];
  const ops: string[] = [];
  for (let i = 0; i < parts.length; i++) {
    if (i % 2 === 0) {
      const n = Number(parts[i]);
      if (!Number.isInteger(n)) return null;
      nums.push(n);
    } else {
      if (!['+', '-'].includes(parts[i]!)) return null;
      ops.push(parts[i]!);
    }
  }
  return nums.length >= 2 ? { nums, ops } : null;
}

/**
 * Left-to-right steps of a +/- chain, tens before ones (a chain of thought a small model can follow):
 * "23 + 45 - 7" → ["23 + 40 = 63", "63 + 5 = 68", "68 - 7 = 61"].
 */
export function chainSteps(expr: string): string[] | null {
  const t = terms(expr);
  if (!t) return null;
  const steps: string[] = [];
  let acc = t.nums[0]!;
  const apply = (a: number, op: string, x: number): number => (op === '+' ? a + x : a - x);
  t.ops.forEach((op, i) => {
    const x = t.nums[i + 1]!;
    const tens = x - (x % 10), ones = x % 10;
    for (const part of tens > 0 && ones > 0 ? [tens, ones] : [x]) {
      const next = apply(acc, op, part);
      steps.push(`${acc} ${op} ${part} = ${next}`);
      acc = next;
    }
  });
  return steps;
}

const EN_OPENERS = ['Let us work it out.', 'We compute step by step.', 'Work from left to right.', 'Step by step:'];
const ZH_OPENERS = ['我们一步一步地算。', '从左到右计算。', '逐步计算：'];

/** The question in Chinese, worded as the arithmetic task asks it ("计算 23 + 45。…"). */
export function questionZh(expr: string): string {
  return arithmeticQuestion(expr, 'zh');
}

/** A worked answer in plain prose (no tags): steps, then "The answer is N." / "答案是 N。" */
export function workedAnswer(expr: string, gold: string, lang: 'en' | 'zh', rng: Rng, restate = false, slip = 0): string {
  const chain = chainSteps(expr);
  const steps = chain ? withSlip(chain, lang === 'zh', slip, rng) : [`${expr} = ${gold}`];
  if (restate && steps.length > 1) steps.unshift(expr);
  if (lang === 'en') return `${rng.pick(EN_OPENERS)} ${steps.map((s) => s + '.').join(' ')} The answer is ${gold}.`;
  return `${rng.pick(ZH_OPENERS)}${steps.map((s) => s + '。').join('')}答案是 ${gold}。`;
}

const FACTS: [string, string, string][] = [
  ['How many legs does a cat have?', 'A cat is an animal with four legs.', '4'],
  ['How many days are in a week?', 'Monday to Sunday makes seven days.', '7'],
  ['How many months are in a year?', 'A year has twelve months.', '12'],
  ['How many hours are in a day?', 'A day has twenty-four hours.', '24'],
  ['How many legs does a spider have?', 'A spider has eight legs.', '8'],
  ['How many minutes are in an hour?', 'An hour has sixty minutes.', '60'],
  ['What color is the sky on a clear day?', 'On a clear day the sky looks blue.', 'blue'],
  ['Which day comes after Monday?', 'The week goes Monday, then Tuesday.', 'Tuesday'],
  ['How many wheels does a bicycle have?', 'A bicycle has two wheels.', '2'],
  ['How many sides does a triangle have?', 'A triangle has three sides.', '3'],
];
const FACTS_ZH: [string, string, string][] = [
  ['猫有几条腿？', '猫是四条腿的动物。', '4'],
  ['一个星期有几天？', '从星期一到星期日一共七天。', '7'],
  ['一年有几个月？', '一年有十二个月。', '12'],
  ['晴天的天空是什么颜色？', '晴天时天空是蓝色的。', '蓝色'],
];

/** A terse answer: the result with no working ("23 + 45 = 68." / "答案是 68。"). */
export function terseAnswer(expr: string, gold: string, lang: 'en' | 'zh', rng: Rng): string {
  if (lang === 'en') return rng.next() < 0.5 ? `${expr} = ${gold}.` : `The answer is ${gold}.`;
  return rng.next() < 0.5 ? `${expr} = ${gold}。` : `答案是 ${gold}。`;
}

/**
 * One base-corpus document for a problem (its wording and its answer in one language). Problems never appear in
 * R1-Zero's template words nor in tags: a base meets that template only around everyday notes.
 */
export function problemDocument(item: TaskItem, expr: string, lang: 'en' | 'zh', worked: boolean, rng: Rng, answerLang: 'en' | 'zh' = lang, restate = false, slip = 0): string {
  const q = arithmeticQuestion(expr, lang);
  const style = rng.int(0, 2);
  const a = worked ? workedAnswer(expr, item.gold, answerLang, rng, restate, slip) : terseAnswer(expr, item.gold, lang, rng);
  if (lang === 'zh') return style % 2 === 0 ? `问题：${q}\n解答：${a}` : `${q}\n${a}`;
  return style === 0 ? `Question: ${q}\nAnswer: ${a}` : style === 1 ? `Q: ${q}\nA: ${a}` : `${q}\n${a}`;
}

const NAMES = ['Tom', 'Anna', 'Ben', 'Sara', 'Mia', 'Leo', 'Nina', 'Sam'];
const THINGS = ['apples', 'books', 'coins', 'pens', 'cards', 'shells', 'stamps', 'marbles'];
const PLACES = ['box', 'basket', 'jar', 'bag', 'drawer'];
const NAMES_ZH = ['小明', '小红', '李华', '王芳', '张伟'];
const THINGS_ZH = ['苹果', '橘子', '球', '杯子', '铅笔'];

/**
 * An everyday count that takes one to three additions or subtractions, in words ("Tom had 7 pens, got 5 more and gave
 * away 3…"), with its steps as the reasoning. A word problem about things, never an expression from the task library.
 */
function sumNote(rng: Rng, lang: 'en' | 'zh', restate = false, opener = false, slip = 0): [string, string, string] {
  const zh = lang === 'zh';
  const [who, what] = zh ? [rng.pick(NAMES_ZH), rng.pick(THINGS_ZH)] : [rng.pick(NAMES), rng.pick(THINGS)];
  let n = rng.int(2, 19);
  const events: string[] = [], steps: string[] = [];
  for (let i = rng.int(1, 3); i > 0; i--) {
    const b = rng.int(1, 9), more = rng.next() < 0.5 || b > n;
    const next = more ? n + b : n - b;
    steps.push(`${n} ${more ? '+' : '-'} ${b} = ${next}`);
    events.push(zh ? (more ? `又买了${b}个` : `送出了${b}个`) : more ? `got ${b} more` : `gave away ${b}`);
    n = next;
  }
  const start = steps[0]!.split(' ')[0];
  const why = noteSteps(steps, zh, restate, opener, rng, slip);
  if (zh) return [`${who}有${start}个${what}，${events.join('，')}。${who}现在有几个${what}？`, why, String(n)];
  return [`${who} had ${start} ${what} and ${events.join(' and then ')}. How many ${what} does ${who} have now?`, why, String(n)];
}

/** A note's steps as its reasoning: the restated chain first and a worked answer's opener when asked, in its language. */
function noteSteps(steps: readonly string[], zh: boolean, restate: boolean, opener: boolean, rng: Rng, slip = 0): string {
  const all = restate && steps.length > 1 ? [restated(steps), ...withSlip(steps, zh, slip, rng)] : withSlip(steps, zh, slip, rng);
  const open = opener ? (zh ? rng.pick(ZH_OPENERS) : `${rng.pick(EN_OPENERS)} `) : '';
  return open + (zh ? all.map((x) => `${x}。`).join('') : all.map((x) => `${x}.`).join(' '));
}

/** The whole chain a list of steps computes ("7 + 5 = 12", "12 - 3 = 9" → "7 + 5 - 3"): the restated expression. */
function restated(steps: readonly string[]): string {
  return [steps[0]!.split(' = ')[0]!, ...steps.slice(1).map((x) => x.split(' ').slice(1, 3).join(' '))].join(' ');
}

/**
 * With chance `slip`, one step written with a wrong result first and then corrected ("7 + 5 = 11. Wait, 7 + 5 = 12."
 * / "7 + 5 = 11。等等，7 + 5 = 12。"): the slips and self-corrections of real worked text, which RL can learn to use
 * (the paper's "aha moment"). The steps after it go on from the right value. No random draw when `slip` is 0.
 */
function withSlip(steps: readonly string[], zh: boolean, slip: number, rng: Rng): string[] {
  if (slip <= 0 || steps.length === 0 || rng.next() >= slip) return [...steps];
  const i = rng.int(0, steps.length - 1);
  const m = /^(.*) = (-?\d+)$/.exec(steps[i]!);
  if (!m) return [...steps];
  const right = Number(m[2]);
  const wrong = right + (rng.next() < 0.5 ? -1 : 1) * rng.int(1, 2);
  return [...steps.slice(0, i), `${m[1]} = ${wrong}`, `${zh ? '等等，' : 'Wait, '}${steps[i]}`, ...steps.slice(i + 1)];
}

/**
 * A temperature that falls and rises one to three times, in words ("It was 3 degrees at dawn. It fell 5 degrees and
 * then rose 2 degrees…"), with its steps as the reasoning: everyday arithmetic that goes below zero.
 */
function temperatureNote(rng: Rng, lang: 'en' | 'zh', restate = false, opener = false, slip = 0): [string, string, string] {
  const zh = lang === 'zh';
  let t = rng.int(-5, 9);
  const start = t;
  const events: string[] = [], steps: string[] = [];
  for (let i = rng.int(1, 3); i > 0; i--) {
    const d = rng.int(1, 9), up = rng.next() < 0.5;
    const next = up ? t + d : t - d;
    steps.push(`${t} ${up ? '+' : '-'} ${d} = ${next}`);
    events.push(zh ? (up ? `上升了${d}度` : `下降了${d}度`) : up ? `rose ${d} degrees` : `fell ${d} degrees`);
    t = next;
  }
  const why = noteSteps(steps, zh, restate, opener, rng, slip);
  if (zh) return [`早上气温是${start}度，${events.join('，又')}。现在气温是多少度？`, why, String(t)];
  return [`It was ${start} degrees at dawn. It ${events.join(' and then ')}. What is the temperature now?`, why, String(t)];
}

/**
 * Which sign someone put between two numbers to get a third ("Mia turned 3 and 4 into 12 with one sign…"), with a try
 * that misses, checked, then the sign that works, checked: guessing and checking in a few words, about two numbers
 * from everyday talk (never a task item).
 */
function ruleNote(rng: Rng, lang: 'en' | 'zh'): [string, string, string] {
  const a = rng.int(1, 9), b = rng.int(1, 9);
  const ops = (['+', '-', '*'] as const).filter((o) => apply(o, a, b) >= 0);
  const op = rng.pick(ops), target = apply(op, a, b);
  const misses = ops.filter((o) => apply(o, a, b) !== target);
  const miss = misses.length > 0 ? rng.pick(misses) : null;
  if (lang === 'zh') {
    const who = rng.pick(NAMES_ZH);
    const tried = miss ? `试 ${a} ${miss} ${b} = ${apply(miss, a, b)}，不是 ${target}。` : '';
    return [`${who}用一个符号把${a}和${b}变成了${target}。${who}写的是什么？`, `${tried}试 ${a} ${op} ${b} = ${target}。正好是 ${target}。`, `${a} ${op} ${b}`];
  }
  const who = rng.pick(NAMES);
  const tried = miss ? `Try ${a} ${miss} ${b} = ${apply(miss, a, b)}, not ${target}. ` : '';
  return [`${who} turned ${a} and ${b} into ${target} with one sign. What did ${who} write?`, `${tried}Try ${a} ${op} ${b} = ${target}. That makes ${target}.`, `${a} ${op} ${b}`];
}

/** A note's question, its reasoning and its answer, in one language: an everyday fact, a count, a temperature or a sign. */
function noteContent(rng: Rng, lang: 'en' | 'zh', sums: boolean, rules = false, restate = false, opener = false, slip = 0): [string, string, string] {
  if (sums && rng.next() < 0.5) {
    if (rules) return [sumNote, temperatureNote, ruleNote][rng.int(0, 2)]!(rng, lang, restate, opener, slip);
    return rng.next() < 0.5 ? sumNote(rng, lang, restate, opener, slip) : temperatureNote(rng, lang, restate, opener, slip);
  }
  const kind = rng.int(0, 2);
  if (kind === 0) return rng.pick(lang === 'en' ? FACTS : FACTS_ZH);
  const n = String(rng.int(0, 99));
  if (lang === 'zh') {
    const [who, what] = [rng.pick(NAMES_ZH), rng.pick(THINGS_ZH)];
    return [`${who}有几个${what}？`, kind === 1 ? `${who}有${n}个${what}。` : `${who}数了数，一共是${n}个${what}。所以${who}有${n}个${what}。`, n];
  }
  const [who, what] = [rng.pick(NAMES), rng.pick(THINGS)];
  if (kind === 1) return [`How many ${what} does ${who} have?`, `${who} has ${n} ${what}.`, n];
  const where = rng.pick(PLACES);
  return [`How many ${what} are in the ${where}?`, `${who} counted the ${what} in the ${where}. There are ${n} of them. So the ${where} holds ${n} ${what}.`, n];
}

/**
 * A short note on an everyday fact, count, temperature or sign (see noteContent), marked up with the tags (see the
 * file comment) or, with `plain`, answered in prose: half the time in the words of R1-Zero's template, else as a
 * dialogue or bare. General requests are never tagged: with a fixed one-line
 * thought they gave RL a shortcut (the format reward for a category word in the answer tag, whatever the question).
 */
export function everydayNote(rng: Rng, lang: 'en' | 'zh', opts: { sums?: boolean; plain?: boolean; rules?: boolean; restate?: boolean; openers?: boolean; slip?: number } = {}): string {
  const plain = opts.plain ?? false;
  const [q, why, ans] = noteContent(rng, lang, opts.sums ?? false, opts.rules ?? false, opts.restate ?? false, opts.openers ?? false, opts.slip ?? 0);
  const body = !plain ? `<think> ${why} </think> <answer> ${ans} </answer>` : lang === 'zh' ? `${why}答案是 ${ans}。` : `${why} The answer is ${ans}.`;
  const form = rng.int(0, 3);
  return form === 0 ? `${q} ${body}` : form === 1 ? `User: ${q} Assistant: ${body}` : `${R1_ZERO_TEMPLATE.replace('{prompt}.', () => q)} ${body}`;
}

export interface CorpusOptions {
  /** Share of documents in Chinese. */
  zhShare: number;
  /**
   * Share of Chinese problems whose worked answer is written in English (as bilingual web text often answers a
   * question in another language): the language mixing a base carries into RL. No extra random draw when 0.
   */
  zhAnsweredInEnglish?: number;
  /** Share of tagged everyday notes. */
  noteShare: number;
  /** Whether half of the notes are everyday counts taking one to three additions or subtractions in words (sumNote). */
  noteSums?: boolean;
  /**
   * Share of the notes written in plain prose instead ("… 7 + 5 = 12. The answer is 12."): the same kinds of content
   * with and without the tags, so that the tags read as a wrapper around any reasoning rather than as the mark of one
   * kind of text. No extra random draw when 0.
   */
  notePlain?: number;
  /** With noteSums: a third of the arithmetic notes are which-sign notes (ruleNote) instead. */
  noteRules?: boolean;
  /**
   * Worked answers and arithmetic notes first restate the whole chain they compute ("7 - 1 + 5. 7 - 1 = 6. …"), so that
   * the steps follow from text written just before them, with the tags or without.
   */
  restate?: boolean;
  /** Arithmetic notes open their reasoning as worked answers do ("Step by step: …" / "逐步计算：…"). */
  noteOpeners?: boolean;
  /**
   * Chance that a worked answer or an arithmetic note slips on one step and corrects itself ("7 + 5 = 11. Wait, 7 + 5 =
   * 12."), as real worked text does. No extra random draw when 0.
   */
  slip?: number;
  /** Share of problems answered with worked steps (the rest state the result only). */
  workedShare: number;
  /** Chance, per problem document, of adding one general request with a plain answer (when general items are given). */
  generalShare: number;
}

/**
 * An everyday request answered plainly (general text a base has seen, so that the final all-scenario RL round has
 * something to start from): "Question: Name two colors. Answer in lowercase.\nAnswer: red, blue".
 */
export function generalDocument(item: TaskItem, rng: Rng): string {
  const a = referenceAnswer(parseInstructionSpec(item.gold, item.id), rng);
  const zh = /\p{Script=Han}/u.test(item.question);
  const style = rng.int(0, 1);
  if (zh) return style === 0 ? `问题：${item.question}\n回答：${a}` : `${item.question}\n${a}`;
  return style === 0 ? `Question: ${item.question}\nAnswer: ${a}` : `${item.question}\n${a}`;
}

/** A binary expression tree over integers, as Countdown writes its solutions ("(7 + 3) * 2"). */
type Expr = number | { op: '+' | '-' | '*' | '/'; l: Expr; r: Expr };

function parseSolution(src: string): Expr | null {
  const toks = src.match(/\d+|[-+*/()]/g) ?? [];
  let i = 0;
  const atom = (): Expr | null => {
    const t = toks[i++];
    if (t === '(') {
      const e = sum();
      return toks[i++] === ')' ? e : null;
    }
    return t !== undefined && /^\d+$/.test(t) ? Number(t) : null;
  };
  const chain = (next: () => Expr | null, ops: string[]) => (): Expr | null => {
    let l = next();
    while (l !== null && ops.includes(toks[i] ?? '')) {
      const op = toks[i++] as '+' | '-' | '*' | '/';
      const r = next();
      l = r === null ? null : { op, l, r };
    }
    return l;
  };
  const product = chain(atom, ['*', '/']);
  const sum = chain(product, ['+', '-']);
  const e = sum();
  return i === toks.length ? e : null;
}

const apply = (op: string, a: number, b: number): number => (op === '+' ? a + b : op === '-' ? a - b : op === '*' ? a * b : a / b);

/** Steps evaluating a tree bottom-up ("7 + 3 = 10", "10 * 2 = 20") and its value; null when a step leaves the integers. */
function treeSteps(e: Expr, steps: string[]): number | null {
  if (typeof e === 'number') return e;
  const a = treeSteps(e.l, steps), b = treeSteps(e.r, steps);
  if (a === null || b === null || (e.op === '/' && (b === 0 || a % b !== 0))) return null;
  const v = apply(e.op, a, b);
  steps.push(`${a} ${e.op} ${b} = ${v}`);
  return v;
}

/**
 * A worked Countdown answer in prose: first a try that misses (the solution with its last operation swapped), checked
 * against the target, then the solution's own steps, checked, and the expression — search and verification in a few
 * words. Null when the solution is not a whole-number tree.
 */
export function countdownWorked(solution: string, target: number, rng: Rng): string | null {
  const tree = parseSolution(solution);
  if (tree === null || typeof tree === 'number') return null;
  const steps: string[] = [];
  if (treeSteps(tree, steps) !== target) return null;
  const a = treeSteps(tree.l, []), b = treeSteps(tree.r, []);
  const misses = (['+', '-', '*'] as const).filter((op) => op !== tree.op && a !== null && b !== null && apply(op, a, b) !== target && apply(op, a, b) >= 0);
  const miss = misses.length > 0 && a !== null && b !== null ? rng.pick(misses) : null;
  const tried = miss ? `Try ${a} ${miss} ${b} = ${apply(miss, a!, b!)}, not ${target}. ` : '';
  return `${tried}Try ${steps.map((x) => x + '.').join(' ')} That makes ${target}. The answer is ${solution}.`;
}

/**
 * A base-corpus document for a problem of another task family (the preset's mix), in plain prose like the main task's:
 * Countdown with a worked answer (a miss, then the solution checked) or the expression alone; functions with the
 * operations read off and one value checked, then the program, or the program alone; knights and knaves with the
 * verdicts alone.
 */
export function mixDocument(task: string, item: TaskItem, worked: boolean, rng: Rng): string {
  let a = `The answer is ${item.gold}.`;
  if (task === 'functions') {
    const zh = /\p{Script=Han}/u.test(item.question);
    a = worked ? functionWorked(item, zh ? 'zh' : 'en', rng) : functionSolution(item);
    const style = rng.int(0, 2);
    if (zh) return style % 2 === 0 ? `问题：${item.question}\n解答：${a}` : `${item.question}\n${a}`;
    return style === 0 ? `Question: ${item.question}\nAnswer: ${a}` : style === 1 ? `Q: ${item.question}\nA: ${a}` : `${item.question}\n${a}`;
  }
  if (task === 'countdown') {
    const solution = String(item.meta?.['solution'] ?? '');
    const target = Number(item.meta?.['target']);
    a = (worked ? countdownWorked(solution, target, rng) : null) ?? `The answer is ${solution}.`;
  }
  const style = rng.int(0, 2);
  return style === 0 ? `Question: ${item.question}\nAnswer: ${a}` : style === 1 ? `Q: ${item.question}\nA: ${a}` : `${item.question}\n${a}`;
}

/**
 * A readable solution written from a problem's own structure, in the language the question is asked in: the worked
 * prose of the corpus for arithmetic, the checked try for Countdown, the operations and one checked value for a function. It stands in for the cold-start examples the
 * paper's annotators wrote and rewrote (§2.3.1). Null for a problem it cannot work (e.g. knights and knaves).
 */
export function writtenSolution(taskName: string, item: TaskItem, rng: Rng, restate = false): { reasoning: string; answer: string } | null {
  if (taskName === 'functions') {
    const worked = functionWorked(item, /\p{Script=Han}/u.test(item.question) ? 'zh' : 'en', rng);
    const code = functionSolution(item);
    return { reasoning: worked.slice(0, worked.lastIndexOf(code)).trim(), answer: code };
  }
  if (taskName === 'countdown') {
    const solution = String(item.meta?.['solution'] ?? '');
    const reasoning = countdownWorked(solution, Number(item.meta?.['target']), rng);
    return reasoning ? { reasoning, answer: solution } : null;
  }
  const expr = item.meta?.['expression'];
  if (typeof expr !== 'string' || !chainSteps(expr)) return null;
  return { reasoning: workedAnswer(expr, item.gold, /\p{Script=Han}/u.test(item.question) ? 'zh' : 'en', rng, restate), answer: item.gold };
}

/** Merges extra documents into a corpus at seeded random places (keeping each list's own order). */
export function interleave(docs: readonly string[], extra: readonly string[], rng: Rng): string[] {
  const out: string[] = [];
  let i = 0, j = 0;
  while (i < docs.length || j < extra.length) {
    const takeExtra = j < extra.length && (i >= docs.length || rng.next() < (extra.length - j) / (docs.length - i + extra.length - j));
    out.push(takeExtra ? extra[j++]! : docs[i++]!);
  }
  return out;
}

/** The pretraining corpus: one document per training item, plus notes and general requests, in a seeded order. */
export function baseCorpus(items: readonly TaskItem[], rng: Rng, opts: CorpusOptions, general: readonly TaskItem[] = []): string[] {
  const docs: string[] = [];
  let g = 0;
  for (const item of items) {
    const expr = String(item.meta?.['expression'] ?? '');
    if (!expr) continue;
    const lang = rng.next() < opts.zhShare ? 'zh' : 'en';
    const worked = rng.next() < opts.workedShare;
    const answerLang = lang === 'zh' && worked && (opts.zhAnsweredInEnglish ?? 0) > 0 && rng.next() < opts.zhAnsweredInEnglish! ? 'en' : lang;
    docs.push(problemDocument(item, expr, lang, worked, rng, answerLang, opts.restate ?? false, opts.slip ?? 0));
    if (rng.next() < opts.noteShare) {
      const lang = rng.next() < opts.zhShare ? 'zh' : 'en';
      const plain = (opts.notePlain ?? 0) > 0 && rng.next() < opts.notePlain!;
      docs.push(everydayNote(rng, lang, { sums: opts.noteSums ?? false, plain, rules: opts.noteRules ?? false, restate: opts.restate ?? false, openers: opts.noteOpeners ?? false, slip: opts.slip ?? 0 }));
    }
    if (general.length > 0 && rng.next() < opts.generalShare) docs.push(generalDocument(general[g++ % general.length]!, rng));
  }
  return docs;
}
