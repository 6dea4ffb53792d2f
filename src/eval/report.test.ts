// src/eval/report.test.ts — markdown and HTML rendering of a summary.

import test from 'node:test';
import assert from 'node:assert/strict';
import { escapeHtml, renderEvalSection, renderMarkdown } from './report.js';
import type { SampleRecord } from './results.js';
import { summarizeBench, totalsOf, type EvalSummary } from './summary.js';

const summary: EvalSummary = {
  model: 'deep<seek>',
  source: 'endpoint x',
  k: 4,
  limit: 10,
  seed: 1,
  temperature: 0.6,
  topP: 0.95,
  maxTokens: 1000,
  benches: [
    {
      bench: 'gsm8k',
      items: 10,
      k: 4,
      passAt1: 0.5,
      passAt1StdErr: 0.1,
      passAtK: [0.5, 0.7, 0.8, 0.9],
      consAtK: 0.6,
      formatRate: 0.95,
      meanReasoningTokens: 812.4,
      meanAnswerTokens: 40.2,
      tokensEstimated: true,
      usage: { promptTokens: 100, completionTokens: 200, reasoningTokens: 150, cacheHitTokens: 0, cacheMissTokens: 100, samplesWithoutUsage: 0 },
      costUsd: 1.234,
      checkTimeouts: 0,
    },
  ],
  totals: { samples: 40, costUsd: 1.234, promptTokens: 100, completionTokens: 200 },
};

test('renderMarkdown prints one row per benchmark with percentages and cost', () => {
  const md = renderMarkdown(summary);
  assert.match(md, /\| benchmark \| items \| k \| pass@1 \(%\) \| cons@4 \(%\) \| pass@4 \(%\) \|/);
  assert.match(md, /\| gsm8k \| 10 \| 4 \| 50\.0 ± 10\.0 \| 60\.0 \| 90\.0 \| 95\.0 \| ~812 \| ~40 \| \$1\.23 \|/);
  assert.match(md, /first 10 items/);
  // A single item: no standard error to show.
  const one = renderMarkdown({ ...summary, benches: [{ ...summary.benches[0]!, items: 1, passAt1: 1, passAt1StdErr: 0 }] });
  assert.match(one, /\| gsm8k \| 1 \| 4 \| 100\.0 ± – \| /);
});

test('renderEvalSection is one escaped <section> with a table and an SVG plot, no scripts', () => {
  const html = renderEvalSection(summary);
  assert.ok(html.startsWith('<section class="r1-eval"'));
  assert.ok(html.trimEnd().endsWith('</section>'));
  assert.ok(html.includes('deep&lt;seek&gt;'));
  assert.ok(!html.includes('deep<seek>'));
  assert.ok(!/<script/i.test(html));
  assert.match(html, /<svg[^>]*>[\s\S]*<polyline[^>]*points="[\d.,\s]+"/);
  assert.equal((html.match(/<tr>/g) ?? []).length, 2);
  assert.equal(escapeHtml(`<a href="x">'&'</a>`), '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
});

test('samples without usage: cost is unknown when none reported it and a lower bound when some did, never $0', async () => {
  const rec = (itemId: string, sample: number, usage: SampleRecord['usage']): SampleRecord => ({
    bench: 'b', itemId, sample, seed: sample, reasoning: '', content: '\\boxed{1}', finishReason: 'stop', extracted: '1', correct: true, score: 1,
    formatOk: true, usage, reasoningTokens: usage ? 0 : null, answerTokens: usage ? usage.completionTokens : null, tokensEstimated: false, latencyMs: 1,
  });
  const price = { cacheHitInput: 0.14, cacheMissInput: 0.55, output: 2.19 };
  const used = { promptTokens: 1000, completionTokens: 1000, reasoningTokens: null, cacheHitTokens: null, cacheMissTokens: null };
  const items = [{ id: 'a', question: 'q', gold: '1' }];
  const settings = { model: 'm', source: 's', k: 2, limit: null, seed: 0, temperature: 0.6, topP: 0.95, maxTokens: 8 };
  const render = async (usages: SampleRecord['usage'][]): Promise<{ summary: EvalSummary; md: string; html: string }> => {
    const b = await summarizeBench('b', {}, items, 2, (id, s) => rec(id, s, usages[s]!), price);
    const summary: EvalSummary = { ...settings, benches: [b], totals: totalsOf([b], true) };
    return { summary, md: renderMarkdown(summary), html: renderEvalSection(summary) };
  };
  const none = await render([null, null]);
  assert.equal(none.summary.benches[0]!.costUsd, null);
  assert.equal(none.summary.totals.costUsd, null);
  assert.match(none.md, /\| n\/a \|\n/);
  assert.match(none.md, /cost n\/a\.\n2 of 2 samples came without token usage: their tokens and cost are not counted\./);
  assert.doesNotMatch(none.md, /\$0\.00/);
  const some = await render([used, null]);
  assert.ok(Math.abs(some.summary.benches[0]!.costUsd! - 0.00274) < 1e-12);
  assert.match(some.md, /\| ≥\$0\.0027 \|\n/);
  assert.match(some.md, /cost ≥\$0\.0027\.\n1 of 2 samples came without token usage/);
  assert.match(some.html, /Total cost ≥\$0\.0027\. 1 of 2 samples came without token usage/);
  const all = await render([used, used]);
  assert.match(all.md, /\| \$0\.0055 \|\n/);
  assert.doesNotMatch(all.md, /without token usage|≥/);
});
