// src/backend/ref/nn.ts — reference kernels for layers: gather/scatter, RMSNorm, LayerNorm, RoPE, SwiGLU, top-k, AdamW.

function checkIndex(j: number, n: number, what: string): void {
  if (!Number.isInteger(j) || j < 0 || j >= n) throw new RangeError(`${what}: index ${j} outside [0, ${n})`);
}

export function indexSelect(src: Float32Array, outer: number, n: number, inner: number, idx: Int32Array, out: Float32Array): void {
  const m = idx.length;
  for (let j = 0; j < m; j++) checkIndex(idx[j]!, n, 'indexSelect');
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < m; j++) {
      const s = (o * n + idx[j]!) * inner;
      const d = (o * m + j) * inner;
      for (let i = 0; i < inner; i++) out[d + i] = src[s + i]!;
    }
  }
}

export function indexAdd(src: Float32Array, outer: number, n: number, inner: number, idx: Int32Array, dst: Float32Array): void {
  const m = idx.length;
  for (let j = 0; j < m; j++) checkIndex(idx[j]!, n, 'indexAdd');
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < m; j++) {
      const d = (o * n + idx[j]!) * inner;
      const s = (o * m + j) * inner;
      for (let i = 0; i < inner; i++) dst[d + i]! += src[s + i]!;
    }
  }
}

export function rmsnorm(x: Float32Array, w: Float32Array | null, rows: number, C: number, eps: number, out: Float32Array, rstd: Float32Array): void {
  for (let r = 0; r < rows; r++) {
    const o = r * C;
    let ss = 0;
    for (let c = 0; c < C; c++) ss += x[o + c]! * x[o + c]!;
    const rs = 1 / Math.sqrt(ss / C + eps);
    rstd[r] = rs;
    for (let c = 0; c < C; c++) out[o + c] = x[o + c]! * rs * (w ? w[c]! : 1);
  }
}

export function rmsnormBackward(x: Float32Array, w: Float32Array | null, rstd: Float32Array, dy: Float32Array, rows: number, C: number, dx: Float32Array, dw: Float32Array | null): void {
  for (let r = 0; r < rows; r++) {
    const o = r * C;
    const rs = rstd[r]!;
    // y = x * rs * w; dx = rs * (g - xhat * mean(g * xhat)) with g = dy * w, xhat = x * rs.
    let dot = 0;
    for (let c = 0; c < C; c++) dot += dy[o + c]! * (w ? w[c]! : 1) * x[o + c]! * rs;
    dot /= C;
    for (let c = 0; c < C; c++) {
      const xhat = x[o + c]! * rs;
      dx[o + c] = rs * (dy[o + c]! * (w ? w[c]! : 1) - xhat * dot);
      if (dw) dw[c]! += dy[o + c]! * xhat;
    }
  }
}

export function layernorm(x: Float32Array, w: Float32Array | null, b: Float32Array | null, rows: number, C: number, eps: number, out: Float32Array, mean: Float32Array, rstd: Float32Array): void {
  for (let r = 0; r < rows; r++) {
    const o = r * C;
    let mu = 0;
    for (let c = 0; c < C; c++) mu += x[o + c]!;
    mu /= C;
    let v = 0;
    for (let c = 0; c < C; c++) v += (x[o + c]! - mu) ** 2;
    const rs = 1 / Math.sqrt(v / C + eps);
    mean[r] = mu;
    rstd[r] = rs;
    for (let c = 0; c < C; c++) out[o + c] = (x[o + c]! - mu) * rs * (w ? w[c]! : 1) + (b ? b[c]! : 0);
  }
}

export function layernormBackward(x: Float32Array, w: Float32Array | null, mean: Float32Array, rstd: Float32Array, dy: Float32Array, rows: number, C: number, dx: Float32Array, dw: Float32Array | null, db: Float32Array | null): void {
  for (let r = 0; r < rows; r++) {
    const o = r * C;
    const mu = mean[r]!;
    const rs = rstd[r]!;
    let g1 = 0;
    let g2 = 0;
    for (let c = 0; c < C; c++) {
      const g = dy[o + c]! * (w ? w[c]! : 1);
      g1 += g;
      g2 += g * (x[o + c]! - mu) * rs;
    }
    g1 /= C;
    g2 /= C;
    for (let c = 0; c < C; c++) {
      const xhat = (x[o + c]! - mu) * rs;
      const g = dy[o + c]! * (w ? w[c]! : 1);
      dx[o + c] = rs * (g - g1 - xhat * g2);
      if (dw) dw[c]! += dy[o + c]! * xhat;
      if (db) db[c]! += dy[o + c]!;
    }
  }
}

export function rope(x: Float32Array, cos: Float32Array, sin: Float32Array, outer: number, T: number, inner: number, D: number, interleaved: boolean, inverse: boolean, out: Float32Array): void {
  const half = D / 2;
  for (let o = 0; o < outer; o++) {
    for (let t = 0; t < T; t++) {
      for (let h = 0; h < inner; h++) {
        const base = ((o * T + t) * inner + h) * D;
        for (let p = 0; p < half; p++) {
          const c = cos[t * half + p]!;
          const s = inverse ? -sin[t * half + p]! : sin[t * half + p]!;
          const i0 = base + (interleaved ? 2 * p : p);
          const i1 = base + (interleaved ? 2 * p + 1 : p + half);
          const a = x[i0]!;
          const b = x[i1]!;
          out[i0] = a * c - b * s;
          out[i1] = a * s + b * c;
        }
      }
    }
  }
}

export function swiglu(a: Float32Array, b: Float32Array, out: Float32Array): void {
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    out[i] = (x / (1 + Math.exp(-x))) * b[i]!;
  }
}

export function swigluBackward(a: Float32Array, b: Float32Array, dy: Float32Array, da: Float32Array, db: Float32Array): void {
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const s = 1 / (1 + Math.exp(-x));
    const silu = x * s;
    db[i] = dy[i]! * silu;
    da[i] = dy[i]! * b[i]! * s * (1 + x * (1 - s));
  }
}

export function topk(x: Float32Array, rows: number, n: number, k: number, values: Float32Array, indices: Int32Array): void {
  if (k < 0 || k > n) throw new RangeError(`topk: k=${k} outside [0, ${n}]`);
  const order = new Array<number>(n);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < n; j++) order[j] = j;
    const o = r * n;
    order.sort((i, j) => (x[o + j]! - x[o + i]!) || i - j);
    for (let j = 0; j < k; j++) {
      values[r * k + j] = x[o + order[j]!]!;
      indices[r * k + j] = order[j]!;
    }
  }
}

export function adamw(p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, lr: number, beta1: number, beta2: number, eps: number, weightDecay: number, step: number, gradScale: number): void {
  const bc1 = 1 - Math.pow(beta1, step);
  const bc2 = 1 - Math.pow(beta2, step);
  for (let i = 0; i < p.length; i++) {
    const gi = g[i]! * gradScale;
    const mi = beta1 * m[i]! + (1 - beta1) * gi;
    const vi = beta2 * v[i]! + (1 - beta2) * gi * gi;
    m[i] = mi;
    v[i] = vi;
    p[i] = p[i]! - lr * (mi / bc1 / (Math.sqrt(vi / bc2) + eps) + weightDecay * p[i]!);
  }
}
