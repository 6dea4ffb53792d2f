// src/model/mtp.ts — one multi-token-prediction module (DeepSeek-V3 §2.2, eq. 21–23), HF layer index nLayers + d:
// h'_i = eh_proj([enorm(Emb(t_{i+k})); hnorm(h_i^{k-1})]), then a full decoder block, then shared_head.norm and the
// main model's output head; module k predicts token t_{i+k+1}. Embedding and head are shared with the main model.
// B = batch, T = tokens seen by this depth, C = hidden.

import { Linear, Module, RMSNorm } from '../nn/index.js';
import { concat, type Engine, type Tensor } from '../tensor/index.js';
import type { Rng } from '../util/rng.js';
import { type ModelConfig, isMoeLayer } from './config.js';
import type { ForwardContext } from './context.js';
import { BlockParts } from './layer.js';

export class SharedHead extends Module {
  readonly norm: RMSNorm;
  constructor(engine: Engine, c: ModelConfig) {
    super(engine);
    this.norm = this.child('norm', new RMSNorm(engine, c.hidden, c.normEps));
  }
}

export class MtpModule extends Module {
  readonly enorm: RMSNorm;
  readonly hnorm: RMSNorm;
  readonly eh_proj: Linear; // (C, 2C)
  readonly parts: BlockParts;
  readonly shared_head: SharedHead;

  constructor(engine: Engine, rng: Rng, c: ModelConfig) {
    super(engine);
    this.enorm = this.child('enorm', new RMSNorm(engine, c.hidden, c.normEps));
    this.hnorm = this.child('hnorm', new RMSNorm(engine, c.hidden, c.normEps));
    this.eh_proj = this.child('eh_proj', new Linear(engine, rng, 2 * c.hidden, c.hidden, { bias: false, std: c.initStd }));
    // Same feed-forward kind as the last main layer (V3: MoE).
    this.parts = new BlockParts(engine, rng, c, isMoeLayer(c, c.nLayers - 1), (n, m) => this.child(n, m));
    this.shared_head = this.child('shared_head', new SharedHead(engine, c));
  }

  /** emb (B, T, C) of the shifted tokens and prev (B, T, C) hidden states -> normalized hidden (B, T, C) + aux. */
  forward(emb: Tensor, prev: Tensor, ctx: ForwardContext): { h: Tensor; normed: Tensor; aux: Tensor | null } {
    const merged = this.eh_proj.forward(concat([this.enorm.forward(emb), this.hnorm.forward(prev)], 2)); // (B, T, C)
    const r = this.parts.forward(merged, ctx);
    return { h: r.x, normed: this.shared_head.norm.forward(r.x), aux: r.aux };
  }
}
