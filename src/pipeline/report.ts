// src/pipeline/report.ts — the run's report: one self-contained HTML file (inline SVG charts) and the same tables
// as markdown beside it. Reward and response length over RL steps (DeepSeek-R1 Figures 1–2 in miniature), held-out
// accuracy during training, pass@1 / cons@k before and after, distillation against RL alone, language mixing,
// reflective words over RL steps, sample completions, parameter counts and a cost table in the style of Table 7.

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { countFormula, parseModelConfig } from '../model/index.js';
import { htmlPage, htmlTable, lineChart, markdownTable, type Section, type Series, type Table } from '../report/index.js';
import { reflectiveRate } from './evaluate.js';
import type { PipelinePreset } from './presets.js';
import { EVALUATED, GENERAL_EVALUATED, readStages, STAGES, type EvalRecord } from './run.js';
import { describeRejections, type TeacherStats } from './teacher.js';

type Metric = Record<string, number | null>;

function jsonl<T>(file: string): T[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as T);
}

const pct = (x: number | null | undefined): string | null => (x === null || x === undefined ? null : `${(100 * x).toFixed(1)}%`);

/** The language reward's ablation runs (one of them, as the preset says). */
const ABLATIONS: readonly string[] = ['zeroLang', 'r1rl1NoLang'];

/** RL parts whose curves are drawn, in order. */
const RL_PARTS = [
  ['zero/run', 'R1-Zero'],
  ['zero/run-lang', 'R1-Zero + language reward'],
  ['r1/rl1', 'R1 reasoning RL'],
  ['r1/rl2', 'R1 final RL'],
  ['distill/rl', 'student RL'],
] as const;

function series(runDir: string, key: string, smooth = 5): Series[] {
  return RL_PARTS.map(([part, name]) => {
    const m = jsonl<Metric>(join(runDir, part, 'metrics.jsonl'));
    const pts: [number, number][] = m.map((x, i) => {
      const win = m.slice(Math.max(0, i - smooth + 1), i + 1).map((y) => y[key]).filter((v): v is number => typeof v === 'number');
      return [x.step as number, win.length ? win.reduce((a, b) => a + b, 0) / win.length : NaN];
    });
    return { name, points: pts };
  }).filter((s) => s.points.length > 0);
}

export interface ReportFiles {
  html: string;
  markdown: string;
  /** The summary table, for the terminal. */
  summary: string;
}

/** What the base corpus held beside the problems, as the run's preset says (older run directories lack the newer keys). */
function corpusNote(preset: PipelinePreset): string {
  const b = preset.base as Partial<PipelinePreset['base']>;
  const kinds = ['facts', `counts${b.notePlain !== undefined && b.noteSums ? ' and temperatures' : ''}`, ...(b.noteRules ? ['which sign turns two numbers into a third'] : [])];
  const tagged = (b.notePlain ?? 0) > 0 ? `${Math.round(100 * (1 - b.notePlain!))}% of them marked up with <think>/<answer> tags and the rest written in prose` : 'marked up with <think>/<answer> tags';
  return `The base corpus writes problems in plain prose (English and Chinese). Beside them are everyday notes (${kinds.join(', ')}), ${tagged}, so that a model this small can produce the tags at all; no task problem ever appears in that format.`;
}

/** Builds report.html and report.md in the run directory from what the stages left there. */
export function writeReport(runDir: string): ReportFiles {
  if (!existsSync(runDir)) throw new Error(`${runDir}: no such directory`);
  if (!existsSync(join(runDir, 'preset.json'))) {
    if (existsSync(join(runDir, 'run.json')) && existsSync(join(runDir, 'samples.jsonl'))) {
      throw new Error(`${runDir}: an r1 eval output directory, not a pipeline run directory (no preset.json): its report is summary.md and summary.html, which rerunning the same r1 eval command rewrites from samples.jsonl without sampling again`);
    }
    throw new Error(`${runDir}: not a pipeline run directory (no preset.json)`);
  }
  const preset = JSON.parse(readFileSync(join(runDir, 'preset.json'), 'utf8')) as PipelinePreset;
  const evals = existsSync(join(runDir, 'eval.json')) ? (JSON.parse(readFileSync(join(runDir, 'eval.json'), 'utf8')) as EvalRecord[]) : [];
  const stages = readStages(runDir);
  const k = preset.eval.k;
  // The main task's records (general prompts have their own model keys); the mix's families are tabled apart.
  const byKey = (key: string, taskName = preset.task): EvalRecord | undefined => evals.find((e) => e.model === key && (e.task === taskName || key.startsWith('general:')));
  const mix = preset.mix ?? [];

  const results: Table = {
    caption: `Held-out ${preset.task} (${preset.difficulty}), ${byKey('base')?.items ?? byKey('zero')?.items ?? preset.eval.items} distinct problems, k = ${k} samples at T 0.6 / top-p 0.95`,
    head: ['model', 'pass@1 lenient', 'pass@1 strict', `cons@${k}`, 'format', 'mean length', 'language mixing', 'reflective words / 1k'],
    rows: EVALUATED.filter((m) => byKey(m.key) || !ABLATIONS.includes(m.key)).map((m) => {
      const e = byKey(m.key);
      return [m.label, pct(e?.pass1Lenient), pct(e?.pass1Strict), pct(e?.consK), pct(e?.formatRate), e ? e.lengthMean.toFixed(1) : null, pct(e?.mixRate), e ? e.reflectivePer1k.toFixed(1) : null];
    }),
  };
  const perTask: Table = {
    caption: `Held-out pass@1 (lenient / strict) and cons@${k} per task family: the main task and the RL mix (${[`${preset.task} ${Math.round(100 * (1 - mix.reduce((a, m) => a + m.share, 0)))}%`, ...mix.map((m) => `${m.task} ${Math.round(100 * m.share)}%`)].join(', ')} of RL prompts)`,
    head: ['model', ...[preset.task, ...mix.map((m) => m.task)].flatMap((t) => [`${t} pass@1`, `${t} cons@${k}`])],
    rows: EVALUATED.filter((m) => byKey(m.key) || !ABLATIONS.includes(m.key)).map((m) => [m.label, ...[preset.task, ...mix.map((x) => x.task)].flatMap((t) => {
      const e = byKey(m.key, t);
      return [e ? `${pct(e.pass1Lenient)} / ${pct(e.pass1Strict)}` : null, pct(e?.consK)];
    })]),
  };
  const base = byKey('base'), zero = byKey('zero'), r1 = byKey('r1'), sSft = byKey('studentSft'), sRl = byKey('studentRl');
  const noLang = byKey('r1rl1NoLang'), withLang = byKey('r1rl1'), zeroLang = byKey('zeroLang');
  const zeroM = jsonl<Metric>(join(runDir, 'zero/run', 'metrics.jsonl'));
  const lenFirst = zeroM.slice(0, 5).map((m) => m.lengthMean as number), lenLast = zeroM.slice(-5).map((m) => m.lengthMean as number);
  const avg = (xs: number[]): number => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);
  const findings: Table = {
    caption: 'The paper\'s findings, in miniature',
    head: ['finding', 'measured', 'target'],
    rows: [
      ['pass@1 gain from the base (lenient) → R1-Zero lenient / strict, → R1 strict', base && zero ? `${pct(base.pass1Lenient)} → ${pct(zero.pass1Lenient)} / ${pct(zero.pass1Strict)}${r1 ? `, → ${pct(r1.pass1Strict)}` : ''}` : null, '≥ +30 points'],
      [`cons@${k} above pass@1 (R1-Zero)`, zero ? `${pct(zero.consK)} vs ${pct(zero.pass1Lenient)}` : null, 'cons > pass@1'],
      ['response length over R1-Zero RL (first 5 → last 5 steps)', zeroM.length ? `${avg(lenFirst).toFixed(1)} → ${avg(lenLast).toFixed(1)} tokens (${(avg(lenLast) / avg(lenFirst)).toFixed(2)}x)` : null, '≥ 1.5x'],
      ['distilled student vs RL-only student (strict pass@1)', sSft && sRl ? `${pct(sSft.pass1Strict)} vs ${pct(sRl.pass1Strict)}` : null, 'distilled wins'],
      ['language mixing R1-Zero → R1 (language reward)', zero && r1 ? `${pct(zero.mixRate)} → ${pct(r1.mixRate)}, accuracy ${pct(zero.pass1Lenient)} → ${pct(r1.pass1Lenient)}` : null, 'lower, accuracy within 2 points'],
      zeroLang
        ? ['language reward ablation: R1-Zero RL without → with it', zero ? `mixing ${pct(zero.mixRate)} → ${pct(zeroLang.mixRate)}, accuracy ${pct(zero.pass1Lenient)} → ${pct(zeroLang.pass1Lenient)}` : null, 'lower, accuracy within 2 points']
        : ['language reward ablation: reasoning RL without → with it', noLang && withLang ? `mixing ${pct(noLang.mixRate)} → ${pct(withLang.mixRate)}, accuracy ${pct(noLang.pass1Strict)} → ${pct(withLang.pass1Strict)}` : null, 'lower, accuracy within 2 points'],
    ],
  };
  const general: Table = {
    caption: `General prompts (held-out everyday requests, ${preset.r1.general.difficulty}; instructions checked by rules), R1 before and after the final RL round`,
    head: ['model', 'instructions followed', 'format', 'mean length'],
    rows: GENERAL_EVALUATED.map((m) => {
      const e = byKey(m.key);
      return [m.label, pct(e?.pass1Strict), pct(e?.formatRate), e ? e.lengthMean.toFixed(1) : null];
    }),
  };
  const cost: Table = {
    caption: `Cost (DeepSeek-R1 Table 7 style) at $${preset.dollarsPerCoreHour} per core-hour`,
    head: ['stage', 'wall s', 'CPU s', 'cost $'],
    rows: [
      ...STAGES.map((s): (string | number | null)[] => {
        const r = stages[s];
        return [s, r ? r.wallSeconds.toFixed(1) : null, r ? r.cpuSeconds.toFixed(1) : null, r ? ((r.cpuSeconds / 3600) * preset.dollarsPerCoreHour).toFixed(5) : null];
      }),
      ['total', Object.values(stages).reduce((a, r) => a + (r?.wallSeconds ?? 0), 0).toFixed(1), Object.values(stages).reduce((a, r) => a + (r?.cpuSeconds ?? 0), 0).toFixed(1), ((Object.values(stages).reduce((a, r) => a + (r?.cpuSeconds ?? 0), 0) / 3600) * preset.dollarsPerCoreHour).toFixed(5)],
    ],
  };
  const params = (m: PipelinePreset['model']): number => countFormula(parseModelConfig({ vocabSize: preset.vocabSize, hidden: m.hidden, nLayers: m.nLayers, nHeads: m.nHeads, intermediate: m.intermediate, maxSeqLen: preset.maxSeqLen, tieEmbeddings: true, attention: { kind: 'mha', nKvHeads: m.nKvHeads } })).total;
  const sizes: Table = { caption: 'Models', head: ['model', 'parameters', 'hidden × layers'], rows: [['main (base, R1-Zero, R1)', params(preset.model).toLocaleString('en-US'), `${preset.model.hidden} × ${preset.model.nLayers}`], ['student', params(preset.student).toLocaleString('en-US'), `${preset.student.hidden} × ${preset.student.nLayers}`]] };

  // Reflective words per step of R1-Zero RL, from the logged samples.
  const samples = jsonl<{ step: number; completion: string; reward: number }>(join(runDir, 'zero/run', 'samples.jsonl'));
  const bySteps = new Map<number, string[]>();
  for (const s of samples) bySteps.set(s.step, [...(bySteps.get(s.step) ?? []), s.completion]);
  const reflect: Series = { name: 'R1-Zero', points: [...bySteps].map(([st, texts]) => [st, reflectiveRate(texts)] as [number, number]) };
  const aha = samples.find((s) => s.reward > 0 && /\b(wait|check|verify|mistake|again)\b|等等|检查/i.test(s.completion));

  const charts = [
    lineChart(series(runDir, 'reward'), { title: 'Mean reward over RL steps', xLabel: 'step', yLabel: 'reward' }),
    lineChart(series(runDir, 'lengthMean'), { title: 'Mean response length over RL steps', xLabel: 'step', yLabel: 'tokens' }),
    lineChart(series(runDir, 'accuracy'), { title: 'Training accuracy over RL steps', xLabel: 'step', yLabel: 'accuracy', yDomain: [0, 1] }),
    lineChart(RL_PARTS.map(([part, name]) => ({ name, points: jsonl<Metric>(join(runDir, part, 'metrics.jsonl')).filter((m) => typeof m.heldoutAccuracy === 'number').map((m) => [m.step as number, m.heldoutAccuracy as number] as [number, number]) })).filter((s) => s.points.length), { title: 'Held-out accuracy during RL', xLabel: 'step', yLabel: 'pass@1', yDomain: [0, 1] }),
    lineChart([reflect], { title: 'Reflective words per 1k words (R1-Zero samples)', xLabel: 'step', yLabel: 'per 1k words' }),
  ];
  const example = (e: EvalRecord | undefined): string => (e ? e.examples.map((x) => `Q: ${x.question}\ngold ${x.gold} — ${x.correct ? 'correct' : 'wrong'}\n${x.completion}`).join('\n\n') : '(not evaluated)');
  const source = (f: string): string | null => (existsSync(join(runDir, f)) ? (JSON.parse(readFileSync(join(runDir, f), 'utf8')) as { source: string }).source : null);
  const coldSource = source('r1/cold-start-source.json'), traceSource = source('distill/traces-source.json');
  const teacher = existsSync(join(runDir, 'distill/traces-source.json')) ? (JSON.parse(readFileSync(join(runDir, 'distill/traces-source.json'), 'utf8')) as { teacher?: TeacherStats }).teacher : undefined;
  const teacherNote = teacher ? ` The teacher's ${teacher.samples} samples (${Math.round(teacher.promptTokens).toLocaleString('en-US')} prompt and ${Math.round(teacher.completionTokens).toLocaleString('en-US')} completion tokens) kept ${teacher.kept}; dropped: ${describeRejections(teacher)}.` : '';
  const notes = [
    ...(coldSource ? [`R1 cold-start data: ${coldSource}.${/written/.test(coldSource) ? ' The written solutions are worked from each problem\'s own structure, standing in for the cold-start examples the paper\'s people wrote and post-processed (§2.3.1).' : ''}`] : []),
    ...(mix.length ? ['The SFT round keeps each task family at its share of the mix: a family below it (solved less often, or answered the same way in every sample, which deduplication drops) is topped up from fresh prompts of that family.'] : []),
    ...(preset.r1.languageAblation === 'zero' ? ['The language reward\'s ablation runs R1-Zero\'s RL a second time with the reward added, where this miniature\'s language mixing arises; R1\'s cold start, filtered for one language, leaves its reasoning RL little to remove.'] : []),
    ...(traceSource ? [`Distillation traces: ${traceSource}.${teacherNote}`] : []),
    'Everything here is a miniature: models of a few hundred thousand to a million parameters, trained from scratch for minutes on a CPU. The numbers show the direction of each effect the paper reports, or its absence, honestly measured on held-out problems that training never saw.',
    ...(mix.length ? [`Every RL stage draws ${mix.map((m) => `${m.task} (${m.difficulty})`).join(', ')} beside ${preset.task} by the shares above (the paper mixed math, code, STEM and logic prompts); the base corpus answers ${mix.map((m) => `${m.documents.toLocaleString('en-US')} ${m.task} problems`).join(', ')} in the same plain prose, and the cold start, the SFT round and distillation rejection-sample every family.`] : []),
    corpusNote(preset),
    `The final all-scenario RL round mixes reasoning prompts with general requests (${Math.round(100 * preset.r1.general.share)}% of prompts) whose instructions — answer language, word limits, required or forbidden words, item counts — are checked by rules: they stand in for the paper's helpfulness and harmlessness reward models, which this miniature does not have. The SFT round before it adds ${preset.r1.general.sftExamples} plainly answered requests, standing in for the non-reasoning data the paper reuses from DeepSeek-V3.`,
    'Lenient scoring finds the final answer anywhere in the output (format ignored); strict scoring also requires the format the model was trained for (R1-Zero tags or R1\'s reasoning-then-summary).',
    `Language mixing counts completions whose reasoning is not all in the language the question is asked in (${Math.round(100 * (Number(/zh=([\d.]+)/.exec(preset.difficulty)?.[1] ?? 0)))}% of the questions are in Chinese): reasoning that mixes English and Chinese, or reasons in the other language. Reasoning with no words at all (bare arithmetic) does not count. The language reward is the share of the reasoning's words in the question's language (DeepSeek-R1 eq. 7).`,
  ];
  const sections: Section[] = [
    { title: 'Results', blocks: [{ kind: 'html', html: htmlTable(results) }, { kind: 'html', html: htmlTable(perTask) }, { kind: 'html', html: htmlTable(findings) }, { kind: 'html', html: htmlTable(general) }] },
    { title: 'Training curves', blocks: charts.map((html) => ({ kind: 'html' as const, html })) },
    { title: 'Samples before and after RL', blocks: [{ kind: 'text', text: 'Base model:' }, { kind: 'pre', text: example(base) }, { kind: 'text', text: 'R1-Zero:' }, { kind: 'pre', text: example(zero) }, { kind: 'text', text: 'R1:' }, { kind: 'pre', text: example(r1) }, { kind: 'text', text: aha ? `A rewarded R1-Zero sample with a reflective word (step ${aha.step}):` : 'No rewarded R1-Zero sample with a reflective word was logged ("aha" moments did not occur at this scale).' }, ...(aha ? [{ kind: 'pre' as const, text: aha.completion }] : [])] },
    { title: 'Models and cost', blocks: [{ kind: 'html', html: htmlTable(sizes) }, { kind: 'html', html: htmlTable(cost) }] },
    { title: 'Notes', blocks: notes.map((text) => ({ kind: 'text' as const, text })) },
  ];
  const title = `r1ts — the R1 story in miniature (preset ${preset.name})`;
  const html = join(runDir, 'report.html');
  writeFileSync(html, htmlPage(title, sections));
  const md = [`# ${title}`, markdownTable(results), markdownTable(perTask), markdownTable(findings), markdownTable(general), markdownTable(sizes), markdownTable(cost), '## Notes', ...notes.map((n) => `- ${n}`)].join('\n\n') + '\n';
  const markdown = join(runDir, 'report.md');
  writeFileSync(markdown, md);
  return { html, markdown, summary: markdownTable(results) + '\n\n' + (mix.length ? markdownTable(perTask) + '\n\n' : '') + markdownTable(findings) };
}
