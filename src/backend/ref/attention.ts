// src/backend/ref/attention.ts — reference scaled-dot-product attention (Vaswani et al. 2017) with GQA, a causal mask
// offset for KV-cached decoding and strided operands. B = batch, H = query heads, Hkv = kv heads, Tq/Tk = query/key
// lengths; geom layout: see AttentionGeometry in ../types.ts.

import { AttentionGeometry as G } from '../../contract/kernels.js';

export function attention(q: Float32Array, k: Float32Array, v: Float32Array, geom: Int32Array, scale: number, causal: boolean, out: Float32Array, probs: Float32Array | null): void {
  const [B, H, Hkv, Tq, Tk, Dk, Dv] = [geom[G.B]!, geom[G.H]!, geom[G.Hkv]!, geom[G.Tq]!, geom[G.Tk]!, geom[G.Dk]!, geom[G.Dv]!];
  const group = H / Hkv;
  const row = new Float64Array(Tk);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      const kh = Math.floor(h / group);
      const qb = b * geom[G.qB]! + h * geom[G.qH]!;
      const kb = b * geom[G.kB]! + kh * geom[G.kH]!;
      const vb = b * geom[G.vB]! + kh * geom[G.vH]!;
      const ob = b * geom[G.oB]! + h * geom[G.oH]!;
      for (let i = 0; i < Tq; i++) {
        const limit = causal ? i + (Tk - Tq) : Tk - 1; // last visible key
        let mx = -Infinity;
        for (let j = 0; j < Tk; j++) {
          if (j > limit) continue;
          let s = 0;
          for (let d = 0; d < Dk; d++) s += q[qb + i * geom[G.qT]! + d]! * k[kb + j * geom[G.kT]! + d]!;
          row[j] = s * scale;
          mx = Math.max(mx, row[j]!);
        }
        let sum = 0;
        for (let j = 0; j < Tk; j++) {
          row[j] = j > limit ? 0 : Math.exp(row[j]! - mx);
          sum += row[j]!;
        }
        for (let j = 0; j < Tk; j++) row[j] = sum > 0 ? row[j]! / sum : 0;
        if (probs) for (let j = 0; j < Tk; j++) probs[((b * H + h) * Tq + i) * Tk + j] = row[j]!;
        for (let d = 0; d < Dv; d++) {
          let acc = 0;
          for (let j = 0; j < Tk; j++) acc += row[j]! * v[vb + j * geom[G.vT]! + d]!;
          out[ob + i * geom[G.oT]! + d] = acc;
        }
      }
    }
  }
}

export function attentionBackward(q: Float32Array, k: Float32Array, v: Float32Array, probs: Float32Array, dout: Float32Array, geom: Int32Array, scale: number, dq: Float32Array, dk: Float32Array, dv: Float32Array): void {
  const [B, H, Hkv, Tq, Tk, Dk, Dv] = [geom[G.B]!, geom[G.H]!, geom[G.Hkv]!, geom[G.Tq]!, geom[G.Tk]!, geom[G.Dk]!, geom[G.Dv]!];
  const group = H / Hkv;
  const [qT, kT, vT, oT] = [geom[G.qT]!, geom[G.kT]!, geom[G.vT]!, geom[G.oT]!];
  // Zero exactly the elements the geometry covers (dq/dk/dv may be views into one packed buffer).
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) for (let i = 0; i < Tq; i++) dq.fill(0, b * geom[G.qB]! + h * geom[G.qH]! + i * qT, b * geom[G.qB]! + h * geom[G.qH]! + i * qT + Dk);
    for (let h = 0; h < Hkv; h++) {
      for (let j = 0; j < Tk; j++) {
        const ko = b * geom[G.kB]! + h * geom[G.kH]! + j * kT;
        const vo = b * geom[G.vB]! + h * geom[G.vH]! + j * vT;
        dk.fill(0, ko, ko + Dk);
        dv.fill(0, vo, vo + Dv);
      }
    }
  }
  const dp = new Float64Array(Tk);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      const kh = Math.floor(h / group);
      const qb = b * geom[G.qB]! + h * geom[G.qH]!;
      const kb = b * geom[G.kB]! + kh * geom[G.kH]!;
      const vb = b * geom[G.vB]! + kh * geom[G.vH]!;
      const ob = b * geom[G.oB]! + h * geom[G.oH]!;
      const pb = (b * H + h) * Tq * Tk;
      for (let i = 0; i < Tq; i++) {
        // dP = dO Vᵀ; dS = P ⊙ (dP − Σ P dP); dQ = scale dS K; dK += scale dSᵀ Q; dV += Pᵀ dO.
        let dot = 0;
        for (let j = 0; j < Tk; j++) {
          let s = 0;
          for (let d = 0; d < Dv; d++) s += dout[ob + i * oT + d]! * v[vb + j * vT + d]!;
          dp[j] = s;
          dot += s * probs[pb + i * Tk + j]!;
        }
        for (let j = 0; j < Tk; j++) {
          const p = probs[pb + i * Tk + j]!;
          const ds = p * (dp[j]! - dot) * scale;
          for (let d = 0; d < Dk; d++) {
            dq[qb + i * qT + d]! += ds * k[kb + j * kT + d]!;
            dk[kb + j * kT + d]! += ds * q[qb + i * qT + d]!;
          }
          for (let d = 0; d < Dv; d++) dv[vb + j * vT + d]! += p * dout[ob + i * oT + d]!;
        }
      }
    }
  }
}
