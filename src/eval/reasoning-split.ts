// src/eval/reasoning-split.ts — separate the chain of thought from the answer when an endpoint returns both in
// `content` wrapped in <think>…</think> (DeepSeek-R1's template; many open-weight servers pass it through).
// A thin wrapper over the one completion parser (verify/completion.ts).

import { parseCompletion } from '../verify/completion.js';

/** Reasoning and answer text, plus whether the tags were balanced. */
export interface ReasoningSplit {
  reasoning: string;
  content: string;
  /** false when a <think> block was opened but never closed (usually generation hit max_tokens). */
  closed: boolean;
}

/**
 * Split `<think>reasoning</think>answer`. Also handles a missing opening tag (the chat template already put
 * `<think>` at the end of the prompt, so the completion starts inside the block) and an unclosed block
 * (everything after `<think>` is reasoning, the answer is empty). Text without tags is all answer.
 */
export function splitThinkTags(text: string): ReasoningSplit {
  const p = parseCompletion(text, { priority: [] });
  if (!p.closed) return { reasoning: (p.reasoning ?? '').trim(), content: p.preamble.trim(), closed: false };
  return { reasoning: (p.reasoning ?? '').trim(), content: (p.preamble + p.answerText).trim(), closed: true };
}
