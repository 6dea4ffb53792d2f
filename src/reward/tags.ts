// src/reward/tags.ts — shared helpers for the tag-based rewards: where the reasoning block opens, and which
// spellings count as a think/answer tag (lenient on case and spaces, so "<THINK >" cannot sneak past).

/** Any think/answer tag, opening or closing, in any case and with stray spaces: <think>, </ answer >, ... */
export const ANY_TAG = /<\s*\/?\s*(?:think|answer)\s*>/i;

/**
 * True when the prompt already opens the reasoning block (DeepSeek-R1's chat template ends the prompt with
 * "<think>\n"), so the completion must not open it again.
 */
export function promptOpensThink(prompt: string): boolean {
  return prompt.trimEnd().endsWith('<think>');
}

/**
 * The completion with the reasoning block's opening tag accounted for: when the prompt opened it, the body is
 * the completion itself; otherwise the completion must start (after whitespace) with `<think>` and the body is
 * what follows. Returns null when the completion does not open the block where it must.
 */
export function bodyAfterThinkOpen(prompt: string, completion: string): string | null {
  if (promptOpensThink(prompt)) return completion;
  const m = /^\s*<think>/.exec(completion);
  return m ? completion.slice(m[0].length) : null;
}
