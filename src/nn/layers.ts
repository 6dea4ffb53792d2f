// src/nn/layers.ts — basic layers: Linear, Embedding, RMSNorm, LayerNorm. Each is a thin Module over a fused op.
// Shapes: x (..., C); Linear weight (out, in) as in PyTorch.

import { embedding, layernorm, linear, rmsnorm, type Tensor, type Engine } from '../tensor/index.js';
import type { Rng } from '../util/rng.js';
import { Module } from './module.js';

export interface LinearOptions {
  /** Add a bias (default true). */
  bias?: boolean;
  /** Init std of the weight (default 0.02, GPT-2). */
  std?: number;
}

export class Linear extends Module {
  readonly weight: Tensor; // (out, in)
  readonly bias: Tensor | null; // (out)

  constructor(engine: Engine, rng: Rng, readonly inFeatures: number, readonly outFeatures: number, opts: LinearOptions = {}) {
    super(engine);
    this.weight = this.param('weight', [outFeatures, inFeatures], { kind: 'normal', std: opts.std ?? 0.02 }, rng);
    this.bias = opts.bias ?? true ? this.param('bias', [outFeatures], { kind: 'constant', value: 0 }, null) : null;
  }

  forward(x: Tensor): Tensor {
    return linear(x, this.weight, this.bias);
  }
}

export class Embedding extends Module {
  readonly weight: Tensor; // (V, C)

  constructor(engine: Engine, rng: Rng, readonly numEmbeddings: number, readonly dim: number, std = 0.02) {
    super(engine);
    this.weight = this.param('weight', [numEmbeddings, dim], { kind: 'normal', std }, rng);
  }

  /** ids (...idsShape) → (...idsShape, C) */
  forward(ids: Int32Array, idsShape: readonly number[] = [ids.length]): Tensor {
    return embedding(this.weight, ids, idsShape);
  }
}

export class RMSNorm extends Module {
  readonly weight: Tensor; // (C)

  constructor(engine: Engine, readonly dim: number, readonly eps = 1e-6) {
    super(engine);
    this.weight = this.param('weight', [dim], { kind: 'constant', value: 1 }, null);
  }

  forward(x: Tensor): Tensor {
    return rmsnorm(x, this.weight, this.eps);
  }
}

export class LayerNorm extends Module {
  readonly weight: Tensor; // (C)
  readonly bias: Tensor; // (C)

  constructor(engine: Engine, readonly dim: number, readonly eps = 1e-5) {
    super(engine);
    this.weight = this.param('weight', [dim], { kind: 'constant', value: 1 }, null);
    this.bias = this.param('bias', [dim], { kind: 'constant', value: 0 }, null);
  }

  forward(x: Tensor): Tensor {
    return layernorm(x, this.weight, this.bias, this.eps);
  }
}
