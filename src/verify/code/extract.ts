// src/verify/code/extract.ts — pulls the program out of a model completion: the last fenced code block.

import type { Language } from './types.js';

/** Fence info strings accepted for each language (lower-cased, first word). */
const ALIASES: Record<Language, readonly string[]> = {
  python: ['python', 'python3', 'py', 'py3'],
  javascript: ['javascript', 'js', 'node', 'nodejs', 'mjs', 'cjs'],
};

export interface CodeBlock {
  code: string;
  /** The block's language from its info string, or null when it has none or an unknown one. */
  lang: Language | null;
  /** The raw first word of the info string ('' when none). */
  info: string;
}

/**
 * Every closed fenced block (``` or ~~~, three or more, as in CommonMark) in order. A block still open at the
 * end (a truncated completion) is not returned: half a program is no program. A fence may be indented (a block
 * inside a list item); as in CommonMark, that much indentation is removed from each line of its body, so an
 * indented Python block runs as written, and its closing fence may be indented up to three spaces more.
 */
export function fencedBlocks(text: string): CodeBlock[] {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const blocks: CodeBlock[] = [];
  let open: { fence: string; indent: number; info: string; body: string[] } | null = null;
  for (const line of lines) {
    if (open === null) {
      const m = /^( *)(`{3,}|~{3,})\s*([^\s`]*)[^`]*$/.exec(line);
      if (m) open = { fence: m[2] as string, indent: (m[1] as string).length, info: (m[3] ?? '').toLowerCase(), body: [] };
      continue;
    }
    const close = /^( *)(`{3,}|~{3,})\s*$/.exec(line);
    const fence = close?.[2] ?? '';
    if (close && (close[1] as string).length <= open.indent + 3 && fence[0] === open.fence[0] && fence.length >= open.fence.length) {
      blocks.push({ code: open.body.join('\n'), lang: languageOf(open.info), info: open.info });
      open = null;
    } else {
      const strip = Math.min(open.indent, (/^ */.exec(line) as RegExpExecArray)[0].length);
      open.body.push(line.slice(strip));
    }
  }
  return blocks;
}

function languageOf(info: string): Language | null {
  for (const lang of Object.keys(ALIASES) as Language[]) if (ALIASES[lang].includes(info)) return lang;
  return null;
}

/**
 * End-of-turn and turn-start tokens of chat templates (ChatML, Llama 3, Phi, DeepSeek): what follows one was not
 * written as this answer. `</s>` is left out: it is also HTML a program may print.
 */
const TEMPLATE_TOKEN = /<\|(?:im_start|im_end|endoftext|eot_id|end_of_text|end|user|assistant)\|>|<｜(?:end▁of▁sentence|User|Assistant)｜>/;

/** `text` up to its first chat-template token (all of it when it has none). */
export function beforeTemplateToken(text: string): string {
  const m = text.includes('<|') || text.includes('<｜') ? TEMPLATE_TOKEN.exec(text) : null;
  return m === null ? text : text.slice(0, m.index);
}

/**
 * The last fenced block of `lang` (by its info string); when no block is tagged with it, the last untagged
 * block. Without `lang`: the last block tagged python or javascript, else the last untagged one. null if none.
 * Only the text before the first chat-template token counts (a closing fence glued to `<|im_end|>` still closes;
 * a block of a turn the model made up after it is not this answer's).
 */
export function extractCodeBlock(completion: string, lang?: Language): CodeBlock | null {
  const blocks = fencedBlocks(beforeTemplateToken(completion));
  const tagged = blocks.filter((b) => (lang ? b.lang === lang : b.lang !== null));
  const pick = tagged.at(-1) ?? blocks.filter((b) => b.info === '').at(-1) ?? null;
  if (!pick || pick.code.trim() === '') return null;
  return pick;
}

/** The code of the last fenced block of that language (see extractCodeBlock), or null. */
export function extractCode(completion: string, lang?: Language): string | null {
  return extractCodeBlock(completion, lang)?.code ?? null;
}
