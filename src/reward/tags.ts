// src/reward/tags.ts — shared helpers for the tag-based rewards: where the reasoning block opens, and which
// spellings count as a think/answer tag (lenient on case and spaces, so "<THINK >" cannot sneak past). The tag
// rules live in the one completion parser (verify/completion.ts); these names stay for the rewards.

import { promptOpensThink } from '../verify/completion.js';

export { ANY_TAG, promptOpensThink } from '../verify/completion.js';

/**
 * The completion with the reasoning block's opening tag accounted for: when the prompt opened it, the body is
 * the completion itself; otherwise the completion must start (after whitespace) with `<think>` and the body is
 * what follows. Returns null when the completion does not open the block where it must. `opensThinking` (from the
 * rendered chat template) says whether the prompt opened it; when absent, whether `prompt` ends with `<think>`.
 */
export function bodyAfterThinkOpen(prompt: string, completion: string, opensThinking?: boolean): string | null {
  if (opensThinking ?? promptOpensThink(prompt)) return completion;
  const m = /^\s*<think>/.exec(completion);
  return m ? completion.slice(m[0].length) : null;
}
