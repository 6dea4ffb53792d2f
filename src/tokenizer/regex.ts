// src/tokenizer/regex.ts — pre-tokenizer regexes (GPT-2, Llama-3) and a translator from the Oniguruma dialect
// that Hugging Face `tokenizers` uses to a JavaScript `u`-mode RegExp with the same meaning.

/** GPT-2's pre-tokenizer pattern (also what HF ByteLevel applies when `use_regex` is true). */
export const GPT2_PATTERN = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

/**
 * Llama-3's pattern (as written in its tokenizer.json): case-insensitive contractions, a letter run with at
 * most one leading non-letter, digits in groups of 1–3 (keeps numbers short and aligned, which helps
 * arithmetic), punctuation runs with trailing newlines, newline runs, and whitespace not eating the space
 * before a word.
 */
export const LLAMA3_PATTERN =
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

/**
 * LLAMA3_PATTERN with every digit its own piece (as Llama 1/2 and DeepSeek LLM split numbers): place-value
 * arithmetic then works digit by digit instead of over a lookup table of multi-digit tokens.
 */
export const DIGIT_PATTERN = LLAMA3_PATTERN.replace('\\p{N}{1,3}', '\\p{N}');

// Oniguruma's Unicode `\s` is the White_Space property (it includes U+0085, which JS `\s` lacks, and excludes
// U+FEFF, which JS `\s` has); `\w` is letters, marks, numbers and connector punctuation; `\d` is Nd.
const SPACE = '\\p{White_Space}';
const NOT_SPACE = '\\P{White_Space}';
const WORD_ITEMS = '\\p{L}\\p{M}\\p{N}\\p{Pc}';
// Characters that may be escaped with a backslash in a JS `u`-mode pattern (others are syntax errors there).
const JS_SYNTAX = new Set('^$\\.*+?()[]{}|/'.split(''));

/**
 * Translate an Oniguruma pattern (as found in tokenizer.json `Split` pre-tokenizers) into a JS `u`-mode source.
 * Handles `(?i:…)` groups (JS in Node 20 has no inline modifiers: letters become `[xX]`), `\s \S \d \D \w \W`
 * with Oniguruma's Unicode meaning, `\x{HHHH}`, and escapes that are legal in Oniguruma but not in JS `u`
 * mode (`\"`, `\'`, …). Throws on constructs JS cannot express (nested classes, atomic groups, possessive
 * quantifiers, case-insensitive ranges).
 */
export function onigToJs(pattern: string): string {
  let out = '';
  let inClass = false;
  const groupIsCi: boolean[] = []; // one entry per open group: is it a (?i:…) group (or inside one)?
  const ci = (): boolean => groupIsCi.length > 0 && groupIsCi[groupIsCi.length - 1] === true;
  const unsupported = (what: string): never => {
    throw new Error(`unsupported regex construct ${what} in pre-tokenizer pattern ${JSON.stringify(pattern)}`);
  };
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i] as string;
    if (ch === '\\') {
      const nx = pattern[i + 1];
      if (nx === undefined) unsupported('trailing backslash');
      i++;
      switch (nx) {
        case 's': out += SPACE; continue;
        case 'S': out += NOT_SPACE; continue;
        case 'd': out += '\\p{Nd}'; continue;
        case 'D': out += '\\P{Nd}'; continue;
        case 'w': out += inClass ? WORD_ITEMS : `[${WORD_ITEMS}]`; continue;
        case 'W':
          if (inClass) unsupported('\\W inside a character class');
          out += `[^${WORD_ITEMS}]`;
          continue;
        case 'p':
        case 'P': {
          const close = pattern.indexOf('}', i);
          if (pattern[i + 1] !== '{' || close < 0) unsupported(`\\${nx} without {…}`);
          out += pattern.slice(i - 1, close + 1);
          i = close;
          continue;
        }
        case 'x': {
          if (pattern[i + 1] === '{') {
            const close = pattern.indexOf('}', i);
            if (close < 0) unsupported('\\x{ without }');
            out += `\\u{${pattern.slice(i + 2, close)}}`;
            i = close;
          } else {
            out += '\\x' + pattern.slice(i + 1, i + 3);
            i += 2;
          }
          continue;
        }
        default:
          if (/[A-Za-z0-9]/.test(nx as string)) {
            // \r \n \t \f \v \b \B \u…, back-references: same spelling in JS.
            out += '\\' + nx;
          } else if (JS_SYNTAX.has(nx as string) || (inClass && nx === '-')) {
            out += '\\' + nx;
          } else {
            out += nx; // an escaped ordinary character (\" \' \# …) is just that character
          }
          continue;
      }
    }
    if (inClass) {
      if (ch === ']') inClass = false;
      else if (ch === '[') unsupported('nested character class');
      else if (ch === '&' && pattern[i + 1] === '&') unsupported('class intersection &&');
      else if (ci() && /[A-Za-z]/.test(ch)) {
        if (pattern[i + 1] === '-' || pattern[i - 1] === '-') unsupported('case-insensitive range');
        out += ch.toLowerCase() + ch.toUpperCase();
        continue;
      }
      out += ch;
      continue;
    }
    if (ch === '[') {
      inClass = true;
      out += ch;
      if (pattern[i + 1] === '^') out += pattern[++i];
      if (pattern[i + 1] === ']') out += '\\' + pattern[++i]; // a leading ] is a literal in Oniguruma
      continue;
    }
    if (ch === '(') {
      if (pattern.startsWith('(?i:', i)) {
        groupIsCi.push(true);
        out += '(?:';
        i += 3;
        continue;
      }
      if (pattern.startsWith('(?>', i)) unsupported('atomic group (?>');
      if (/^\(\?[imx-]+[:)]/.test(pattern.slice(i))) unsupported('inline option group');
      groupIsCi.push(ci());
      out += ch;
      continue;
    }
    if (ch === ')') {
      groupIsCi.pop();
      out += ch;
      continue;
    }
    if ((ch === '+' || ch === '?' || ch === '*' || ch === '}') && pattern[i + 1] === '+') unsupported('possessive quantifier');
    if (ci() && /[A-Za-z]/.test(ch)) {
      out += `[${ch.toLowerCase()}${ch.toUpperCase()}]`;
      continue;
    }
    out += ch;
  }
  if (inClass) unsupported('unterminated character class');
  return out;
}

/** Compile an Oniguruma pattern to a global `u`-mode RegExp; a bad pattern gives an error naming it. */
export function compileOnig(pattern: string): RegExp {
  const risk = nestedRepetition(pattern);
  if (risk !== null) {
    throw new Error(
      `pre-tokenizer pattern ${JSON.stringify(pattern)} repeats a group that itself repeats (${risk}): on some inputs a backtracking engine takes exponential time (ReDoS), so r1ts refuses it`,
    );
  }
  const src = onigToJs(pattern);
  try {
    return new RegExp(src, 'gu');
  } catch (e) {
    throw new Error(`pre-tokenizer pattern ${JSON.stringify(pattern)} does not compile: ${(e as Error).message}`);
  }
}

/**
 * The classic catastrophic-backtracking shape in a pattern, or null: a group repeated without a bound of 1
 * (`*`, `+`, `{n,}`, `{n,m}` with m > 1) whose body can itself repeat, such as `(a+)+` or `(\\w+\\s?)+`. Tokenizer
 * files come from the internet and JavaScript's engine backtracks, so such patterns are refused when loaded
 * rather than bounded at run time. (The GPT-2, Llama-3 and Qwen2 patterns have no repeated groups.)
 */
export function nestedRepetition(pattern: string): string | null {
  // One frame per open group: where it opened and whether its body holds a repeating element.
  const frames: { start: number; repeats: boolean }[] = [{ start: 0, repeats: false }];
  /** Length of a quantifier at i and whether it repeats (max > 1); 0 when there is none. */
  const quantifier = (i: number): { len: number; repeats: boolean } => {
    const c = pattern[i];
    if (c === '*' || c === '+') return { len: pattern[i + 1] === '?' || pattern[i + 1] === '+' ? 2 : 1, repeats: true };
    if (c === '?') return { len: pattern[i + 1] === '?' ? 2 : 1, repeats: false };
    if (c === '{') {
      const m = /^\{(\d*)(,?)(\d*)\}\??/.exec(pattern.slice(i));
      if (m && (m[1] !== '' || m[3] !== '')) {
        const max = m[2] === '' ? Number(m[1]) : m[3] === '' ? Infinity : Number(m[3]);
        return { len: m[0].length, repeats: max > 1 };
      }
    }
    return { len: 0, repeats: false };
  };
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    let atomEnd = i; // last index of the atom that starts at i
    let groupRepeats = false;
    if (c === '\\') {
      atomEnd = i + 1;
      if ((pattern[i + 1] === 'p' || pattern[i + 1] === 'P' || pattern[i + 1] === 'x') && pattern[i + 2] === '{') atomEnd = pattern.indexOf('}', i);
      if (atomEnd < 0) return null; // malformed; the translator reports it
    } else if (c === '[') {
      // Skip the class (escapes and a leading ] included).
      let j = i + 1;
      if (pattern[j] === '^') j++;
      if (pattern[j] === ']') j++;
      for (; j < pattern.length && pattern[j] !== ']'; j++) if (pattern[j] === '\\') j++;
      atomEnd = j;
    } else if (c === '(') {
      frames.push({ start: i, repeats: false });
      continue;
    } else if (c === ')') {
      const f = frames.pop();
      if (f === undefined || frames.length === 0) return null; // unbalanced; the translator reports it
      groupRepeats = f.repeats;
      const q = quantifier(i + 1);
      if (q.repeats && groupRepeats) return `${pattern.slice(f.start, i + 1)}${pattern.slice(i + 1, i + 1 + q.len)}`;
      // A group's repetition counts for the enclosing group too.
      if (q.repeats || groupRepeats) frames[frames.length - 1]!.repeats = true;
      i += q.len;
      continue;
    } else if (c === '|' || c === '^' || c === '$') {
      continue;
    }
    const q = quantifier(atomEnd + 1);
    if (q.repeats) frames[frames.length - 1]!.repeats = true;
    i = atomEnd + q.len;
  }
  return null;
}
