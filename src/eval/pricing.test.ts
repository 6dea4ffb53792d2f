// src/eval/pricing.test.ts — price resolution, pricing files and cost arithmetic.

import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { costUsd, DEFAULT_PRICING, loadPricingFile, resolvePrice } from './pricing.js';

const close = (a: number, b: number): void => assert.ok(Math.abs(a - b) < 1e-15, `${a} != ${b}`);

test('deepseek-reasoner cost splits cache hit and miss input', () => {
  const price = resolvePrice('deepseek-reasoner', DEFAULT_PRICING);
  assert.deepEqual(price, { cacheHitInput: 0.14, cacheMissInput: 0.55, output: 2.19 });
  // 1M hit + 2M miss + 1M output = 0.14 + 1.10 + 2.19
  const usage = { promptTokens: 3e6, completionTokens: 1e6, reasoningTokens: 8e5, cacheHitTokens: 1e6, cacheMissTokens: 2e6 };
  close(costUsd(usage, price!), 3.43);
  // No cache report: all input at the miss price. 1000 in, 500 out = (1000*.55 + 500*2.19)/1e6
  close(costUsd({ ...usage, promptTokens: 1000, completionTokens: 500, cacheHitTokens: null, cacheMissTokens: null }, price!), 0.001645);
  // Only hits reported (OpenAI cached_tokens): the rest of the prompt is a miss.
  close(costUsd({ ...usage, promptTokens: 1000, completionTokens: 0, cacheHitTokens: 400, cacheMissTokens: null }, price!), (400 * 0.14 + 600 * 0.55) / 1e6);
});

test('resolvePrice: unknown model is null, flags override, partial flags for unknown model fail clearly', () => {
  assert.equal(resolvePrice('my-model', DEFAULT_PRICING), null);
  assert.deepEqual(resolvePrice('deepseek-reasoner', DEFAULT_PRICING, { output: 1 }), { cacheHitInput: 0.14, cacheMissInput: 0.55, output: 1 });
  assert.deepEqual(resolvePrice('m', {}, { cacheHitInput: 0, cacheMissInput: 1, output: 2 }), { cacheHitInput: 0, cacheMissInput: 1, output: 2 });
  assert.throws(() => resolvePrice('m', {}, { output: 2 }), /no complete price for model "m"/);
});

test('loadPricingFile accepts a table or a single price and rejects bad files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'r1-pricing-'));
  try {
    const table = join(dir, 'table.json');
    writeFileSync(table, JSON.stringify({ a: { cacheHitInput: 1, cacheMissInput: 2, output: 3 } }));
    assert.deepEqual(loadPricingFile(table, 'x'), { a: { cacheHitInput: 1, cacheMissInput: 2, output: 3 } });
    const single = join(dir, 'single.json');
    writeFileSync(single, JSON.stringify({ cacheHitInput: 1, cacheMissInput: 2, output: 3 }));
    assert.deepEqual(loadPricingFile(single, 'x'), { x: { cacheHitInput: 1, cacheMissInput: 2, output: 3 } });
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ a: { cacheHitInput: -1, cacheMissInput: 2, output: 3 } }));
    assert.throws(() => loadPricingFile(bad, 'x'), /pricing file .*bad\.json: expected/);
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '{not json');
    assert.throws(() => loadPricingFile(broken, 'x'), /cannot read JSON/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
