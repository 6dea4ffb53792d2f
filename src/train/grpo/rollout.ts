// src/train/grpo/rollout.ts — sampling a group of G completions per prompt with the current policy (DeepSeek-R1
// §2.2.1), through the one generation path (generate/chat.ts, which renders a chat with the checkpoint's template):
// the prompt is prefilled once and its KV copied to the G rows; every sampled token keeps its log-prob under
// softmax(logits / temperature).

import { sampleChat, sampleChatAsync, type ChatModel, type ChatResult, type PromptInput } from '../../generate/index.js';
import type { RewardSample } from '../../reward/index.js';
import { renderPrompt } from '../../tasks/prompt.js';
import type { PromptDraw } from './prompts.js';

/**
 * 'r1-zero': DeepSeek-R1 Table 1's template; 'r1-zero-think': the same with the completion started inside "<think>"
 * (what DeepSeek's usage notes for R1 advise, so that every answer opens with its reasoning); 'chat': the checkpoint's
 * chat template.
 */
export type RolloutPromptStyle = 'r1-zero' | 'r1-zero-think' | 'chat';

export interface RolloutSample {
  /** Index of the prompt (the group) in the rollout. */
  group: number;
  draw: PromptDraw;
  /** The prompt as text (what rewards read: a chat rendered with the checkpoint's template). */
  promptText: string;
  promptIds: number[];
  /** The prompt opened the reasoning block (R1's ends with "<think>\n"), so the completion starts inside it. */
  opensThinking: boolean;
  /** Completion token ids (the stop token included when one ended it). */
  tokens: number[];
  /** The sampler's log-prob of each token. */
  logprobs: number[];
  /** The completion as text (without the stop token). */
  text: string;
  /** Cut at the generation budget (finish reason 'length'). */
  truncated: boolean;
}

export interface RolloutResult {
  /** G samples per prompt, group-major. */
  samples: RolloutSample[];
  tokens: number;
  seconds: number;
}

/** How a task item is put to the model in a prompt style (a chat is rendered with the model's template later). */
export function promptFor(draw: PromptDraw, style: RolloutPromptStyle): PromptInput {
  if (style === 'r1-zero') return { kind: 'text', text: draw.task.prompt(draw.item, 'r1-zero') };
  if (style === 'r1-zero-think') return { kind: 'text', text: `${draw.task.prompt(draw.item, 'r1-zero')} <think>` };
  return { kind: 'chat', messages: [{ role: 'user', content: draw.task.prompt(draw.item, 'boxed') }] };
}

/** G completions for each drawn prompt (seeded: the same seed, weights and prompts give the same samples). */
export function rollout(cm: ChatModel, draws: readonly PromptDraw[], opts: RolloutOptions): RolloutResult {
  const t0 = performance.now();
  const prompts = draws.map((d) => promptFor(d, opts.style));
  return rolloutResult(draws, sampleChat(cm, prompts, chatOptions(opts)), t0);
}

/**
 * rollout() that yields to the event loop between decode steps, so that signal handlers and timers run while it
 * samples (a Ctrl-C is seen at once, not after the step). The same samples as rollout() for the same options.
 */
export async function rolloutAsync(cm: ChatModel, draws: readonly PromptDraw[], opts: RolloutOptions): Promise<RolloutResult> {
  const t0 = performance.now();
  const prompts = draws.map((d) => promptFor(d, opts.style));
  return rolloutResult(draws, await sampleChatAsync(cm, prompts, chatOptions(opts)), t0);
}

export interface RolloutOptions {
  groupSize: number;
  maxNewTokens: number;
  temperature: number;
  topP: number;
  style: RolloutPromptStyle;
  seed: number;
}

const chatOptions = (opts: RolloutOptions) => ({
  n: opts.groupSize, maxTokens: opts.maxNewTokens, sampling: { temperature: opts.temperature, topP: opts.topP, topK: 0 }, seed: opts.seed,
});

function rolloutResult(draws: readonly PromptDraw[], { samples, prompts: encoded }: ChatResult, t0: number): RolloutResult {
  let tokens = 0;
  const out = samples.map((s): RolloutSample => {
    const g = s.generation;
    tokens += g.tokens.length;
    return {
      group: g.prompt, draw: draws[g.prompt]!, promptText: encoded[g.prompt]!.text, promptIds: encoded[g.prompt]!.ids, opensThinking: encoded[g.prompt]!.opensThinking,
      tokens: g.tokens, logprobs: g.logprobs, text: s.text, truncated: g.finishReason === 'length',
    };
  });
  return { samples: out, tokens, seconds: (performance.now() - t0) / 1000 };
}

/** The rollout as reward inputs. */
export function rewardSamples(samples: readonly RolloutSample[]): RewardSample[] {
  return samples.map((s) => ({ prompt: s.promptText, completion: s.text, opensThinking: s.opensThinking, item: s.draw.item, task: s.draw.task, completionTokens: s.tokens.length }));
}
