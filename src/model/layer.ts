// src/model/layer.ts — one pre-norm decoder block: x + Attn(RMSNorm(x)), then h + FFN(RMSNorm(h)), where Attn is
// MHA/GQA or MLA and FFN is SwiGLU or DeepSeekMoE (HF names: input_layernorm, self_attn, post_attention_layernorm, mlp).
// B = batch, T = tokens, C = hidden.

import { Module, RMSNorm } from '../nn/index.js';
import { add, type Engine, type Tensor } from '../tensor/index.js';
import type { Rng } from '../util/rng.js';
import { type ModelConfig, isMoeLayer } from './config.js';
import type { ForwardContext } from './context.js';
import { SelfAttention } from './attention.js';
import { MlaAttention } from './mla.js';
import { SwiGluMlp } from './mlp.js';
import { DeepSeekMoe } from './moe.js';

/** Adds the block's children to `host` in HF order, so MTP modules can reuse it with extra children of their own. */
export class BlockParts {
  readonly input_layernorm: RMSNorm;
  readonly self_attn: SelfAttention | MlaAttention;
  readonly post_attention_layernorm: RMSNorm;
  readonly mlp: SwiGluMlp | DeepSeekMoe;

  constructor(engine: Engine, rng: Rng, c: ModelConfig, moe: boolean, add: <M extends Module>(name: string, m: M) => M) {
    this.input_layernorm = add('input_layernorm', new RMSNorm(engine, c.hidden, c.normEps));
    this.self_attn = add('self_attn', c.attention.kind === 'mha' ? new SelfAttention(engine, rng, c) : new MlaAttention(engine, rng, c));
    this.post_attention_layernorm = add('post_attention_layernorm', new RMSNorm(engine, c.hidden, c.normEps));
    this.mlp = add('mlp', moe ? new DeepSeekMoe(engine, rng, c) : new SwiGluMlp(engine, rng, c.hidden, c.intermediate, c.initStd));
  }

  /** x (B, T, C) -> (B, T, C); aux is the MoE sequence-balance loss when active. */
  forward(x: Tensor, ctx: ForwardContext): { x: Tensor; aux: Tensor | null } {
    const h = add(x, this.self_attn.forward(this.input_layernorm.forward(x), ctx)); // (B, T, C)
    const n = this.post_attention_layernorm.forward(h);
    if (this.mlp instanceof DeepSeekMoe) {
      const r = this.mlp.forward(n, ctx.B, ctx.T, ctx.train ?? false);
      return { x: add(h, r.y), aux: r.aux };
    }
    return { x: add(h, this.mlp.forward(n)), aux: null };
  }
}

export class DecoderLayer extends Module {
  readonly parts: BlockParts;
  constructor(engine: Engine, rng: Rng, c: ModelConfig, layer: number) {
    super(engine);
    this.parts = new BlockParts(engine, rng, c, isMoeLayer(c, layer), (n, m) => this.child(n, m));
  }
  forward(x: Tensor, ctx: ForwardContext): { x: Tensor; aux: Tensor | null } {
    return this.parts.forward(x, ctx);
  }
}
