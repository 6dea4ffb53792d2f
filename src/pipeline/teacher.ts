// src/pipeline/teacher.ts — distillation traces from an OpenAI-compatible teacher (DeepSeek's API, vLLM, r1 serve),
// rejection-sampled as the local teacher's are: finished, with reasoning, correct by the task's rule verifier, in the
// question's language, without heavy repetition, deduplicated. Every sample is appended to a file as it arrives, so
// an interrupted or failed run resumes by asking only for the samples it lacks, with the seeds a fresh run would use.

import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Completion, SampleSource, Usage } from '../eval/types.js';
import { languageConsistency, questionLanguage, repetitionRate } from '../reward/index.js';
import type { Task, TaskItem } from '../tasks/types.js';

/** The readability filters of rejection sampling (§2.3.3): the question's language throughout, no heavy repetition. */
export function readable(text: string, question: string): boolean {
  const lang = languageConsistency(text, questionLanguage(question));
  if (lang !== null && lang < 1) return false;
  return repetitionRate(text, 3) <= 0.5;
}

/**
 * A teacher's reply as SFT data in the R1 format: the reasoning inside <think>, then the answer. The SFT data reader
 * drops the opening tag where the student's chat template already opens the reasoning block.
 */
export const traceCompletion = (c: { reasoning: string; content: string }): string => `<think>\n${c.reasoning}\n</think>\n\n${c.content}`;

/** A completion sampled after a prompt that opened the reasoning block, with its opening tag written back. */
export const withOpenThink = (text: string, opensThinking: boolean): string => (opensThinking ? `<think>\n${text}` : text);

/** One teacher sample as saved: which prompt, which of its k samples (seed + sample), and the reply. */
interface SavedSample {
  /** The teacher's model name: one samples file holds one teacher's samples. */
  model: string;
  prompt: string;
  sample: number;
  reasoning: string;
  content: string;
  finishReason: string;
  usage: Usage | null;
}

export type RejectReason = 'truncated' | 'noReasoning' | 'wrong' | 'unreadable' | 'duplicate';

export interface TeacherStats {
  /** Samples considered (k per distinct prompt). */
  samples: number;
  /** Of them, read back from the samples file rather than requested. */
  resumed: number;
  kept: number;
  rejected: Record<RejectReason, number>;
  /** Teacher tokens over every sample, kept or not (what the traces cost). */
  promptTokens: number;
  completionTokens: number;
}

const key = (prompt: string, sample: number): string => `${sample}\u0000${prompt}`;

function readSaved(file: string, model: string, log: (m: string) => void): Map<string, SavedSample> {
  const saved = new Map<string, SavedSample>();
  if (!existsSync(file)) return saved;
  let bad = 0;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    try {
      const s = JSON.parse(line) as SavedSample;
      if (typeof s.prompt !== 'string' || !Number.isInteger(s.sample) || typeof s.reasoning !== 'string' || typeof s.content !== 'string') throw new Error('bad sample');
      if (s.model !== model) {
        throw new Error(`${file} holds samples of the teacher "${String(s.model)}", not "${model}": rerun with that teacher, or start over in another run directory`);
      }
      saved.set(key(s.prompt, s.sample), s);
    } catch (err) {
      if (!(err instanceof SyntaxError) && (err as Error).message !== 'bad sample') throw err;
      bad++; // a line cut short by a crash: that sample is asked for again
    }
  }
  if (bad > 0) log(`${file}: ${bad} unreadable line${bad > 1 ? 's' : ''} skipped; those samples are asked for again`);
  return saved;
}

/** Why a sample is not kept, or null when it is a trace to keep (before deduplication). */
async function verdict(d: { task: Task; item: TaskItem }, s: SavedSample): Promise<Exclude<RejectReason, 'duplicate'> | null> {
  // A reply cut at max_tokens (or filtered) is not a finished trace, even when its answer is already written.
  if (s.finishReason === 'length' || s.finishReason === 'content_filter' || s.finishReason === 'tool_calls') return 'truncated';
  if (s.reasoning.trim() === '') return 'noReasoning';
  const text = traceCompletion(s);
  if (!(await d.task.check(d.item, text)).correct) return 'wrong';
  if (!readable(text, d.item.question)) return 'unreadable';
  return null;
}

/**
 * `k` samples per prompt from `source` (sample j with seed + j, one request each), saved to `samplesFile` as they
 * arrive; samples already there are not asked for again. Returns the kept traces in prompt order, and counts.
 */
export async function endpointTraces(
  source: SampleSource,
  draws: readonly { task: Task; item: TaskItem }[],
  opts: { k: number; seed: number; temperature: number; topP: number; maxTokens: number; samplesFile: string; signal?: AbortSignal; log?: (m: string) => void },
): Promise<{ traces: { prompt: string; completion: string }[]; stats: TeacherStats }> {
  const log = opts.log ?? (() => {});
  const prompts = draws.map((d) => d.task.prompt(d.item, 'boxed'));
  const distinct = [...new Set(prompts)];
  const saved = readSaved(opts.samplesFile, source.model, log);
  const resumed = distinct.reduce((a, p) => a + Array.from({ length: opts.k }, (_, j) => saved.has(key(p, j))).filter(Boolean).length, 0);
  if (resumed > 0) log(`teacher: ${resumed} of ${distinct.length * opts.k} samples read back from ${opts.samplesFile}`);
  mkdirSync(dirname(opts.samplesFile), { recursive: true });
  for (let j = 0; j < opts.k; j++) {
    const missing = distinct.filter((p) => !saved.has(key(p, j)));
    if (missing.length === 0) continue;
    await source.complete(missing, {
      n: 1, seed: opts.seed + j, temperature: opts.temperature, topP: opts.topP, maxTokens: opts.maxTokens,
      ...(opts.signal ? { signal: opts.signal } : {}),
      onCompletion: (p: number, _sample: number, c: Completion) => {
        const s: SavedSample = { model: source.model, prompt: missing[p]!, sample: j, reasoning: c.reasoning, content: c.content, finishReason: c.finishReason, usage: c.usage };
        appendFileSync(opts.samplesFile, JSON.stringify(s) + '\n');
        saved.set(key(s.prompt, j), s);
      },
    });
  }
  const stats: TeacherStats = { samples: 0, resumed, kept: 0, rejected: { truncated: 0, noReasoning: 0, wrong: 0, unreadable: 0, duplicate: 0 }, promptTokens: 0, completionTokens: 0 };
  const traces: { prompt: string; completion: string }[] = [];
  const seen = new Set<string>();
  const judged = new Set<string>();
  for (let i = 0; i < draws.length; i++) {
    for (let j = 0; j < opts.k; j++) {
      const s = saved.get(key(prompts[i]!, j))!;
      // A question drawn twice gets one set of samples (same prompt, same seeds), judged once.
      if (judged.has(key(prompts[i]!, j))) continue;
      judged.add(key(prompts[i]!, j));
      stats.samples++;
      stats.promptTokens += s.usage?.promptTokens ?? 0;
      stats.completionTokens += s.usage?.completionTokens ?? 0;
      const why = await verdict(draws[i]!, s);
      const completion = traceCompletion(s);
      if (why === null && seen.has(completion)) stats.rejected.duplicate++;
      else if (why !== null) stats.rejected[why]++;
      else {
        seen.add(completion);
        traces.push({ prompt: prompts[i]!, completion });
      }
    }
  }
  stats.kept = traces.length;
  return { traces, stats };
}

/** The rejection counts in words, for logs and errors. */
export function describeRejections(stats: TeacherStats): string {
  const words: Record<RejectReason, string> = { truncated: 'cut at max_tokens', noReasoning: 'without reasoning', wrong: 'wrong or missing answers', unreadable: 'mixing languages or repeating', duplicate: 'duplicates' };
  const parts = (Object.keys(words) as RejectReason[]).filter((r) => stats.rejected[r] > 0).map((r) => `${stats.rejected[r]} ${words[r]}`);
  return parts.length ? parts.join(', ') : 'none rejected';
}
