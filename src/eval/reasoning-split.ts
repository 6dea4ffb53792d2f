// src/eval/reasoning-split.ts — separate the chain of thought from the answer when an endpoint returns both in
// `content` wrapped in <think>…</think> (DeepSeek-R1's template; many open-weight servers pass it through).

/** Reasoning and answer text, plus whether the tags were balanced. */
export interface ReasoningSplit {
  reasoning: string;
  content: string;
  /** false when a <think> block was opened but never closed (usually generation hit max_tokens). */
  closed: boolean;
}

const OPEN = '<think>';
const CLOSE = '</think>';

/**
 * Split `<think>reasoning</think>answer`. Also handles a missing opening tag (the chat template already put
 * `<think>` at the end of the prompt, so the completion starts inside the block) and an unclosed block
 * (everything after `<think>` is reasoning, the answer is empty). Text without tags is all answer.
 */
export function splitThinkTags(text: string): ReasoningSplit {
  const close = text.indexOf(CLOSE);
  const open = text.indexOf(OPEN);
  if (close === -1) {
    if (open === -1) return { reasoning: '', content: text.trim(), closed: true };
    return { reasoning: text.slice(open + OPEN.length).trim(), content: text.slice(0, open).trim(), closed: false };
  }
  const start = open !== -1 && open < close ? open + OPEN.length : 0;
  const before = open !== -1 && open < close ? text.slice(0, open) : '';
  return {
    reasoning: text.slice(start, close).trim(),
    content: (before + text.slice(close + CLOSE.length)).trim(),
    closed: true,
  };
}
