// src/tasks/knights/index.ts — the knights-and-knaves logic task: N islanders each make one statement;
// knights always tell the truth, knaves always lie. Every puzzle has exactly one solution (checked by brute
// force over all 2^N assignments when it is generated). The answer names each islander's kind.

import { z } from 'zod';
import type { Rng } from '../../util/rng.js';
import type { Split, Task, TaskItem } from '../types.js';
import { syntheticTask } from '../synthetic.js';
import { parseDifficultySpec, resolveDifficulty } from '../difficulty.js';
import { STATEMENT_KINDS, holds, randomStatement, renderStatement, solve, type Statement } from './puzzle.js';
import { readKnightsAnswer } from './answer.js';

export const ISLANDER_NAMES = [
  'Alice', 'Bob', 'Carol', 'David', 'Emma', 'Frank', 'Grace', 'Henry',
  'Iris', 'Jack', 'Kate', 'Liam', 'Mia', 'Noah', 'Olivia', 'Peter',
] as const;

/** Difficulty knobs (strings accepted for CLI overrides). */
export const knightsDifficultySchema = z
  .object({
    /** Number of islanders (each makes one statement). */
    people: z.coerce.number().int().min(2).max(10),
    /**
     * Statement kinds to draw from ("is" = "X is a knight", and, or, same / different kinds). A CLI override
     * separates them with "|". At least one of "and" / "or" is required: the other kinds only relate pairs of
     * islanders (XOR constraints), so flipping everyone's kind preserves them and no solution is ever unique.
     */
    kinds: z
      .preprocess(
        (v) => (typeof v === 'string' ? [...new Set(v.split(/[|+\s]+/).filter((k) => k !== ''))] : v),
        z.array(z.enum(STATEMENT_KINDS)).min(1),
      )
      .refine((ks) => ks.includes('and') || ks.includes('or'), {
        message: 'kinds must include "and" or "or" (otherwise no puzzle has a unique solution)',
      }),
  })
  .strict();
export type KnightsDifficulty = z.infer<typeof knightsDifficultySchema>;

const ALL_KINDS = [...STATEMENT_KINDS];
export const knightsPresets: Readonly<Record<string, KnightsDifficulty>> = {
  easy: { people: 2, kinds: ALL_KINDS },
  medium: { people: 3, kinds: ALL_KINDS },
  hard: { people: 5, kinds: ALL_KINDS },
  extreme: { people: 8, kinds: ALL_KINDS },
};

export function knightsDifficultyFromSpec(spec: string): KnightsDifficulty {
  return parseDifficultySpec('knights', spec, knightsPresets, 'medium', knightsDifficultySchema);
}

/** Render a verdict list the way the gold answer spells it. */
export function formatVerdicts(names: readonly string[], knights: readonly boolean[]): string {
  return names.map((n, i) => `${n} is a ${knights[i] ? 'knight' : 'knave'}`).join(', ');
}

/** One uniquely solvable puzzle. */
export function generateKnights(rng: Rng, d: KnightsDifficulty) {
  const n = d.people;
  for (let draw = 0; draw < 10_000; draw++) {
    const names = rng.shuffle([...ISLANDER_NAMES]).slice(0, n);
    const truth = Array.from({ length: n }, () => rng.next() < 0.5);
    // Each islander's statement must be true for knights and false for knaves under `truth`.
    const statements: Statement[] = [];
    for (let i = 0; i < n; i++) {
      let s = randomStatement(rng, n, i, d.kinds);
      for (let k = 0; k < 100 && holds(s, truth) !== truth[i]; k++) s = randomStatement(rng, n, i, d.kinds);
      statements.push(s);
    }
    const solutions = solve(statements, 2);
    if (solutions.length !== 1) continue;
    const sol = solutions[0] as boolean[];
    if (!sol.every((v, i) => v === truth[i])) continue;
    const lines = statements.map((s, i) => `${names[i]} says: "${renderStatement(s, i, names)}"`);
    const question =
      'On an island, every inhabitant is either a knight, who always tells the truth, or a knave, who always lies. ' +
      `You meet ${n} inhabitants: ${names.join(', ')}. ${lines.join(' ')} ` +
      'Who is a knight and who is a knave? Answer with one verdict per inhabitant, for example "Zoe is a knight, Yann is a knave".';
    // The key abstracts the names away: the same puzzle under other names is the same problem.
    const key = `${n}|${statements.map((s, i) => renderStatement(s, i, names.map((_, j) => `#${j}`))).join('|')}`;
    return { question, gold: formatVerdicts(names, truth), key, meta: { names, knights: truth } };
  }
  throw new Error(`knights: no uniquely solvable puzzle found for ${n} islanders; change the difficulty`);
}

function itemSolution(item: TaskItem): { names: string[]; knights: boolean[] } {
  const names = item.meta?.['names'];
  const knights = item.meta?.['knights'];
  if (!Array.isArray(names) || !Array.isArray(knights) || names.length !== knights.length) {
    throw new Error(`knights: item ${item.id} lacks meta.names / meta.knights`);
  }
  return { names: names as string[], knights: knights as boolean[] };
}

/** The knights-and-knaves task at a difficulty (default "medium"). */
export function knightsTask(difficulty: Partial<KnightsDifficulty> = {}): Task & {
  difficulty: KnightsDifficulty;
  stream(opts: { split: Split; seed?: number }): Iterable<TaskItem>;
} {
  const d = resolveDifficulty('knights', { ...knightsPresets.medium, ...difficulty }, knightsDifficultySchema);
  const task = syntheticTask({
    name: 'knights',
    description: `knights and knaves: ${d.people} islanders, statements of kinds ${d.kinds.join('|')}, one solution`,
    generate: (rng) => generateKnights(rng, d),
    checkAnswer(item, answer) {
      const { names, knights } = itemSolution(item);
      const r = readKnightsAnswer(answer, names);
      if (!r.ok) return { correct: false, reason: r.reason };
      const wrong = names.filter((_, i) => r.knights[i] !== knights[i]);
      return wrong.length === 0 ? { correct: true, reason: 'all verdicts right' } : { correct: false, reason: `wrong about ${wrong.join(', ')}` };
    },
    answerKey: (a) => a.toLowerCase().replace(/\s+/g, ' ').trim(),
  });
  return { ...task, difficulty: d };
}
