// src/tasks/prompt.ts — the two prompt styles: DeepSeek-R1's R1-Zero template (Table 1) and its eval instruction.

import type { PromptStyle } from './types.js';

/**
 * DeepSeek-R1 Table 1: the R1-Zero training template. `prompt` replaces the placeholder; the model's
 * completion starts right after "Assistant:".
 */
export const R1_ZERO_TEMPLATE =
  'A conversation between User and Assistant. The user asks a question, and the Assistant solves it. ' +
  'The assistant first thinks about the reasoning process in the mind and then provides the user with the ' +
  'answer. The reasoning process and answer are enclosed within <think> </think> and <answer> </answer> ' +
  'tags, respectively, i.e., <think> reasoning process here </think> <answer> answer here </answer>. ' +
  'User: {prompt}. Assistant:';

/** DeepSeek-R1 §3 (evaluation setup): the instruction appended to math questions. */
export const BOXED_INSTRUCTION = '\nPlease reason step by step, and put your final answer within \\boxed{}.';

export const PROMPT_STYLES: readonly PromptStyle[] = ['r1-zero', 'boxed'];

/**
 * Render `question` in a prompt style. In 'r1-zero' the template puts a period after the question; a question
 * that already ends in '.', '?' or '!' (or Chinese '。', '？', '！') keeps its own mark instead ("User: What is 2 + 3?
 * Assistant:").
 */
export function renderPrompt(question: string, style: PromptStyle): string {
  switch (style) {
    case 'r1-zero': {
      const q = question.trim();
      const body = /[.?!。？！]$/.test(q) ? q.slice(0, -1) : q;
      const mark = /[?!。？！]$/.test(q) ? q.slice(-1) : '.';
      return R1_ZERO_TEMPLATE.replace('{prompt}.', () => body + mark);
    }
    case 'boxed':
      return question.trim() + BOXED_INSTRUCTION;
    default:
      throw new Error(`unknown prompt style "${String(style)}" (expected ${PROMPT_STYLES.join(' or ')})`);
  }
}
