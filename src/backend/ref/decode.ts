// src/backend/ref/decode.ts — reference ragged decode attention (Backend.decodeAttention): each batch entry rotates
// its (strided) q and k rows by RoPE at its own position (when tables are given) and appends k and v to its cache
// row at that position; then each entry attends to its row's prefix up to its position (entries at consecutive
// positions of one row: causal attention over them). Plain loops, float64 accumulation: the oracle for native/decode.cc. decodeLayer / decodeLogits compose
// the reference kernels (rmsnorm, gemm, decodeAttention, swiglu) step by step.
// B = batch entries, H = query heads, Hkv = kv heads, D = head dim, R = cache rows, L = cache capacity per row,
// P = RoPE table rows.

import { gemm } from './gemm.js';
import { floatFromHalf, halfFromFloat } from './f16.js';
import { rmsnorm, swiglu } from './nn.js';
import type { KvStore } from '../../contract/kernels.js';

export function decodeAttention(
  q: Float32Array, k: Float32Array, v: Float32Array, kCache: KvStore, vCache: KvStore, rows: Int32Array, pos: Int32Array,
  cos: Float32Array | null, sin: Float32Array | null, geom: Int32Array, scale: number, out: Float32Array,
): void {
  if (!(kCache instanceof Float32Array || kCache instanceof Uint16Array) || !(vCache instanceof Float32Array || vCache instanceof Uint16Array)) {
    throw new TypeError('decodeAttention: kCache must be a Float32Array or a Uint16Array (f16 storage)');
  }
  if ((kCache instanceof Uint16Array) !== (vCache instanceof Uint16Array)) {
    throw new TypeError('decodeAttention: kCache and vCache must have the same storage (both Float32Array or both Uint16Array)');
  }
  // f16 caches store halves: write rounded, read widened.
  const half16 = kCache instanceof Uint16Array;
  const put = (buf: KvStore, vals: ArrayLike<number>, at: number): void => {
    for (let i = 0; i < vals.length; i++) buf[at + i] = half16 ? halfFromFloat(vals[i]!) : vals[i]!;
  };
  const get = (buf: KvStore, i: number): number => (half16 ? floatFromHalf(buf[i]!) : buf[i]!);
  if (geom.length !== 10) throw new RangeError('decodeAttention: geom must hold 10 integers [B, H, Hkv, D, R, L, qStride, kStride, vStride, P]');
  const [B, H, Hkv, D, R, L, qS, kS, vS, P] = Array.from(geom) as [number, number, number, number, number, number, number, number, number, number];
  if ([B, H, Hkv, D, R, L, qS, kS, vS, P].some((x) => x < 0)) throw new RangeError('decodeAttention: geom has a negative entry');
  if (Hkv === 0 || H % Hkv !== 0) throw new RangeError(`decodeAttention: H=${H} is not a multiple of Hkv=${Hkv}`);
  if (!Number.isFinite(scale)) throw new RangeError('decodeAttention: scale must be finite');
  if (qS < H * D) throw new RangeError(`decodeAttention: q row stride ${qS} < H·D = ${H * D}`);
  if (kS < Hkv * D) throw new RangeError(`decodeAttention: k row stride ${kS} < Hkv·D = ${Hkv * D}`);
  if (vS < Hkv * D) throw new RangeError(`decodeAttention: v row stride ${vS} < Hkv·D = ${Hkv * D}`);
  const rope = cos !== null || sin !== null;
  const half = D / 2;
  const need = (a: { length: number }, n: number, what: string): void => {
    if (a.length < n) throw new RangeError(`decodeAttention: ${what} holds ${a.length} values, needs ${n}`);
  };
  if (rope) {
    if (!cos || !sin) throw new TypeError('decodeAttention: give both cos and sin, or neither');
    if (D % 2 !== 0) throw new RangeError(`decodeAttention: RoPE needs an even head dim, got ${D}`);
    need(cos, P * half, 'cos');
    need(sin, P * half, 'sin');
  }
  if (B > 0) {
    need(q, (B - 1) * qS + H * D, 'q');
    need(k, (B - 1) * kS + Hkv * D, 'k');
    need(v, (B - 1) * vS + Hkv * D, 'v');
  }
  need(out, B * H * D, 'out');
  need(kCache, R * Hkv * L * D, 'kCache');
  need(vCache, R * Hkv * L * D, 'vCache');
  need(rows, B, 'rows');
  need(pos, B, 'pos');
  const seen = new Set<number>();
  for (let b = 0; b < B; b++) {
    const r = rows[b]!, p = pos[b]!;
    if (r < 0 || r >= R) throw new RangeError(`decodeAttention: rows[${b}] = ${r} outside [0, ${R})`);
    if (p < 0 || p >= L) throw new RangeError(`decodeAttention: pos[${b}] = ${p} outside [0, ${L})`);
    if (rope && p >= P) throw new RangeError(`decodeAttention: pos[${b}] = ${p} outside the RoPE table (${P} positions)`);
    if (seen.has(r * L + p)) throw new RangeError(`decodeAttention: cache row ${r} position ${p} appears twice in rows/pos`);
    seen.add(r * L + p);
  }
  const group = H / Hkv;
  // HF rotate-half RoPE of head vector x at offset o of src, by table row p.
  const rotate = (src: Float32Array, o: number, p: number): Float64Array => {
    const v = new Float64Array(D);
    for (let i = 0; i < D; i++) v[i] = src[o + i]!;
    if (!rope) return v;
    for (let i = 0; i < half; i++) {
      const c = cos![p * half + i]!, s = sin![p * half + i]!;
      const x0 = src[o + i]!, x1 = src[o + i + half]!;
      v[i] = Math.fround(x0 * c - x1 * s);
      v[i + half] = Math.fround(x0 * s + x1 * c);
    }
    return v;
  };
  // Time-major cache: position j of kv head g in row r starts at ((r·L + j)·Hkv + g)·D.
  const slot = (r: number, j: number, g: number): number => ((r * L + j) * Hkv + g) * D;
  // Every entry appends first, so entries at consecutive positions of one row attend causally to each other.
  for (let b = 0; b < B; b++) {
    const r = rows[b]!, p = pos[b]!;
    for (let g = 0; g < Hkv; g++) {
      put(kCache, rotate(k, b * kS + g * D, p), slot(r, p, g));
      put(vCache, v.slice(b * vS + g * D, b * vS + (g + 1) * D), slot(r, p, g));
    }
  }
  for (let b = 0; b < B; b++) {
    const r = rows[b]!, p = pos[b]!;
    const at = (j: number, g: number): number => slot(r, j, g);
    for (let h = 0; h < H; h++) {
      const g = Math.floor(h / group);
      const qh = rotate(q, b * qS + h * D, p);
      const s = new Float64Array(p + 1);
      let m = -Infinity;
      for (let j = 0; j <= p; j++) {
        let dot = 0;
        for (let d = 0; d < D; d++) dot += qh[d]! * get(kCache, at(j, g) + d);
        s[j] = dot * scale;
        if (s[j]! > m) m = s[j]!;
      }
      let sum = 0;
      for (let j = 0; j <= p; j++) {
        s[j] = Math.exp(s[j]! - m);
        sum += s[j]!;
      }
      for (let d = 0; d < D; d++) {
        let acc = 0;
        for (let j = 0; j <= p; j++) acc += s[j]! * get(vCache, at(j, g) + d);
        out[(b * H + h) * D + d] = acc / sum;
      }
    }
  }
}

function need(buf: Float32Array | Int32Array, n: number, fn: string, what: string): void {
  if (buf.length < n) throw new RangeError(`${fn}: ${what} holds ${buf.length} elements, needs ${n}`);
}

/** Backend.packLinear: the reference keeps the plain (N, K) layout. */
export function packLinear(W: Float32Array, N: number, K: number, out?: Float32Array): Float32Array {
  if (!Number.isInteger(N) || !Number.isInteger(K) || N < 0 || K < 0) throw new RangeError(`packLinear: N=${N}, K=${K} must be integers >= 0`);
  need(W, N * K, 'packLinear', 'W');
  if (!out) return W.slice(0, N * K);
  if (out.length !== N * K) throw new RangeError(`packLinear: out holds ${out.length} floats, a (${N}, ${K}) weight packs into ${N * K}`);
  out.set(W.subarray(0, N * K));
  return out;
}

/** Backend.decodeLayer: one dense decoder layer for a decode step (see types.ts). */
export function decodeLayer(
  x: Float32Array, inNorm: Float32Array, Wqkv: Float32Array, qkvBias: Float32Array | null, Wo: Float32Array, postNorm: Float32Array,
  Wgate: Float32Array, Wup: Float32Array, Wdown: Float32Array, kCache: KvStore, vCache: KvStore, rows: Int32Array, pos: Int32Array,
  cos: Float32Array | null, sin: Float32Array | null, geom: Int32Array, eps: number, scale: number,
  hn: Float32Array, qkv: Float32Array, att: Float32Array, gu: Float32Array, act: Float32Array,
  qNorm?: Float32Array | null, kNorm?: Float32Array | null,
): void {
  if (geom.length !== 9) throw new RangeError('decodeLayer: geom must hold 9 integers [B, C, H, Hkv, D, F, R, L, P]');
  const [B, C, H, Hkv, D, F, R, L, P] = Array.from(geom) as [number, number, number, number, number, number, number, number, number];
  if ([B, C, H, Hkv, D, F, R, L, P].some((n) => n < 0)) throw new RangeError('decodeLayer: geom has a negative entry');
  if (!Number.isFinite(eps) || eps < 0) throw new RangeError('decodeLayer: eps must be finite and >= 0');
  const Wq = (H + 2 * Hkv) * D;
  const f = 'decodeLayer';
  need(x, B * C, f, 'x'); need(inNorm, C, f, 'inNorm'); need(postNorm, C, f, 'postNorm'); need(Wqkv, Wq * C, f, 'Wqkv');
  if (qkvBias) need(qkvBias, Wq, f, 'qkvBias');
  if ((qNorm == null) !== (kNorm == null)) throw new TypeError('decodeLayer: give both qNorm and kNorm, or neither');
  if (qNorm) need(qNorm, D, f, 'qNorm');
  if (kNorm) need(kNorm, D, f, 'kNorm');
  need(Wo, C * H * D, f, 'Wo'); need(Wgate, F * C, f, 'Wgate'); need(Wup, F * C, f, 'Wup'); need(Wdown, C * F, f, 'Wdown');
  need(hn, B * C, f, 'hn'); need(qkv, B * Wq, f, 'qkv'); need(att, B * H * D, f, 'att'); need(gu, B * 2 * F, f, 'gu'); need(act, B * F, f, 'act');
  const rstd = new Float32Array(B);
  rmsnorm(x.subarray(0, B * C), inNorm.subarray(0, C), B, C, eps, hn, rstd);
  for (let b = 0; b < B; b++) if (qkvBias) qkv.set(qkvBias.subarray(0, Wq), b * Wq);
  gemm(false, true, B, Wq, C, 1, hn, C, 0, Wqkv, C, 0, qkvBias ? 1 : 0, qkv, Wq, 0, 1);
  if (qNorm && kNorm) {
    // Each query head, then each key head, normalized on its own before RoPE (Qwen3's q_norm, k_norm).
    for (let b = 0; b < B; b++) {
      const q = qkv.subarray(b * Wq, b * Wq + H * D), k = qkv.subarray(b * Wq + H * D, b * Wq + (H + Hkv) * D);
      rmsnorm(q.slice(), qNorm.subarray(0, D), H, D, eps, q, new Float32Array(H));
      rmsnorm(k.slice(), kNorm.subarray(0, D), Hkv, D, eps, k, new Float32Array(Hkv));
    }
  }
  decodeAttention(qkv, qkv.subarray(H * D), qkv.subarray((H + Hkv) * D), kCache, vCache, rows, pos, cos, sin,
    Int32Array.of(B, H, Hkv, D, R, L, Wq, Wq, Wq, P), scale, att);
  gemm(false, true, B, C, H * D, 1, att, H * D, 0, Wo, H * D, 0, 1, x, C, 0, 1);
  rmsnorm(x.subarray(0, B * C), postNorm.subarray(0, C), B, C, eps, hn, rstd);
  gemm(false, true, B, F, C, 1, hn, C, 0, Wgate, C, 0, 0, gu, 2 * F, 0, 1);
  gemm(false, true, B, F, C, 1, hn, C, 0, Wup, C, 0, 0, gu.subarray(F), 2 * F, 0, 1);
  for (let b = 0; b < B; b++) swiglu(gu.subarray(2 * b * F, (2 * b + 1) * F), gu.subarray((2 * b + 1) * F, (2 * b + 2) * F), act.subarray(b * F, (b + 1) * F));
  gemm(false, true, B, C, F, 1, act, F, 0, Wdown, F, 0, 1, x, C, 0, 1);
}

/** Backend.decodeLayers: decodeLayer layer by layer. */
export function decodeLayers(
  x: Float32Array, inNorms: Float32Array[], Wqkv: Float32Array[], qkvBias: (Float32Array | null)[], Wo: Float32Array[], postNorms: Float32Array[],
  Wgate: Float32Array[], Wup: Float32Array[], Wdown: Float32Array[], kCaches: KvStore[], vCaches: KvStore[], rows: Int32Array, pos: Int32Array,
  cos: Float32Array | null, sin: Float32Array | null, geom: Int32Array, eps: number, scale: number,
  hn: Float32Array, qkv: Float32Array, att: Float32Array, gu: Float32Array, act: Float32Array,
  normW?: Float32Array | null, Whead?: Float32Array | null, V?: number | null, logits?: Float32Array | null,
  qNorms?: (Float32Array | null)[] | null, kNorms?: (Float32Array | null)[] | null,
): void {
  if (geom.length !== 10) throw new RangeError('decodeLayers: geom must hold 10 integers [B, C, H, Hkv, D, F, R, L, P, nLayers]');
  const head = [normW, Whead, V, logits].filter((v) => v != null).length;
  if (head !== 0 && head !== 4) throw new TypeError('decodeLayers: give all of normW, Whead, V and logits, or none');
  const L = geom[9]!;
  if ((qNorms == null) !== (kNorms == null)) throw new TypeError('decodeLayers: give both qNorms and kNorms, or neither');
  const norms = qNorms != null && kNorms != null ? { qNorms, kNorms } : {};
  for (const [what, list] of Object.entries({ inNorms, Wqkv, qkvBias, Wo, postNorms, Wgate, Wup, Wdown, kCaches, vCaches, ...norms })) {
    if (!Array.isArray(list)) throw new TypeError(`decodeLayers: ${what} must be an array`);
    if (list.length !== L) throw new RangeError(`decodeLayers: ${what} holds ${list.length} entries, expected ${L}`);
  }
  const [, C, H, Hkv, D, F] = Array.from(geom) as number[];
  const Wq = (H! + 2 * Hkv!) * D!;
  for (let l = 0; l < L; l++) {
    const sizes: [string, Float32Array | null, number][] = [
      ['inNorms', inNorms[l]!, C!], ['postNorms', postNorms[l]!, C!], ['Wqkv', Wqkv[l]!, Wq * C!], ['qkvBias', qkvBias[l] ?? null, Wq],
      ['Wo', Wo[l]!, C! * H! * D!], ['Wgate', Wgate[l]!, F! * C!], ['Wup', Wup[l]!, F! * C!], ['Wdown', Wdown[l]!, C! * F!],
    ];
    for (const [what, buf, n] of sizes) if (buf) need(buf, n, 'decodeLayers', `${what}[${l}]`);
    if ((qNorms?.[l] == null) !== (kNorms?.[l] == null)) throw new TypeError(`decodeLayers: give both qNorms[${l}] and kNorms[${l}], or neither`);
    for (const [what, buf] of [['qNorms', qNorms?.[l]], ['kNorms', kNorms?.[l]]] as const) if (buf) need(buf, D!, 'decodeLayers', `${what}[${l}]`);
    for (const [what, buf] of [['kCaches', kCaches[l]], ['vCaches', vCaches[l]]] as const) {
      if (!(buf instanceof Float32Array || buf instanceof Uint16Array)) throw new TypeError(`decodeLayers: ${what}[${l}] must be a Float32Array or a Uint16Array (f16 storage)`);
    }
  }
  const g = geom.subarray(0, 9);
  for (let l = 0; l < L; l++) {
    decodeLayer(x, inNorms[l]!, Wqkv[l]!, qkvBias[l] ?? null, Wo[l]!, postNorms[l]!, Wgate[l]!, Wup[l]!, Wdown[l]!, kCaches[l]!, vCaches[l]!, rows, pos,
      cos, sin, g, eps, scale, hn, qkv, att, gu, act, qNorms?.[l] ?? null, kNorms?.[l] ?? null);
  }
  if (head) decodeLogits(x, normW!, Whead!, Int32Array.from([geom[0]!, geom[1]!, V!]), eps, hn, logits!);
}

/** Backend.decodeLogits: final RMSNorm and output head for a decode step (see types.ts). */
export function decodeLogits(x: Float32Array, normW: Float32Array, Whead: Float32Array, geom: Int32Array, eps: number, hn: Float32Array, logits: Float32Array): void {
  if (geom.length !== 3) throw new RangeError('decodeLogits: geom must hold 3 integers [B, C, V]');
  const [B, C, V] = Array.from(geom) as [number, number, number];
  if (B < 0 || C < 0 || V < 0) throw new RangeError('decodeLogits: geom has a negative entry');
  if (!Number.isFinite(eps) || eps < 0) throw new RangeError('decodeLogits: eps must be finite and >= 0');
  const f = 'decodeLogits';
  need(x, B * C, f, 'x'); need(normW, C, f, 'normW'); need(Whead, V * C, f, 'Whead'); need(hn, B * C, f, 'hn'); need(logits, B * V, f, 'logits');
  rmsnorm(x.subarray(0, B * C), normW.subarray(0, C), B, C, eps, hn.subarray(0, B * C), new Float32Array(B));
  gemm(false, true, B, V, C, 1, hn, C, 0, Whead, C, 0, 0, logits, V, 0, 1);
}
