// src/tensor/ops/norm.ts — fused RMSNorm (Zhang & Sennrich 2019) and LayerNorm (Ba et al. 2016) over the last axis;
// each saves its per-row statistics (rstd, mean) for the backward, like llm.c's layernorm_forward.

import type { Tensor } from '../tensor.js';
import { fmt } from '../shape.js';
import { expectNdim } from './_util.js';

function rowsOf(op: string, x: Tensor, w: Tensor | null): { rows: number; C: number } {
  expectNdim(op, 'input', x, 1);
  const C = x.shape[x.ndim - 1]!;
  if (w && (w.ndim !== 1 || w.shape[0] !== C)) throw new RangeError(`${op}: weight ${fmt(w.shape)} should be [${C}]`);
  return { rows: C === 0 ? 0 : x.size / C, C };
}

/** y = x / sqrt(mean(x²) + eps) * w over the last axis. */
export function rmsnorm(x: Tensor, w: Tensor | null, eps = 1e-6): Tensor {
  const { rows, C } = rowsOf('rmsnorm', x, w);
  const e = x.engine;
  const out = e.empty(x.shape);
  const rstd = e.empty([rows]);
  e.backend.rmsnorm(x.data, w ? w.data : null, rows, C, eps, out.data, rstd.data);
  const inputs = w ? [x, w] : [x];
  return e.record('rmsnorm', out, inputs, (dy, needs) => {
    const dx = e.empty(x.shape);
    // The kernel accumulates dw, so a parameter's flat grad can take it directly.
    const direct = w && needs[1] ? e.leafGradBuffer(w) : null;
    const dw = w && needs[1] && !direct ? e.zeros(w.shape) : null;
    e.backend.rmsnormBackward(x.data, w ? w.data : null, rstd.data, dy.data, rows, C, dx.data, direct ?? (dw ? dw.data : null));
    return [dx, dw];
  });
}

/** y = (x - mean) / sqrt(var + eps) * w + b over the last axis. */
export function layernorm(x: Tensor, w: Tensor | null, b: Tensor | null, eps = 1e-5): Tensor {
  const { rows, C } = rowsOf('layernorm', x, w);
  if (b && (b.ndim !== 1 || b.shape[0] !== C)) throw new RangeError(`layernorm: bias ${fmt(b.shape)} should be [${C}]`);
  const e = x.engine;
  const out = e.empty(x.shape);
  const mean = e.empty([rows]);
  const rstd = e.empty([rows]);
  e.backend.layernorm(x.data, w ? w.data : null, b ? b.data : null, rows, C, eps, out.data, mean.data, rstd.data);
  const inputs = [x, ...(w ? [w] : []), ...(b ? [b] : [])];
  return e.record('layernorm', out, inputs, (dy, needs) => {
    const dx = e.empty(x.shape);
    const wi = w ? 1 : -1;
    const bi = b ? (w ? 2 : 1) : -1;
    // The kernel accumulates dw and db, so parameters' flat grads can take them directly.
    const dwDirect = w && needs[wi] ? e.leafGradBuffer(w) : null;
    const dbDirect = b && needs[bi] ? e.leafGradBuffer(b) : null;
    const dw = w && needs[wi] && !dwDirect ? e.zeros(w.shape) : null;
    const db = b && needs[bi] && !dbDirect ? e.zeros(b.shape) : null;
    e.backend.layernormBackward(x.data, w ? w.data : null, mean.data, rstd.data, dy.data, rows, C, dx.data, dwDirect ?? (dw ? dw.data : null), dbDirect ?? (db ? db.data : null));
    const grads: (Tensor | null)[] = [dx];
    if (w) grads.push(dw);
    if (b) grads.push(db);
    return grads;
  });
}
