// src/tensor/ops/swiglu.ts — fused SwiGLU gate silu(a) * b (Shazeer 2020, "GLU Variants Improve Transformer"), the
// DeepSeek-V3 FFN activation; one pass forward, one pass backward, no silu(a) intermediate kept.

import type { Tensor } from '../tensor.js';
import { expectShape, sameEngine } from './_util.js';

export function swiglu(a: Tensor, b: Tensor): Tensor {
  sameEngine('swiglu', a, b);
  expectShape('swiglu', 'b', b, a.shape);
  const e = a.engine;
  const out = e.empty(a.shape);
  e.backend.swiglu(a.data, b.data, out.data);
  return e.record('swiglu', out, [a, b], (dy) => {
    const da = e.empty(a.shape);
    const db = e.empty(b.shape);
    e.backend.swigluBackward(a.data, b.data, dy.data, da.data, db.data);
    return [da, db];
  });
}
