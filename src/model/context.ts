// src/model/context.ts — what every block's forward needs besides its input: batch geometry, RoPE tables for the
// tokens' positions, and (for incremental inference) the cache with the row each batch entry writes to.

import type { Tensor } from '../tensor/index.js';
import type { KvCache } from './cache.js';

export interface ForwardContext {
  B: number;
  T: number;
  /** RoPE cos/sin gathered at each token's position, (B·T, D/2) for the block's rotated dim. */
  rope: { cos: Tensor; sin: Tensor };
  /** Training forward: MoE layers record their load and compute the balance loss. */
  train?: boolean;
  /** Incremental inference: read past K/V (or latent) of row rows[b] and append this chunk at starts[b]. */
  cache?: { cache: KvCache; layer: number; rows: Int32Array; starts: Int32Array };
  /** Shared prompts (Transformer.forwardSharedPrompts): the layer's index and the prompts' keys and values. */
  shared?: { layer: number; prompts: SharedPrompts };
}

/**
 * Keys and values of prompts that several rows continue (GRPO's G samples of one prompt). The prompts' forward
 * ('capture') stores each layer's K and V, (Np, Pmax, Hkv, D); the completions' forward ('attend') puts the run of
 * rows [row, row + n) after prompt `prompt`, whose first `length` positions are real: those rows attend to them
 * first, then causally to their own tokens. Gradients of the shared K/V add up over the rows that read them.
 */
export interface SharedPrompts {
  mode: 'capture' | 'attend';
  k: Tensor[];
  v: Tensor[];
  runs: readonly { row: number; n: number; prompt: number; length: number }[];
}
