// src/eval/pricing.ts — per-model token prices and the cost of a completion, so an evaluation reports what it cost.
// Prices are US dollars per million tokens; the table is seeded with deepseek-reasoner's published list prices
// and overridable by a zod-validated JSON file or by flags.

import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { Usage } from './types.js';

/** One model's prices, USD per million tokens. */
export const PriceSchema = z
  .object({
    /** Input tokens served from the provider's context cache. */
    cacheHitInput: z.number().nonnegative(),
    /** Input tokens not in cache (also used when the endpoint does not report cache hits). */
    cacheMissInput: z.number().nonnegative(),
    /** Output tokens, reasoning included. */
    output: z.number().nonnegative(),
  })
  .strict();
export type Price = z.infer<typeof PriceSchema>;

/** A pricing table: model name -> price. */
export const PricingTableSchema = z.record(z.string().min(1), PriceSchema);
export type PricingTable = z.infer<typeof PricingTableSchema>;

/** A pricing file holds either a whole table or one price (which then applies to the evaluated model). */
export const PricingFileSchema = z.union([PriceSchema, PricingTableSchema]);

/** Built-in prices: deepseek-reasoner (DeepSeek API list price: $0.14 cache hit, $0.55 cache miss, $2.19 output). */
export const DEFAULT_PRICING: Readonly<PricingTable> = Object.freeze({
  'deepseek-reasoner': { cacheHitInput: 0.14, cacheMissInput: 0.55, output: 2.19 },
});

/** Read and validate a pricing file; `model` names the evaluated model when the file holds a single price. */
export function loadPricingFile(path: string, model: string): PricingTable {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`pricing file ${path}: cannot read JSON (${(err as Error).message})`);
  }
  const parsed = PricingFileSchema.safeParse(raw);
  if (!parsed.success) {
    throw new Error(
      `pricing file ${path}: expected {"cacheHitInput","cacheMissInput","output"} (USD per million tokens) ` +
        `or an object of such prices keyed by model name:\n${z.prettifyError(parsed.error)}`,
    );
  }
  const value = parsed.data;
  if (isPrice(value)) return { [model]: value };
  return value;
}

function isPrice(v: Price | PricingTable): v is Price {
  return PriceSchema.safeParse(v).success;
}

/**
 * The price for `model`: flags override fields of the table entry. Returns null when the model has no price
 * and no flags were given (cost is then reported as unknown). Partial flags without a table entry are an error.
 */
export function resolvePrice(model: string, table: Readonly<PricingTable>, overrides: Partial<Price> = {}): Price | null {
  const base = table[model];
  const given = Object.entries(overrides).filter(([, v]) => v !== undefined);
  if (!base && given.length === 0) return null;
  const merged = { ...base, ...Object.fromEntries(given) };
  const parsed = PriceSchema.safeParse(merged);
  if (!parsed.success) {
    throw new Error(
      `no complete price for model "${model}": give all of --price-input-hit, --price-input-miss and --price-output ` +
        `(USD per million tokens) or a --pricing file with an entry for it`,
    );
  }
  return parsed.data;
}

/**
 * Cost of one completion in USD. Input tokens are split into cache hits and misses when the endpoint reports
 * them; otherwise all prompt tokens are charged at the cache-miss price (an upper bound).
 */
export function costUsd(usage: Usage, price: Price): number {
  let input: number;
  if (usage.cacheHitTokens !== null || usage.cacheMissTokens !== null) {
    const hit = usage.cacheHitTokens ?? 0;
    const miss = usage.cacheMissTokens ?? Math.max(0, usage.promptTokens - hit);
    input = hit * price.cacheHitInput + miss * price.cacheMissInput;
  } else {
    input = usage.promptTokens * price.cacheMissInput;
  }
  return (input + usage.completionTokens * price.output) / 1e6;
}
