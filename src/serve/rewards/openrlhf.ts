// src/serve/rewards/openrlhf.ts — OpenRLHF's remote reward protocol mapped onto the native samples and back.
// OpenRLHF (openrlhf/utils/agent.py, SingleTurnAgentExecutor) posts `query` = the prompt and response tokens
// decoded with special tokens kept, `prompts` = the prompt text, `labels` = the dataset's label column; earlier
// versions (openrlhf/utils/remote_rm_utils.py) sent whole batches the same way, left padding included. It reads
// `rewards`, `scores` and `extra_logs` back, one entry per query in order.

import { z } from 'zod';
import { labelObjectSchema, type OpenRlhfRequest, type OpenRlhfResponse, type RewardResult, type WireSample } from './wire.js';
import { SampleError } from './scorer.js';

/**
 * The response part of a query: what follows the prompt (the first occurrence, so left padding or a BOS token
 * before it does not matter), with trailing end-of-sequence and padding tokens removed. When the prompt is not
 * found in the query (a tokenizer that does not round-trip it), the whole query is the response and
 * `promptFound` is false.
 */
export function responseOfQuery(query: string, prompt: string, endTokens: readonly string[]): { completion: string; promptFound: boolean } {
  const at = prompt === '' ? -1 : query.indexOf(prompt);
  let completion = at >= 0 ? query.slice(at + prompt.length) : query;
  for (let cut = true; cut; ) {
    cut = false;
    for (const t of endTokens) {
      if (completion.endsWith(t)) {
        completion = completion.slice(0, -t.length);
        cut = true;
      }
    }
  }
  return { completion, promptFound: at >= 0 };
}

/** A label as a sample description: a JSON object label is typed; any other label is a gold answer. */
export function labelFields(label: string | number | null | undefined, index: number): Pick<WireSample, 'gold' | 'task' | 'tests' | 'language' | 'meta'> {
  if (label === null || label === undefined) return {};
  if (typeof label === 'number') return { gold: String(label) };
  const text = label.trim();
  if (text.startsWith('{')) {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return { gold: label }; // "{1, 2}" is a set, not JSON
    }
    const parsed = labelObjectSchema.safeParse(json);
    if (!parsed.success) throw new SampleError(`labels[${index}]: a JSON label must describe the sample: ${z.prettifyError(parsed.error).replace(/\n/g, ' ')}`);
    const l = parsed.data;
    return { ...(l.gold !== undefined && { gold: l.gold }), ...(l.task !== undefined && { task: l.task }), ...(l.tests !== undefined && { tests: l.tests }), ...(l.language !== undefined && { language: l.language }), ...(l.meta !== undefined && { meta: l.meta }) };
  }
  return { gold: label };
}

/** OpenRLHF's request as native samples (and which queries did not contain their prompt). */
export function samplesOfOpenRlhf(req: OpenRlhfRequest, endTokens: readonly string[]): { samples: WireSample[]; promptMissing: number[] } {
  const promptMissing: number[] = [];
  const samples = req.query.map((q, i): WireSample => {
    const prompt = req.prompts[i] as string;
    const { completion, promptFound } = responseOfQuery(q, prompt, endTokens);
    if (!promptFound) promptMissing.push(i);
    return { prompt, completion, ...labelFields(req.labels?.[i], i) };
  });
  return { samples, promptMissing };
}

/**
 * The answer OpenRLHF reads: `rewards` = the composite total (the trainer's advantage input), `scores` = the
 * accuracy component in [0, 1] for dynamic filtering (the total when accuracy is not among the rewards),
 * `extra_logs` = each component per sample. OpenRLHF turns every extra_logs value into a tensor, so a component
 * that does not apply to a sample (null) is sent as 0.
 */
export function openRlhfResponse(results: readonly RewardResult[], componentNames: readonly string[]): OpenRlhfResponse {
  const rewards = results.map((r) => r.total);
  const hasAccuracy = componentNames.includes('accuracy');
  const scores = results.map((r) => (hasAccuracy ? (r.components['accuracy'] ?? 0) : r.total));
  const extra_logs: Record<string, number[]> = {};
  for (const name of componentNames) extra_logs[name] = results.map((r) => r.components[name] ?? 0);
  return { rewards, scores, extra_logs };
}
