// src/eval/types.ts — where evaluation samples come from: the SampleSource contract, completions and token usage.
// An OpenAI-compatible endpoint (endpoint.ts) implements it today; the local model will implement it once
// src/generate exists (see local-source.ts for the typed slot).

/** Token counts for one completion. Counts may be fractional when a request's usage is shared by n samples. */
export interface Usage {
  /** Prompt (input) tokens billed for this completion. */
  promptTokens: number;
  /** Completion (output) tokens, reasoning included (DeepSeek and OpenAI both count reasoning as output). */
  completionTokens: number;
  /** Reasoning tokens as reported by the endpoint (completion_tokens_details.reasoning_tokens), else null. */
  reasoningTokens: number | null;
  /** Prompt tokens served from the provider's context cache (DeepSeek prompt_cache_hit_tokens), else null. */
  cacheHitTokens: number | null;
  /** Prompt tokens not served from cache (DeepSeek prompt_cache_miss_tokens), else null. */
  cacheMissTokens: number | null;
}

/** Why generation stopped, as the OpenAI wire format spells it ('length' = hit max_tokens). */
export type FinishReason = 'stop' | 'length' | 'content_filter' | 'tool_calls' | 'other';

/** One sampled answer: the chain of thought apart from the final answer. */
export interface Completion {
  /** The reasoning (reasoning_content, or the text inside <think>…</think>); '' when the model gave none. */
  reasoning: string;
  /** The answer shown to the user (content with any <think> block removed). */
  content: string;
  /** Token usage; null when the source could not report it. */
  usage: Usage | null;
  /** Why generation stopped. */
  finishReason: FinishReason;
}

/** Sampling settings for one `complete` call. */
export interface SampleOptions {
  /** Completions wanted per prompt (>= 1). */
  n: number;
  /** Sampling temperature (DeepSeek-R1 §3: 0.6 for evaluation). */
  temperature: number;
  /** Nucleus sampling mass (DeepSeek-R1 §3: 0.95). */
  topP: number;
  /** Upper bound on generated tokens per completion (DeepSeek-R1 §3: 32,768). */
  maxTokens: number;
  /**
   * Base seed: completion j of a prompt is sampled with seed + j (mod 2^32) wherever the source samples
   * one completion at a time, so a resumed run asks for exactly the samples it is missing with their seeds.
   */
  seed: number;
  /** Stops outstanding work; `complete` then rejects with the signal's reason. */
  signal?: AbortSignal;
  /**
   * Called as each completion finishes, before `complete` resolves, so callers can save samples one by one
   * (a crash then loses only unfinished samples). promptIndex indexes `prompts`, sampleIndex is in [0, n).
   */
  onCompletion?: (promptIndex: number, sampleIndex: number, completion: Completion) => void;
}

/** Anything that can sample completions for chat prompts: an HTTP endpoint or (later) the local model. */
export interface SampleSource {
  /** Short description for summaries (e.g. "endpoint deepseek-reasoner"); never contains secrets. */
  readonly label: string;
  /** The model name reported in results and used to look up prices. */
  readonly model: string;
  /** A fingerprint of the weights (local checkpoints): a resumed run must sample the same ones. */
  readonly weights?: string;
  /** Sample `opts.n` completions for each prompt (a single user turn); result[i] has n entries for prompts[i]. */
  complete(prompts: readonly string[], opts: SampleOptions): Promise<Completion[][]>;
}
