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
  const src = onigToJs(pattern);
  try {
    return new RegExp(src, 'gu');
  } catch (e) {
    throw new Error(`pre-tokenizer pattern ${JSON.stringify(pattern)} does not compile: ${(e as Error).message}`);
  }
}
