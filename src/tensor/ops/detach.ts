// src/tensor/ops/detach.ts — detach (a view cut from the tape) and clone (a copy that stays on the tape).

import type { Tensor } from '../tensor.js';

/** Same storage, no gradient history. */
export function detach(x: Tensor): Tensor {
  return x.engine.view(x, x.shape);
}

/** A copy with its own storage; gradients pass straight through. */
export function clone(x: Tensor): Tensor {
  const e = x.engine;
  const out = e.empty(x.shape);
  out.data.set(x.data);
  return e.record('clone', out, [x], (dy) => {
    const dx = e.empty(x.shape);
    dx.data.set(dy.data);
    return [dx];
  });
}
