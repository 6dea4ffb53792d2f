// src/serve/rewards/openrlhf.ts — OpenRLHF's remote reward protocol mapped onto the native samples and back.
// OpenRLHF (openrlhf/utils/agent.py, SingleTurnAgentExecutor) posts `query` = the prompt and response tokens
// decoded with special tokens kept, `prompts` = the prompt text, `labels` = the dataset's label column; earlier
// versions (openrlhf/utils/remote_rm_utils.py) sent whole batches the same way, left padding included. It reads
// `rewards`, `scores` and `extra_logs` back, one entry per query in order.

import { z } from 'zod';
import { labelObjectSchema, type OpenRlhfRequest, type OpenRlhfResponse, type RewardResult, type WireSample } from './wire.js';
import { SampleError } from './scorer.js';

/** Characters of a prompt's end looked for in a query that does not hold the whole prompt. */
const PROMPT_TAIL = 200;

/**
 * The response part of a query: what follows the prompt (the first occurrence, so left padding or a BOS token
 * before it does not matter), with trailing end-of-sequence and padding tokens removed. OpenRLHF cuts a prompt longer
 * than its --prompt_max_len from the left, so a query may hold only the prompt's end: then the response follows the
 * first occurrence of the prompt's last 200 characters (`promptTruncated`). When neither is found (a tokenizer
 * that does not round-trip the prompt), the whole query is the response and `promptFound` is false.
 */
export function responseOfQuery(query: string, prompt: string, endTokens: readonly string[]): { completion: string; promptFound: boolean; promptTruncated: boolean } {
  let at = prompt === '' ? -1 : query.indexOf(prompt);
  let end = at + prompt.length;
  let promptTruncated = false;
  if (at < 0 && prompt.length > PROMPT_TAIL) {
    const tail = prompt.slice(-PROMPT_TAIL);
    at = query.indexOf(tail);
    end = at + tail.length;
    promptTruncated = at >= 0;
  }
  let completion = at >= 0 ? query.slice(end) : query;
  for (let cut = true; cut; ) {
    cut = false;
    for (const t of endTokens) {
      if (completion.endsWith(t)) {
        completion = completion.slice(0, -t.length);
        cut = true;
      }
    }
  }
  return { completion, promptFound: at >= 0, promptTruncated };
}

/** Where a label's kind is named in an error. */
const kindOf = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'a list' : typeof v === 'object' ? 'an object' : `a ${typeof v}`);

/**
 * A label as a sample description: an object (or a JSON object in a string) is typed; a string or number is a gold
 * answer. A missing or empty label is no gold at all: refused when the service's rewards need one (`needsLabels`:
 * accuracy is among them), since the composite would otherwise score the sample by its other rewards alone, as high as
 * a correct answer.
 */
export function labelFields(label: unknown, index: number, needsLabels = false): Pick<WireSample, 'gold' | 'task' | 'tests' | 'language' | 'meta'> {
  if (label === null || label === undefined || (typeof label === 'string' && label.trim() === '')) {
    if (!needsLabels) return {};
    const what = label === undefined ? 'missing' : label === null ? 'null' : 'empty';
    throw new SampleError(`labels[${index}] is ${what}: the accuracy reward needs each sample's gold answer (OpenRLHF sends empty labels when --label_key is not set); give the dataset's answer column with --label_key, or serve without accuracy (--reward format)`);
  }
  if (typeof label === 'number') return { gold: String(label) };
  let json: unknown = label;
  if (typeof label === 'string') {
    const text = label.trim();
    if (!text.startsWith('{')) return { gold: label };
    try {
      json = JSON.parse(text);
    } catch {
      return { gold: label }; // "{1, 2}" is a set, not JSON
    }
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new SampleError(`labels[${index}] is ${kindOf(json)}: give a gold answer (a string or number) or an object describing the sample ({"gold": ..., "task": ...}, {"task": "code", "tests": [...]})`);
  }
  const parsed = labelObjectSchema.safeParse(json);
  if (!parsed.success) throw new SampleError(`labels[${index}]: a JSON label must describe the sample: ${z.prettifyError(parsed.error).replace(/\n/g, ' ')}`);
  const l = parsed.data;
  if (needsLabels && l.gold === undefined && l.tests === undefined) throw new SampleError(`labels[${index}] names neither "gold" nor "tests": the accuracy reward needs one`);
  return { ...(l.gold !== undefined && { gold: l.gold }), ...(l.task !== undefined && { task: l.task }), ...(l.tests !== undefined && { tests: l.tests }), ...(l.language !== undefined && { language: l.language }), ...(l.meta !== undefined && { meta: l.meta }) };
}

/**
 * OpenRLHF's request as native samples (and which queries did not hold their prompt, or only its end). With
 * `needsLabels`, every sample must carry a gold answer or tests.
 */
export function samplesOfOpenRlhf(req: OpenRlhfRequest, endTokens: readonly string[], opts: { needsLabels?: boolean } = {}): { samples: WireSample[]; promptMissing: number[]; promptTruncated: number[] } {
  const promptMissing: number[] = [];
  const promptTruncated: number[] = [];
  const samples = req.query.map((q, i): WireSample => {
    const prompt = req.prompts[i] as string;
    const { completion, promptFound, promptTruncated: truncated } = responseOfQuery(q, prompt, endTokens);
    if (!promptFound) promptMissing.push(i);
    if (truncated) promptTruncated.push(i);
    return { prompt, completion, ...labelFields(req.labels?.[i], i, opts.needsLabels === true) };
  });
  return { samples, promptMissing, promptTruncated };
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
