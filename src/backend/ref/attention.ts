// src/backend/ref/attention.ts — reference scaled-dot-product attention (Vaswani et al. 2017) with GQA and a causal
// mask offset for KV-cached decoding. B = batch, H = query heads, Hkv = kv heads, Tq/Tk = query/key lengths.

export function attention(q: Float32Array, k: Float32Array, v: Float32Array, B: number, H: number, Hkv: number, Tq: number, Tk: number, Dk: number, Dv: number, scale: number, causal: boolean, out: Float32Array, probs: Float32Array | null): void {
  const group = H / Hkv;
  const row = new Float64Array(Tk);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      const kh = Math.floor(h / group);
      const qb = (b * H + h) * Tq * Dk;
      const kb = (b * Hkv + kh) * Tk * Dk;
      const vb = (b * Hkv + kh) * Tk * Dv;
      const ob = (b * H + h) * Tq * Dv;
      for (let i = 0; i < Tq; i++) {
        const limit = causal ? i + (Tk - Tq) : Tk - 1; // last visible key
        let mx = -Infinity;
        for (let j = 0; j < Tk; j++) {
          if (j > limit) { row[j] = -Infinity; continue; }
          let s = 0;
          for (let d = 0; d < Dk; d++) s += q[qb + i * Dk + d]! * k[kb + j * Dk + d]!;
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
          for (let j = 0; j < Tk; j++) acc += row[j]! * v[vb + j * Dv + d]!;
          out[ob + i * Dv + d] = acc;
        }
      }
    }
  }
}

export function attentionBackward(q: Float32Array, k: Float32Array, v: Float32Array, probs: Float32Array, dout: Float32Array, B: number, H: number, Hkv: number, Tq: number, Tk: number, Dk: number, Dv: number, scale: number, dq: Float32Array, dk: Float32Array, dv: Float32Array): void {
  const group = H / Hkv;
  dq.fill(0);
  dk.fill(0);
  dv.fill(0);
  const dp = new Float64Array(Tk);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      const kh = Math.floor(h / group);
      const qb = (b * H + h) * Tq * Dk;
      const kb = (b * Hkv + kh) * Tk * Dk;
      const vb = (b * Hkv + kh) * Tk * Dv;
      const ob = (b * H + h) * Tq * Dv;
      const pb = (b * H + h) * Tq * Tk;
      for (let i = 0; i < Tq; i++) {
        // dP = dO V^T; dS = P * (dP - sum(P * dP)); dQ = scale dS K; dK += scale dS^T Q; dV += P^T dO.
        let dot = 0;
        for (let j = 0; j < Tk; j++) {
          let s = 0;
          for (let d = 0; d < Dv; d++) s += dout[ob + i * Dv + d]! * v[vb + j * Dv + d]!;
          dp[j] = s;
          dot += s * probs[pb + i * Tk + j]!;
        }
        for (let j = 0; j < Tk; j++) {
          const p = probs[pb + i * Tk + j]!;
          const ds = p * (dp[j]! - dot) * scale;
          for (let d = 0; d < Dk; d++) {
            dq[qb + i * Dk + d]! += ds * k[kb + j * Dk + d]!;
            dk[kb + j * Dk + d]! += ds * q[qb + i * Dk + d]!;
          }
          for (let d = 0; d < Dv; d++) dv[vb + j * Dv + d]! += p * dout[ob + i * Dv + d]!;
        }
      }
    }
  }
}
