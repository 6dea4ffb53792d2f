// src/pipeline/stages.ts — the stages of the R1 story, each reading and writing one run directory:
//   base    pretrain a base from scratch on prose problems (English and Chinese)
//   zero    R1-Zero: GRPO from the base with the Table 1 template, accuracy + format rewards only
//   r1      cold start (rejection-sampled, readable chains of thought) → reasoning RL with the language reward →
//           rejection sampling + SFT → a final RL round
//   distill the R1 model (or an OpenAI-compatible endpoint) writes verified traces; a smaller student is fine-tuned on
//           them, and the same student is trained by RL alone from its own base for comparison
// Trainers resume from their own checkpoints, so an interrupted stage continues where it stopped.

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DecoderWeights, type ChatModel } from '../generate/index.js';
import { EndpointSource, ENDPOINT_DEFAULTS } from '../eval/endpoint.js';
import { loadHfCheckpoint } from '../model/index.js';
import { hasFormat } from '../reward/index.js';
import { getTask } from '../tasks/registry.js';
import { parseInstructionSpec, referenceAnswer } from '../tasks/instructions/index.js';
import type { Task, TaskItem } from '../tasks/types.js';
import { createEngine } from '../tensor/index.js';
import { loadTokenizer, withChatTemplateFile } from '../tokenizer/index.js';
import { initCheckpoint, MetricsStream, parseGrpoConfig, parseSftConfig, rollout, trainGrpo, trainingBackend, trainSft, type GrpoConfigInput, type RolloutPromptStyle, type StepMetrics } from '../train/index.js';
import { Rng } from '../util/rng.js';
import { describeRejections, endpointTraces, readable, withOpenThink, type TeacherStats } from './teacher.js';
import { baseCorpus, interleave, mixDocument, writtenSolution } from './corpus.js';
import type { PipelinePreset } from './presets.js';

export interface StageContext {
  preset: PipelinePreset;
  runDir: string;
  log: (msg: string) => void;
  /** Every trainer's step metrics, tagged with the stage part that produced them. */
  onMetrics?: (part: string, m: StepMetrics, totalSteps: number) => void;
  signal?: AbortSignal;
  /** Checkpoints given in place of a stage's own input (ours or a Hugging Face folder). */
  inputs: { base?: string; zero?: string; r1?: string; studentBase?: string };
  /** An OpenAI-compatible teacher for distillation instead of our R1 model. */
  teacher?: { baseUrl: string; model: string; apiKey?: string };
  /** A Jinja chat template file every stage prompts and trains with instead of each checkpoint's own. */
  chatTemplate?: string;
}

export class StageInterrupted extends Error {}

export const task = (p: PipelinePreset): Task => getTask(p.task as 'arithmetic', { difficulty: p.difficulty });
/** The tasks of the preset's mix (beside the main task), each with its share of RL prompts. */
export const mixTasks = (p: PipelinePreset): { task: Task; share: number; documents: number }[] =>
  p.mix.map((m) => ({ task: getTask(m.task, { difficulty: m.difficulty }), share: m.share, documents: m.documents }));
/** Every RL stage's reasoning prompts: the main task and the mix, by share. */
const rlTasks = (p: PipelinePreset, scale = 1): { name: string; difficulty: string; weight: number }[] => [
  { name: p.task, difficulty: p.difficulty, weight: scale * (1 - p.mix.reduce((a, m) => a + m.share, 0)) },
  ...p.mix.map((m) => ({ name: m.task, difficulty: m.difficulty, weight: scale * m.share })),
];

/** `n` training problems drawn across the main task and the mix by share (the main task takes the remainder). */
export async function mixedItems(p: PipelinePreset, n: number, seed: number): Promise<{ task: Task; item: TaskItem }[]> {
  const parts = mixTasks(p).map((m) => ({ task: m.task, n: Math.round(n * m.share) }));
  const main = task(p);
  const out: { task: Task; item: TaskItem }[] = [];
  for (const part of [{ task: main, n: n - parts.reduce((a, x) => a + x.n, 0) }, ...parts]) {
    if (part.n > 0) for (const item of await part.task.items({ split: 'train', n: part.n, seed })) out.push({ task: part.task, item });
  }
  return out;
}
/** The general-prompt task of the final RL round. */
export const generalTask = (p: PipelinePreset): Task => getTask('instructions', { difficulty: p.r1.general.difficulty });

/** Where each stage leaves its model. */
export function stageModel(ctx: StageContext, which: 'base' | 'zero' | 'zeroLang' | 'r1' | 'r1sft' | 'r1rl1' | 'r1rl1NoLang' | 'studentBase' | 'studentSft' | 'studentRl'): string {
  const i = ctx.inputs;
  switch (which) {
    case 'base': return i.base ?? join(ctx.runDir, 'base', 'run', 'final');
    case 'zero': return i.zero ?? join(ctx.runDir, 'zero', 'run', 'final');
    case 'r1': return i.r1 ?? join(ctx.runDir, 'r1', 'rl2', 'final');
    case 'r1sft': return join(ctx.runDir, 'r1', 'sft', 'final');
    case 'r1rl1': return join(ctx.runDir, 'r1', 'rl1', 'final');
    case 'zeroLang': return join(ctx.runDir, 'zero', 'run-lang', 'final');
    case 'r1rl1NoLang': return join(ctx.runDir, 'r1', 'rl1-nolang', 'final');
    case 'studentBase': return i.studentBase ?? join(ctx.runDir, 'distill', 'student-base', 'run', 'final');
    case 'studentSft': return join(ctx.runDir, 'distill', 'sft', 'final');
    case 'studentRl': return join(ctx.runDir, 'distill', 'rl', 'final');
  }
}

/** Checks that a checkpoint given as a stage's input exists and loads (one clear error otherwise). */
export function requireCheckpoint(dir: string, what: string): void {
  if (!existsSync(join(dir, 'config.json'))) throw new Error(`${what}: ${dir} is not a checkpoint folder (no config.json); run the stage that makes it first, or pass a checkpoint`);
}

async function sft(ctx: StageContext, part: string, model: string, data: string, steps: number, extra: Record<string, unknown>): Promise<string> {
  const out = join(ctx.runDir, part);
  requireCheckpoint(model, part);
  const metrics = new MetricsStream();
  metrics.subscribe((m) => ctx.onMetrics?.(part, m, steps));
  const resume = existsSync(join(out, 'config.json'));
  const res = await trainSft({
    config: parseSftConfig({ out, model, data, steps, seed: ctx.preset.seed, checkpointEvery: Math.max(10, Math.floor(steps / 4)), heldout: 0.05, ...(ctx.chatTemplate ? { chatTemplate: ctx.chatTemplate } : {}), ...extra }, part),
    resume, metrics, log: (m) => ctx.log(`${part}: ${m}`), ...(ctx.signal ? { signal: ctx.signal } : {}),
  });
  if (res.interrupted) throw new StageInterrupted(part);
  return res.modelDir;
}

async function grpo(ctx: StageContext, part: string, cfg: Omit<GrpoConfigInput, 'out' | 'seed'>): Promise<string> {
  const out = join(ctx.runDir, part);
  requireCheckpoint(cfg.model, part);
  const metrics = new MetricsStream();
  metrics.subscribe((m) => ctx.onMetrics?.(part, m, cfg.steps));
  const resume = existsSync(join(out, 'config.json'));
  const res = await trainGrpo({
    config: parseGrpoConfig({ aggregation: ctx.preset.aggregation, ...cfg, ...(ctx.chatTemplate ? { chatTemplate: ctx.chatTemplate } : {}), out, seed: ctx.preset.seed, checkpointEvery: Math.max(5, Math.floor(cfg.steps / 4)), logSamples: 4, evalEvery: Math.max(2, Math.floor(cfg.steps / 6)), evalItems: Math.min(32, ctx.preset.eval.items) }, part),
    resume, metrics, log: (m) => ctx.log(`${part}: ${m}`), ...(ctx.signal ? { signal: ctx.signal } : {}),
  });
  if (res.interrupted) throw new StageInterrupted(part);
  return res.modelDir;
}

/** A checkpoint ready to sample from, prompted with its own chat template or `chatTemplate` (a Jinja file). */
function openModel(dir: string, chatTemplate?: string): ChatModel {
  const model = loadHfCheckpoint(dir, createEngine(trainingBackend())).model;
  const tokenizer = chatTemplate ? withChatTemplateFile(loadTokenizer(dir), chatTemplate) : loadTokenizer(dir);
  return { model, tokenizer, ...(DecoderWeights.supports(model) ? { weights: new DecoderWeights(model) } : {}) };
}

const modelConfig = (p: PipelinePreset, m: PipelinePreset['model']) => ({
  vocabSize: p.vocabSize, hidden: m.hidden, nLayers: m.nLayers, nHeads: m.nHeads, intermediate: m.intermediate, maxSeqLen: p.maxSeqLen,
  tieEmbeddings: true, attention: { kind: 'mha' as const, nKvHeads: m.nKvHeads },
});

/** The base corpus file and an initialised model of the given size (tokenizer trained on the corpus). */
async function pretrainBase(ctx: StageContext, part: string, size: PipelinePreset['model'], steps: number): Promise<string> {
  const p = ctx.preset;
  const dir = join(ctx.runDir, part);
  mkdirSync(dir, { recursive: true });
  const corpusFile = join(ctx.runDir, 'base-corpus.jsonl');
  const t = task(p);
  if (!existsSync(corpusFile)) {
    const items = await t.items({ split: 'train', n: p.base.documents, seed: p.seed });
    const general = p.base.generalShare > 0 ? await getTask('instructions', { difficulty: 'medium' }).items({ split: 'train', n: Math.ceil(p.base.documents * p.base.generalShare), seed: p.seed }) : [];
    const rng = new Rng(p.seed);
    let docs = baseCorpus(items, rng, { zhShare: p.base.zhShare, zhAnsweredInEnglish: p.base.zhAnsweredInEnglish, noteShare: p.base.noteShare, noteSums: p.base.noteSums, notePlain: p.base.notePlain, noteRules: p.base.noteRules, restate: p.base.restate, noteOpeners: p.base.noteOpeners, slip: p.base.slip, workedShare: p.base.workedShare, generalShare: p.base.generalShare }, general);
    // The mix's task families, answered in the same plain prose, at seeded places among the main task's documents.
    for (const m of mixTasks(p)) {
      const mixItemsForCorpus = await m.task.items({ split: 'train', n: m.documents, seed: p.seed });
      docs = interleave(docs, mixItemsForCorpus.map((item) => mixDocument(m.task.name, item, rng.next() < p.base.workedShare, rng)), rng);
    }
    writeFileSync(corpusFile, docs.map((text) => JSON.stringify({ text })).join('\n') + '\n');
  }
  const init = join(dir, 'init');
  if (!existsSync(join(init, 'config.json'))) {
    const docs = readFileSync(corpusFile, 'utf8').split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { text: string }).text);
    // The R1-Zero template is text a base may meet; weighting it in the tokenizer's corpus keeps prompts short.
    const [one] = await t.items({ split: 'train', n: 1, seed: p.seed });
    const template = t.prompt(one!, 'r1-zero');
    initCheckpoint(init, { config: modelConfig(p, size), tokenizer: { corpus: [...docs.slice(0, 4000), ...Array<string>(200).fill(template)], vocabSize: p.vocabSize }, seed: p.seed });
  }
  return sft(ctx, `${part}/run`, init, corpusFile, steps, { batchSize: p.base.batchSize, seqLen: p.base.seqLen, packing: true, optim: { lr: p.base.lr, warmupSteps: Math.min(20, Math.floor(steps / 10)), weightDecay: 0.1 } });
}

export async function stageBase(ctx: StageContext): Promise<void> {
  if (ctx.inputs.base) return requireCheckpoint(ctx.inputs.base, 'base');
  await pretrainBase(ctx, 'base', ctx.preset.model, ctx.preset.base.steps);
}

/**
 * R1-Zero's rule rewards (§2.2.2): accuracy and format. With `zeroAnswer: 'answer-tag'` the answer counts only from
 * the <answer> block ("the model is required to provide the final answer in a specified format"), so prose earns
 * nothing; 'anywhere' also reads a prose "The answer is …".
 */
function zeroRewards(p: PipelinePreset) {
  return [{ name: 'accuracy' as const, weight: 1, ...(p.zeroAnswer === 'answer-tag' ? { requireFormat: 'r1-zero' as const } : {}) }, { name: 'format' as const, weight: 0.5, style: 'r1-zero' as const }];
}

export async function stageZero(ctx: StageContext): Promise<void> {
  const p = ctx.preset;
  if (ctx.inputs.zero) return requireCheckpoint(ctx.inputs.zero, 'zero');
  const zeroRl = (part: string, rewards: readonly { name: 'accuracy' | 'format' | 'language'; weight: number; style?: 'r1-zero'; target?: 'question'; requireFormat?: 'r1-zero' }[]) => grpo(ctx, part, {
    model: stageModel(ctx, 'base'), steps: p.zero.steps, promptsPerStep: p.zero.promptsPerStep, groupSize: p.zero.groupSize, maxNewTokens: p.maxNewTokens,
    promptStyle: p.zeroPrompt, tasks: rlTasks(p), rewards: [...rewards], beta: 0.04, optim: { lr: p.zero.lr, warmupSteps: 5 },
  });
  await zeroRl('zero/run', zeroRewards(p));
  // The language reward's ablation where the mixing arises: the same RL with eq. 7's reward added.
  if (p.r1.languageAblation === 'zero') await zeroRl('zero/run-lang', [...zeroRewards(p), { name: 'language', weight: p.r1.languageWeight, target: 'question' }]);
}

/**
 * A readable R1 record from an R1-Zero sample: its reasoning, then a summary with the boxed answer (§2.3.1). A sample
 * that answered in prose without the tags (`answer` = the answer its checker extracted) is kept whole as the reasoning.
 */
export function readableFromZero(completion: string, extracted?: string | null): { reasoning: string; answer: string } | null {
  const m = /<think>([\s\S]*?)<\/think>\s*<answer>([\s\S]*?)<\/answer>/.exec(completion);
  if (!m) return extracted && !/<\/?(think|answer)>/.test(completion) && completion.trim() ? { reasoning: completion.trim(), answer: extracted } : null;
  const reasoning = m[1]!.trim(), answer = m[2]!.trim();
  return reasoning && answer ? { reasoning, answer } : null;
}

/** Keeps what DeepSeek-R1 §2.3 keeps: correct, well formatted, one language, no heavy repetition; deduplicated. */
export async function rejectionSample(cm: ChatModel, draws: readonly { task: Task; item: TaskItem }[], opts: { k: number; style: RolloutPromptStyle; maxNewTokens: number; seed: number; requireFormat?: boolean }): Promise<{ task: Task; item: TaskItem; completion: string; answer: string | null; opensThinking: boolean }[]> {
  const ro = rollout(cm, draws, { groupSize: opts.k, maxNewTokens: opts.maxNewTokens, temperature: 1, topP: 1, style: opts.style, seed: opts.seed });
  const seen = new Set<string>();
  const kept: { task: Task; item: TaskItem; completion: string; answer: string | null; opensThinking: boolean }[] = [];
  for (const s of ro.samples) {
    if (s.truncated || seen.has(s.text)) continue;
    const verdict = await s.draw.task.check(s.draw.item, s.text);
    if (!verdict.correct) continue;
    if (opts.requireFormat !== false && !hasFormat(opts.style === 'chat' ? 'r1-chat' : 'r1-zero', s.promptText, s.text, s.opensThinking)) continue;
    if (!readable(s.text, s.draw.item.question)) continue;
    seen.add(s.text);
    kept.push({ task: s.draw.task, item: s.draw.item, completion: s.text, answer: verdict.extracted, opensThinking: s.opensThinking });
  }
  return kept;
}

/**
 * Keeps each task family of the mix at its share of the rejection-sampled set: a family the RL model solves less often,
 * or answers the same way in every sample (duplicates are dropped), falls below it, and is topped up from fresh
 * samples of that family (`more`, up to `rounds` rounds; completions already kept are skipped). Shares are of the set
 * as first sampled. Appends to `kept` in place and returns it.
 */
export async function topUpFamilies<K extends { task: { name: string }; completion: string }>(kept: K[], families: readonly { name: string; share: number }[], more: (family: string, round: number) => Promise<K[]>, rounds = 3): Promise<K[]> {
  const total = kept.length;
  const count = (name: string): number => kept.filter((k) => k.task.name === name).length;
  for (const f of families) {
    const want = Math.round(f.share * total);
    for (let round = 1; round <= rounds && count(f.name) < want; round++) {
      const have = new Set(kept.map((k) => k.completion));
      const fresh: K[] = [];
      for (const k of await more(f.name, round)) {
        if (k.task.name !== f.name || have.has(k.completion)) continue;
        have.add(k.completion);
        fresh.push(k);
      }
      kept.push(...fresh.slice(0, want - count(f.name)));
    }
  }
  return kept;
}

function writeJsonl(file: string, rows: readonly unknown[]): void {
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, rows.map((r) => JSON.stringify(r)).join('\n') + (rows.length ? '\n' : ''));
}

/** A general request answered plainly in the R1 chat format: a one-line thought, then the answer. */
export function generalRecord(t: Task, item: TaskItem, rng: Rng): { prompt: string; completion: string } {
  const answer = referenceAnswer(parseInstructionSpec(item.gold, item.id), rng);
  return { prompt: t.prompt(item, 'boxed'), completion: `A short, direct answer is enough here.</think>\n\n${answer}` };
}

export const chatRecord = (t: Task, item: TaskItem, reasoning: string, answer: string): { prompt: string; completion: string } => ({
  prompt: t.prompt(item, 'boxed'),
  // A program is summarized in a python block (the functions task's boxed-style prompt asks for one), anything else boxed.
  completion: /^def \w+\(/.test(answer) ? `${reasoning}</think>\n\n\`\`\`python\n${answer}\n\`\`\`` : `${reasoning}</think>\n\nThe answer is \\boxed{${answer}}.`,
});

export async function stageR1(ctx: StageContext): Promise<void> {
  const p = ctx.preset;
  if (ctx.inputs.r1) return requireCheckpoint(ctx.inputs.r1, 'r1');
  const t = task(p);
  const dir = join(ctx.runDir, 'r1');
  // 1. Cold start: rejection-sample the zero model, rewrite each kept sample readably (reasoning, then a summary).
  const coldFile = join(dir, 'cold-start.jsonl');
  if (!existsSync(coldFile)) {
    mkdirSync(dir, { recursive: true });
    const draws = await mixedItems(p, p.r1.rejectPrompts, p.seed + 11);
    const kept = await rejectionSample(openModel(stageModel(ctx, 'zero'), ctx.chatTemplate), draws, { k: p.r1.rejectK, style: p.zeroPrompt, maxNewTokens: p.maxNewTokens, seed: p.seed + 11, requireFormat: false });
    // Correct, one-language, unrepetitive samples, tagged or not: a tagged one gives its reasoning and answer, a prose one
    // is kept whole as the reasoning (the paper's annotators rewrote R1-Zero outputs readably; here the format does).
    const rows = kept.map((k) => ({ k, r: readableFromZero(k.opensThinking ? `<think>${k.completion}` : k.completion, k.answer) })).filter((x) => x.r).map(({ k, r }) => chatRecord(k.task, k.item, r!.reasoning, r!.answer));
    // Readable solutions written in each question's language join them (the paper's people-written examples).
    const rng = new Rng(p.seed + 12);
    const written = (await mixedItems(p, p.r1.coldStartWritten, p.seed + 12)).map((d) => ({ d, w: writtenSolution(d.task.name, d.item, rng, p.base.restate) })).filter((x) => x.w).map(({ d, w }) => chatRecord(d.task, d.item, w!.reasoning, w!.answer));
    const records = [...rows, ...written];
    if (records.length === 0) ctx.log('r1: no zero-model sample passed the cold-start filters; the cold start uses bare results instead');
    const source = records.length === 0 ? 'bare results (no R1-Zero sample passed the filters)' : `${rows.length} rejection-sampled R1-Zero outputs${written.length ? ` and ${written.length} solutions written in the question's language` : ''}`;
    writeFileSync(join(dir, 'cold-start-source.json'), JSON.stringify({ source, records: records.length || 32, sampled: rows.length, written: written.length }) + '\n');
    const fallback = records.length > 0 ? records : (await t.items({ split: 'train', n: 32, seed: p.seed + 12 })).map((item) => chatRecord(t, item, `${String(item.meta?.['expression'])} = ${item.gold}`, item.gold));
    // Shuffled, so that every batch of the SFT sees both sources.
    writeJsonl(coldFile, new Rng(p.seed + 16).shuffle([...fallback]));
  }
  const sftStart = stageModel(ctx, p.r1.sftFrom);
  const cold = await sft(ctx, 'r1/cold', sftStart, coldFile, p.r1.coldStartSteps, { batchSize: 8, format: 'chat', optim: { lr: p.r1.coldStartLr, warmupSteps: 5 } });
  // 2. Reasoning RL with the language-consistency reward added (§2.3.2): the share of the reasoning's words in the
  //    language the question is asked in.
  const accFormat = [{ name: 'accuracy' as const, weight: 1 }, { name: 'format' as const, weight: 0.5, style: 'r1-chat' as const }];
  const rlRewards = [...accFormat, { name: 'language' as const, weight: p.r1.languageWeight, target: 'question' as const }];
  const reasoningRl = (part: string, rewards: typeof rlRewards | typeof accFormat) => grpo(ctx, part, {
    model: cold, steps: p.r1.reasoningRl.steps, promptsPerStep: p.r1.reasoningRl.promptsPerStep, groupSize: p.r1.reasoningRl.groupSize, maxNewTokens: p.maxNewTokens,
    promptStyle: 'chat', tasks: rlTasks(p), rewards, beta: 0.04, optim: { lr: p.r1.reasoningRl.lr, warmupSteps: 3 },
  });
  const rl1 = await reasoningRl('r1/rl1', rlRewards);
  // The paper's ablation (§2.3.2): the same RL without the language reward, to measure what the reward changes.
  if (p.r1.languageAblation === 'r1') await reasoningRl('r1/rl1-nolang', accFormat);
  // 3. Rejection sampling from the RL model + SFT of the base on what is kept (§2.3.3), together with the curated
  //    cold-start records: the RL model's kept samples are checked by their final answer only, and some reach it
  //    through a wrong step ("-1 + 8 = 8 … the answer is 7"); trained on those alone, this miniature lost most of what
  //    RL had won (held-out arithmetic 69.8% after RL, 38.4% after this SFT; 66.4% with the cold-start records too).
  const rejFile = join(dir, 'rejection.jsonl');
  if (!existsSync(rejFile)) {
    const rlModel = openModel(rl1, ctx.chatTemplate);
    const opts = { k: p.r1.rejectK, style: 'chat' as const, maxNewTokens: p.maxNewTokens, seed: p.seed + 13 };
    const kept = await rejectionSample(rlModel, await mixedItems(p, p.r1.rejectPrompts, p.seed + 13), opts);
    const mix = mixTasks(p);
    await topUpFamilies(kept, mix.map((m) => ({ name: m.task.name, share: m.share })), async (name, round) => {
      const m = mix.find((x) => x.task.name === name)!;
      const items = await m.task.items({ split: 'train', n: Math.round(m.share * p.r1.rejectPrompts), seed: p.seed + 13 + 100 * round });
      return rejectionSample(rlModel, items.map((item) => ({ task: m.task, item })), { ...opts, seed: opts.seed + round });
    });
    const cold = readFileSync(coldFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { prompt: string; completion: string });
    const reasoning = [...kept.map((k) => ({ prompt: k.task.prompt(k.item, 'boxed'), completion: k.completion })), ...cold];
    // Non-reasoning data (the paper reuses DeepSeek-V3's SFT data): general requests answered plainly after a one-line thought.
    const g = generalTask(p);
    const answers = new Rng(p.seed + 14);
    const general = (await g.items({ split: 'train', n: p.r1.general.sftExamples, seed: p.seed + 14 })).map((item) => generalRecord(g, item, answers));
    writeJsonl(rejFile, [...reasoning, ...general]);
  }
  const sftModel = await sft(ctx, 'r1/sft', sftStart, rejFile, p.r1.sftSteps, { batchSize: 8, format: 'chat', optim: { lr: p.r1.sftLr, warmupSteps: 5 } });
  // 4. The final all-scenario RL round: reasoning prompts with rule rewards, plus general prompts whose instructions
  //    rules check (standing in for the paper's helpfulness/harmlessness reward models; the report says so).
  const share = p.r1.general.share;
  await grpo(ctx, 'r1/rl2', {
    model: sftModel, steps: p.r1.finalRl.steps, promptsPerStep: p.r1.finalRl.promptsPerStep, groupSize: p.r1.finalRl.groupSize, maxNewTokens: p.maxNewTokens,
    promptStyle: 'chat', rewards: rlRewards, beta: 0.04, optim: { lr: p.r1.finalRl.lr, warmupSteps: 2 },
    tasks: [...rlTasks(p, 1 - share), ...(share > 0 ? [{ name: 'instructions', difficulty: p.r1.general.difficulty, weight: share }] : [])],
  });
}

/** Verified reasoning traces from our R1 model, rejection-sampled. */
async function localTeacherTraces(ctx: StageContext, draws: readonly { task: Task; item: TaskItem }[]): Promise<{ prompt: string; completion: string }[]> {
  const p = ctx.preset;
  requireCheckpoint(stageModel(ctx, 'r1'), 'distill: the teacher (the R1 model; or --teacher-endpoint)');
  const kept = await rejectionSample(openModel(stageModel(ctx, 'r1'), ctx.chatTemplate), draws, { k: p.distill.k, style: 'chat', maxNewTokens: p.maxNewTokens, seed: p.seed + 21 });
  // A sample that began inside the reasoning block (the teacher's template opened it) gets its opening tag back, so
  // that a student whose template does not open the block trains balanced tags; one that does drops it again.
  return kept.map((k) => ({ prompt: k.task.prompt(k.item, 'boxed'), completion: withOpenThink(k.completion, k.opensThinking) }));
}

export async function stageDistill(ctx: StageContext): Promise<void> {
  const p = ctx.preset;
  const t = task(p);
  const tracesFile = join(ctx.runDir, 'distill', 'traces.jsonl');
  const sourceFile = join(ctx.runDir, 'distill', 'traces-source.json');
  // Who writes the traces: a rerun must not train on another teacher's traces without saying so.
  const teacherName = ctx.teacher ? `endpoint ${ctx.teacher.model}` : 'our R1 model';
  if (existsSync(tracesFile) && existsSync(sourceFile)) {
    const before = (JSON.parse(readFileSync(sourceFile, 'utf8')) as { teacher?: unknown; teacherName?: string }).teacherName;
    if (before !== undefined && before !== teacherName) throw new Error(`distill: ${tracesFile} holds traces of ${before}, not of ${teacherName}: rerun with that teacher, or start over in another run directory`);
  }
  if (!existsSync(tracesFile)) {
    const draws = await mixedItems(p, p.distill.prompts, p.seed + 21);
    let traces: { prompt: string; completion: string }[];
    let source = teacherName;
    let teacherStats: TeacherStats | null = null;
    if (ctx.teacher) {
      const src = new EndpointSource({ ...ENDPOINT_DEFAULTS, baseUrl: ctx.teacher.baseUrl, model: ctx.teacher.model, ...(ctx.teacher.apiKey ? { apiKey: ctx.teacher.apiKey } : {}) });
      const samplesFile = join(ctx.runDir, 'distill', 'teacher-samples.jsonl');
      try {
        ({ traces, stats: teacherStats } = await endpointTraces(src, draws, { k: p.distill.k, seed: p.seed, temperature: 0.6, topP: 0.95, maxTokens: 4096, samplesFile, log: ctx.log, ...(ctx.signal ? { signal: ctx.signal } : {}) }));
      } catch (err) {
        if (ctx.signal?.aborted) throw new StageInterrupted('distill/teacher');
        throw new Error(`distill: the teacher ${source} failed: ${(err as Error).message}${existsSync(samplesFile) ? ` (the samples it sent are kept in ${samplesFile}; rerun to ask only for the rest)` : ''}`);
      }
      ctx.log(`distill: the teacher kept ${teacherStats.kept} of ${teacherStats.samples} samples (${describeRejections(teacherStats)}); ${Math.round(teacherStats.promptTokens)} prompt and ${Math.round(teacherStats.completionTokens)} completion tokens`);
      // A chosen teacher that passes nothing is a setup problem (model, prompt, limits): stop rather than train the
      // student on something else. Its samples stay saved, so a rerun with other filters costs no new requests.
      if (traces.length === 0) throw new Error(`distill: the teacher ${source} produced no trace that passed the filters for ${draws.length} prompts (${teacherStats.samples} samples: ${describeRejections(teacherStats)}); nothing to fine-tune the student on`);
    } else traces = await localTeacherTraces(ctx, draws);
    if (traces.length === 0) {
      // At the smallest budgets the teacher may solve nothing; the comparison still runs, on worked answers, and
      // the report says so.
      ctx.log(`distill: the teacher (${source}) produced no verified trace for ${draws.length} prompts; the student is fine-tuned on worked answers instead`);
      source = 'worked answers (the teacher had no verified trace)';
      traces = (await t.items({ split: 'train', n: p.distill.prompts, seed: p.seed + 21 })).map((item) => chatRecord(t, item, `${String(item.meta?.['expression'])} = ${item.gold}`, item.gold)).map((r) => ({ ...r, completion: withOpenThink(r.completion, true) }));
    }
    writeJsonl(tracesFile, traces);
    writeFileSync(sourceFile, JSON.stringify({ source, teacherName, traces: traces.length, prompts: draws.length, ...(teacherStats ? { teacher: teacherStats } : {}) }) + '\n');
  }
  // The student's own base: pretrained on the same corpus and budget-scaled (a smaller model).
  if (!ctx.inputs.studentBase) await pretrainBase(ctx, 'distill/student-base', p.student, p.distill.studentBaseSteps);
  const studentBase = ctx.inputs.studentBase ?? join(ctx.runDir, 'distill', 'student-base', 'run', 'final');
  // A trace longer than the student's context is left out: cut, it would teach a reply that never ends.
  await sft(ctx, 'distill/sft', studentBase, tracesFile, p.distill.sftSteps, { batchSize: 8, format: 'chat', longExamples: 'drop', optim: { lr: 1e-3, warmupSteps: 5 } });
  // RL alone on the same student, R1-Zero style from its base (the paper's Qwen-32B-Zero comparison).
  await grpo(ctx, 'distill/rl', {
    model: studentBase, steps: p.distill.rl.steps, promptsPerStep: p.distill.rl.promptsPerStep, groupSize: p.distill.rl.groupSize, maxNewTokens: p.maxNewTokens,
    promptStyle: p.zeroPrompt, tasks: rlTasks(p), rewards: zeroRewards(p), beta: 0.04, optim: { lr: p.distill.rl.lr, warmupSteps: 3 },
  });
}

export { openModel };
