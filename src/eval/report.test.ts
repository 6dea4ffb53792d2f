// src/eval/report.test.ts — markdown and HTML rendering of a summary.

import test from 'node:test';
import assert from 'node:assert/strict';
import { escapeHtml, renderEvalSection, renderMarkdown } from './report.js';
import type { EvalSummary } from './summary.js';

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
    },
  ],
  totals: { samples: 40, costUsd: 1.234, promptTokens: 100, completionTokens: 200 },
};

test('renderMarkdown prints one row per benchmark with percentages and cost', () => {
  const md = renderMarkdown(summary);
  assert.match(md, /\| benchmark \| items \| k \| pass@1 \(%\) \| cons@4 \(%\) \| pass@4 \(%\) \|/);
  assert.match(md, /\| gsm8k \| 10 \| 4 \| 50\.0 ± 10\.0 \| 60\.0 \| 90\.0 \| 95\.0 \| ~812 \| ~40 \| \$1\.23 \|/);
  assert.match(md, /first 10 items/);
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
