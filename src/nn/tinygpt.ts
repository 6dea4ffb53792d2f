// src/nn/tinygpt.ts — a minimal GPT-2-style decoder (pre-LayerNorm, GELU MLP, learned positions, tied-free head):
// the engine's reference model for its demo, its loss-falls test and `npm run bench`. It is not the DeepSeek-V3
// family (src/model/); it only exercises the engine the way a real transformer does.
// B = batch, T = sequence length, C = d_model, nh = heads, hs = C / nh, V = vocab.

import { z } from 'zod';
import { add, crossEntropy, gelu, packedAttention, type Engine, type Tensor } from '../tensor/index.js';
import type { Rng } from '../util/rng.js';
import { Embedding, LayerNorm, Linear } from './layers.js';
import { Module } from './module.js';

export const TinyGptConfigSchema = z
  .object({
    vocabSize: z.number().int().positive(),
    blockSize: z.number().int().positive(),
    nLayer: z.number().int().positive(),
    nHead: z.number().int().positive(),
    nEmbd: z.number().int().positive(),
    /** MLP hidden width (GPT-2 uses 4 * nEmbd). */
    mlpHidden: z.number().int().positive(),
  })
  .refine((c) => c.nEmbd % c.nHead === 0, { message: 'nEmbd must be divisible by nHead' });
export type TinyGptConfig = z.infer<typeof TinyGptConfigSchema>;

export class Block extends Module {
  readonly ln1: LayerNorm;
  readonly qkv: Linear;
  readonly proj: Linear;
  readonly ln2: LayerNorm;
  readonly fc: Linear;
  readonly fcProj: Linear;

  constructor(engine: Engine, rng: Rng, readonly cfg: TinyGptConfig) {
    super(engine);
    const C = cfg.nEmbd;
    // GPT-2 scales residual projections by 1/sqrt(2 * nLayer).
    const residStd = 0.02 / Math.sqrt(2 * cfg.nLayer);
    this.ln1 = this.child('ln1', new LayerNorm(engine, C));
    this.qkv = this.child('qkv', new Linear(engine, rng, C, 3 * C));
    this.proj = this.child('proj', new Linear(engine, rng, C, C, { std: residStd }));
    this.ln2 = this.child('ln2', new LayerNorm(engine, C));
    this.fc = this.child('fc', new Linear(engine, rng, C, cfg.mlpHidden));
    this.fcProj = this.child('fcProj', new Linear(engine, rng, cfg.mlpHidden, C, { std: residStd }));
  }

  forward(x: Tensor): Tensor {
    const nh = this.cfg.nHead;
    const qkv = this.qkv.forward(this.ln1.forward(x)); // (B, T, 3C)
    const y = packedAttention(qkv, { nHead: nh }); // (B, T, C): heads read in place, no permutes
    const x1 = add(x, this.proj.forward(y));
    const h = gelu(this.fc.forward(this.ln2.forward(x1))); // (B, T, mlpHidden)
    return add(x1, this.fcProj.forward(h));
  }
}

export class TinyGpt extends Module {
  readonly config: TinyGptConfig;
  readonly wte: Embedding;
  readonly wpe: Embedding;
  readonly blocks: Block[];
  readonly lnF: LayerNorm;
  readonly head: Linear;
  private readonly positions: Int32Array;

  constructor(engine: Engine, rng: Rng, config: TinyGptConfig) {
    super(engine);
    const parsed = TinyGptConfigSchema.safeParse(config);
    if (!parsed.success) throw new RangeError(`TinyGpt config: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
    const cfg = parsed.data;
    this.config = cfg;
    this.wte = this.child('wte', new Embedding(engine, rng, cfg.vocabSize, cfg.nEmbd));
    this.wpe = this.child('wpe', new Embedding(engine, rng, cfg.blockSize, cfg.nEmbd, 0.01));
    this.blocks = [];
    for (let l = 0; l < cfg.nLayer; l++) this.blocks.push(this.child(`h${l}`, new Block(engine, rng, cfg)));
    this.lnF = this.child('lnF', new LayerNorm(engine, cfg.nEmbd));
    this.head = this.child('head', new Linear(engine, rng, cfg.nEmbd, cfg.vocabSize, { bias: false }));
    this.positions = new Int32Array(cfg.blockSize).map((_, i) => i);
  }

  /** Logits (B, T, V) for token ids (B*T, row-major). */
  forward(ids: Int32Array, B: number, T: number): Tensor {
    if (T > this.config.blockSize) throw new RangeError(`TinyGpt: T=${T} exceeds blockSize ${this.config.blockSize}`);
    if (ids.length !== B * T) throw new RangeError(`TinyGpt: ${ids.length} ids for B=${B}, T=${T}`);
    const tok = this.wte.forward(ids, [B, T]); // (B, T, C)
    const pos = this.wpe.forward(this.positions.subarray(0, T), [T]); // (T, C)
    let x = add(tok, pos);
    for (const blk of this.blocks) x = blk.forward(x);
    return this.head.forward(this.lnF.forward(x)); // (B, T, V)
  }

  /** Mean next-token cross-entropy. */
  loss(ids: Int32Array, targets: Int32Array, B: number, T: number): Tensor {
    return crossEntropy(this.forward(ids, B, T), targets);
  }
}
