// src/reward/types.ts — the reward-function contract (DeepSeek-R1 §2.2.2: rule-based rewards only).

import type { Task, TaskItem } from '../tasks/types.js';

/** One sampled completion to be scored. */
export interface RewardSample {
  /** The prompt the model saw (rendered chat text or plain prompt). */
  prompt: string;
  /** The model's completion (for R1-style chat: starts inside the <think> block). */
  completion: string;
  /**
   * The prompt opened the reasoning block, so the completion starts inside it (from the rendered chat template,
   * generate's EncodedPrompt.opensThinking). When absent: whether `prompt` ends with `<think>`.
   */
  opensThinking?: boolean;
  /** The task item this completion answers; absent for open-ended prompts. */
  item?: TaskItem;
  /** The task that owns `item` (its checker gives accuracy). */
  task?: Task;
  /** Number of completion tokens, when known (overlong penalty). */
  completionTokens?: number;
}

/**
 * A reward function: one score per sample, `null` where the reward does not apply
 * (for example accuracy on a prompt with no reference answer).
 */
export interface RewardFn {
  name: string;
  score(samples: readonly RewardSample[]): Promise<(number | null)[]>;
}
