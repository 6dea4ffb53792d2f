// src/eval/report.ts — render an EvalSummary: a markdown table (for the terminal and READMEs) and a
// self-contained HTML <section> (inline styles and SVG, no scripts) for the HTML report.

import type { BenchSummary, EvalSummary } from './summary.js';

/** Percentage with one decimal, or an en dash for "no data". */
function pct(x: number): string {
  return Number.isFinite(x) ? (100 * x).toFixed(1) : '–';
}

function tokens(x: number | null, estimated: boolean): string {
  if (x === null || !Number.isFinite(x)) return '–';
  return `${estimated ? '~' : ''}${Math.round(x)}`;
}

function usd(x: number | null): string {
  if (x === null) return 'n/a';
  return x < 0.01 && x > 0 ? `$${x.toFixed(4)}` : `$${x.toFixed(2)}`;
}

/** A cost that leaves out samples without usage is a lower bound: marked "≥". */
function costText(x: number | null, withoutUsage: number): string {
  return x !== null && withoutUsage > 0 ? `≥${usd(x)}` : usd(x);
}

/** Samples whose source reported no token usage (their tokens and cost are missing), over all benchmarks. */
function samplesWithoutUsage(s: EvalSummary): number {
  return s.benches.reduce((n, b) => n + b.usage.samplesWithoutUsage, 0);
}

/** The sentence that says so, or null when every sample reported usage. */
function usageNote(s: EvalSummary): string | null {
  const n = samplesWithoutUsage(s);
  return n > 0 ? `${n} of ${s.totals.samples} samples came without token usage: their tokens and cost are not counted.` : null;
}

/** Checks that ran out of time, per benchmark, or null when none did (summaries written before they were counted have none). */
function timeoutNote(s: EvalSummary): string | null {
  const hit = s.benches.filter((b) => (b.checkTimeouts ?? 0) > 0);
  if (hit.length === 0) return null;
  const list = hit.map((b) => `${b.bench} ${b.checkTimeouts}`).join(', ');
  return `Checks that ran out of time (scored wrong, verdict unknown; fewer on an idle machine): ${list}.`;
}

interface Row {
  bench: string;
  items: string;
  k: string;
  pass1: string;
  cons: string;
  passk: string;
  format: string;
  reasoning: string;
  answer: string;
  cost: string;
}

function row(b: BenchSummary): Row {
  return {
    bench: b.bench,
    items: String(b.items),
    k: String(b.k),
    // One item has no spread to estimate a standard error from: shown as unknown, not ± 0.0.
    pass1: `${pct(b.passAt1)} ± ${b.items < 2 ? '–' : pct(b.passAt1StdErr)}`,
    cons: pct(b.consAtK),
    passk: pct(b.passAtK[b.k - 1] ?? Number.NaN),
    format: pct(b.formatRate),
    reasoning: tokens(b.meanReasoningTokens, b.tokensEstimated),
    answer: tokens(b.meanAnswerTokens, b.tokensEstimated),
    cost: costText(b.costUsd, b.usage.samplesWithoutUsage),
  };
}

function headers(k: number): string[] {
  return ['benchmark', 'items', 'k', 'pass@1 (%)', `cons@${k} (%)`, `pass@${k} (%)`, 'format (%)', 'reasoning tok', 'answer tok', 'cost'];
}

function cells(r: Row): string[] {
  return [r.bench, r.items, r.k, r.pass1, r.cons, r.passk, r.format, r.reasoning, r.answer, r.cost];
}

/** A markdown report: settings line, one row per benchmark; "~" marks token counts estimated from text length. */
export function renderMarkdown(s: EvalSummary): string {
  const head = headers(s.k);
  const lines = [
    `**${s.model}** (${s.source}) · k=${s.k} · temperature ${s.temperature} · top-p ${s.topP} · max tokens ${s.maxTokens} · seed ${s.seed}` +
      (s.limit !== null ? ` · first ${s.limit} items` : ''),
    '',
    `| ${head.join(' | ')} |`,
    `|${head.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`,
    ...s.benches.map((b) => `| ${cells(row(b)).join(' | ')} |`),
    '',
    `Total: ${s.totals.samples} samples, ${s.totals.promptTokens.toFixed(0)} prompt + ${s.totals.completionTokens.toFixed(0)} completion tokens, cost ${costText(s.totals.costUsd, samplesWithoutUsage(s))}.`,
    ...((note) => (note !== null ? [note] : []))(usageNote(s)),
    ...((note) => (note !== null ? [note] : []))(timeoutNote(s)),
    ...(s.interrupted ? ['', `Interrupted: this summary covers the ${s.interrupted.items} of ${s.interrupted.of} items whose samples all finished; rerun the same command to resume.`] : []),
  ];
  return `${lines.join('\n')}\n`;
}

/** Escape text for HTML element content and attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];

/** Inline SVG of pass@k against k (log2 x axis) for every benchmark; empty when k = 1 (nothing to plot). */
function passAtKPlot(s: EvalSummary): string {
  if (s.k < 2) return '';
  const W = 360, H = 200, L = 40, R = 10, T = 10, B = 30;
  const x = (k: number): number => L + ((W - L - R) * Math.log2(k)) / Math.log2(s.k);
  const y = (v: number): number => T + (H - T - B) * (1 - v);
  const grid = [0, 0.25, 0.5, 0.75, 1]
    .map((v) => `<line x1="${L}" x2="${W - R}" y1="${y(v)}" y2="${y(v)}" stroke="#ddd"/><text x="${L - 4}" y="${y(v) + 4}" text-anchor="end" font-size="10">${v * 100}</text>`)
    .join('');
  const ticks: number[] = [];
  for (let k = 1; k <= s.k; k *= 2) ticks.push(k);
  if (ticks.at(-1) !== s.k) ticks.push(s.k);
  const xt = ticks.map((k) => `<text x="${x(k).toFixed(1)}" y="${H - B + 14}" text-anchor="middle" font-size="10">${k}</text>`).join('');
  const lines = s.benches
    .map((b, i) => {
      const pts = b.passAtK.map((v, j) => `${x(j + 1).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
      const color = COLORS[i % COLORS.length];
      return `<polyline fill="none" stroke="${color}" stroke-width="2" points="${pts}"><title>${escapeHtml(b.bench)}</title></polyline>`;
    })
    .join('');
  const legend = s.benches
    .map((b, i) => `<span style="color:${COLORS[i % COLORS.length]}">■</span> ${escapeHtml(b.bench)}`)
    .join(' &nbsp; ');
  return (
    `<figure style="margin:8px 0"><svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="pass@k against k">` +
    `${grid}${xt}${lines}<text x="${(L + W - R) / 2}" y="${H - 2}" text-anchor="middle" font-size="10">k (samples)</text></svg>` +
    `<figcaption style="font-size:12px">pass@k (%) · ${legend}</figcaption></figure>`
  );
}

/** A self-contained HTML <section> for the report: settings, the metrics table and a pass@k plot. */
export function renderEvalSection(s: EvalSummary): string {
  const td = 'style="padding:2px 8px;text-align:right;border-bottom:1px solid #eee"';
  const th = 'style="padding:2px 8px;text-align:right;border-bottom:1px solid #999"';
  const head = headers(s.k).map((h) => `<th ${th}>${escapeHtml(h)}</th>`).join('');
  const body = s.benches
    .map((b) => `<tr>${cells(row(b)).map((c) => `<td ${td}>${escapeHtml(c)}</td>`).join('')}</tr>`)
    .join('\n');
  const settings =
    `${escapeHtml(s.model)} via ${escapeHtml(s.source)} · k=${s.k} · temperature ${s.temperature} · top-p ${s.topP} · ` +
    `max tokens ${s.maxTokens} · seed ${s.seed}${s.limit !== null ? ` · first ${s.limit} items` : ''}`;
  return [
    '<section class="r1-eval" style="font-family:system-ui,sans-serif">',
    '<h2>Evaluation</h2>',
    `<p style="font-size:13px">${settings}</p>`,
    `<table style="border-collapse:collapse;font-size:13px"><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`,
    `<p style="font-size:12px">pass@1 is the mean correctness over k samples (± standard error over items); pass@k is the ` +
      `unbiased estimator of Chen et al. (2021); cons@k is majority voting. Total cost ${escapeHtml(costText(s.totals.costUsd, samplesWithoutUsage(s)))}.` +
      `${[usageNote(s), timeoutNote(s)].map((note) => (note !== null ? ` ${escapeHtml(note)}` : '')).join('')}</p>`,
    passAtKPlot(s),
    '</section>',
  ].join('\n');
}
