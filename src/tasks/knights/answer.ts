// src/tasks/knights/answer.ts — lenient reading of a knights-and-knaves answer. Accepted forms include
// "Alice is a knight, Bob is a knave", "Alice: knight; Bob: liar", "Alice and Carol are knights, Bob is not
// a knight", "Knights: Alice, Carol. Knaves: Bob" and "Alice tells the truth". Every islander must get
// exactly one verdict; a name given two different verdicts makes the answer wrong (no hedging).

const KNIGHT_WORDS = new Set(['knight', 'knights', 'truth', 'truthful', 'honest', 'truthteller', 'truthtellers']);
const KNAVE_WORDS = new Set(['knave', 'knaves', 'liar', 'liars', 'lies', 'lying', 'lie', 'dishonest']);
const NEGATIONS = new Set(['not', "isn't", "aren't", 'never']);

/** Parse result: a verdict per name (true = knight), or the reason it could not be read. */
export type KnightsReading = { ok: true; knights: boolean[] } | { ok: false; reason: string };

function roleOf(word: string): boolean | null {
  if (KNIGHT_WORDS.has(word)) return true;
  if (KNAVE_WORDS.has(word)) return false;
  return null;
}

/** Read verdicts for `names` (matched case-insensitively as whole words) from `answer`. */
export function readKnightsAnswer(answer: string, names: readonly string[]): KnightsReading {
  const index = new Map(names.map((n, i) => [n.toLowerCase(), i]));
  const verdict: (boolean | null)[] = names.map(() => null);
  const assign = (who: number, knight: boolean): string | null => {
    const prev = verdict[who];
    if (prev !== null && prev !== knight) return `conflicting verdicts for ${names[who]}`;
    verdict[who] = knight;
    return null;
  };
  const normalized = answer.toLowerCase().replace(/truth-tellers?/g, (m) => m.replace('-', ''));
  for (const segment of normalized.split(/[;\n]|\.(?:\s|$)/)) {
    const words = segment.match(/[a-z]+(?:'[a-z]+)?/g) ?? [];
    // Header form: "knights: alice, carol" assigns the role to every name in the segment.
    const header = /^\s*(?:the\s+)?([a-z-]+)\s*(?:are|is)?\s*:/.exec(segment);
    const headerRole = header ? roleOf((header[1] as string).replace('-', '')) : null;
    if (headerRole !== null) {
      for (const w of words) {
        const who = index.get(w);
        if (who !== undefined) {
          const err = assign(who, headerRole);
          if (err) return { ok: false, reason: err };
        }
      }
      continue;
    }
    // Sequential form: names wait until the next role word, which applies to all of them. A second role word
    // joined by "or" / "and" to the last verdict ("Alice is a knight or a knave") applies to the same names,
    // so a hedge becomes a conflict instead of a free pass.
    let pending: number[] = [];
    let last: number[] = [];
    let joined = false;
    let negate = false;
    for (const w of words) {
      const who = index.get(w);
      if (who !== undefined) {
        pending.push(who);
        continue;
      }
      if (NEGATIONS.has(w)) {
        // Only a negation between names and their role counts ("Bob is not a knight").
        if (pending.length > 0) negate = true;
        continue;
      }
      if (w === 'or' || w === 'and' || w === 'nor') joined = true;
      const r = roleOf(w);
      if (r === null) continue;
      const targets = pending.length > 0 ? pending : joined ? last : [];
      for (const p of targets) {
        const err = assign(p, r !== negate);
        if (err) return { ok: false, reason: err };
      }
      if (targets.length > 0) last = targets;
      pending = [];
      negate = false;
      joined = false;
    }
  }
  const missing = names.filter((_, i) => verdict[i] === null);
  if (missing.length > 0) return { ok: false, reason: `no verdict for ${missing.join(', ')}` };
  return { ok: true, knights: verdict as boolean[] };
}
