// src/nn/parameters.ts — every parameter of a module in ONE flat buffer with named views (llm.c ParameterTensors):
// params, grads and the optimizer moments are single Float32Arrays, so AdamW, clipping, zeroing and checkpoint
// writes are single loops. Weight-decayed tensors (ndim >= 2: matmul weights, embeddings) come first, then the
// rest (norm gains, biases), so decay applies to one contiguous prefix.

import type { Tensor } from '../tensor/index.js';
import type { Module } from './module.js';

export interface ParameterView {
  readonly name: string;
  readonly shape: readonly number[];
  readonly offset: number;
  readonly size: number;
  readonly tensor: Tensor;
}

export interface FlatParameters {
  /** All parameter values; each parameter tensor's data is a view into it. */
  readonly params: Float32Array;
  /** All gradients; each parameter's .grad is a view into it. */
  readonly grads: Float32Array;
  readonly views: readonly ParameterView[];
  /** params[0, decayEnd) get weight decay; params[decayEnd, end) do not. */
  readonly decayEnd: number;
}

/** Moves the module's parameters into one flat buffer (values preserved) and gives each a flat grad view. */
export function packParameters(module: Module): FlatParameters {
  const named = module.namedParameters();
  const seen = new Set<Tensor>();
  for (const [name, t] of named) {
    if (seen.has(t)) throw new Error(`packParameters: parameter '${name}' is registered twice (tie weights by sharing the module instead)`);
    seen.add(t);
  }
  const decayed = named.filter(([, t]) => t.ndim >= 2);
  const other = named.filter(([, t]) => t.ndim < 2);
  const ordered = [...decayed, ...other];
  let total = 0;
  for (const [, t] of ordered) total += t.size;
  const engine = module.engine;
  const params = engine.allocate(total);
  const grads = engine.allocate(total);
  const views: ParameterView[] = [];
  let offset = 0;
  let decayEnd = 0;
  for (const [name, t] of ordered) {
    t.adopt(params.subarray(offset, offset + t.size));
    if (t.grad) t.grad.dispose();
    t.grad = t.engine.wrap(grads.subarray(offset, offset + t.size), t.shape, { scoped: false }).keep();
    views.push({ name, shape: t.shape, offset, size: t.size, tensor: t });
    offset += t.size;
    if (t.ndim >= 2) decayEnd = offset;
  }
  return { params, grads, views, decayEnd };
}
