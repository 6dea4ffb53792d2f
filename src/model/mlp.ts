// src/model/mlp.ts — the SwiGLU feed-forward (Shazeer 2020): down(silu(gate(x)) * up(x)); also one DeepSeekMoE expert.
// Shapes: x (..., C) -> (..., C), hidden width F.

import { Linear, Module } from '../nn/index.js';
import { swiglu, type Engine, type Tensor } from '../tensor/index.js';
import type { Rng } from '../util/rng.js';

export class SwiGluMlp extends Module {
  readonly gate_proj: Linear; // (F, C)
  readonly up_proj: Linear; // (F, C)
  readonly down_proj: Linear; // (C, F)

  constructor(engine: Engine, rng: Rng, hidden: number, inter: number, std: number) {
    super(engine);
    this.gate_proj = this.child('gate_proj', new Linear(engine, rng, hidden, inter, { bias: false, std }));
    this.up_proj = this.child('up_proj', new Linear(engine, rng, hidden, inter, { bias: false, std }));
    this.down_proj = this.child('down_proj', new Linear(engine, rng, inter, hidden, { bias: false, std }));
  }

  forward(x: Tensor): Tensor {
    const h = swiglu(this.gate_proj.forward(x), this.up_proj.forward(x)); // (..., F)
    return this.down_proj.forward(h); // (..., C)
  }
}
