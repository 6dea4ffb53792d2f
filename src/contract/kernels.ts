// src/contract/kernels.ts — the kernel contract: the Backend interface, raw float32 kernels over Float32Array, no tensors,
// no autograd. It sits above both tensor/ (which calls it) and backend/ (whose ref and native backends implement it).
//
// Every kernel writes its outputs completely (outputs may come from a reuse pool and hold stale values) unless
// its doc says it accumulates. Arrays may be subarray views; kernels never keep references after returning.
// Shapes are passed as plain numbers; multi-dimensional strided kernels take Int32Array shape/stride lists.
// Backends are created explicitly (createRefBackend / createNativeBackend) and passed in, never chosen globally.

/** Element-wise unary kernels. p0/p1 are op parameters (pow exponent, clamp bounds, scale factor, ...). */
export const UnaryOp = {
  neg: 0,
  exp: 1,
  log: 2,
  sqrt: 3,
  rsqrt: 4,
  abs: 5,
  /** x^p0 */
  pow: 6,
  /** min(max(x, p0), p1) */
  clamp: 7,
  /** x * p0 + p1 */
  affine: 8,
  silu: 9,
  /** GELU, tanh approximation (GPT-2). */
  gelu: 10,
  relu: 11,
  tanh: 12,
  sigmoid: 13,
  square: 14,
} as const;
export type UnaryOp = (typeof UnaryOp)[keyof typeof UnaryOp];

/** Element-wise binary kernels with broadcasting through strides. */
export const BinaryOp = {
  add: 0,
  sub: 1,
  mul: 2,
  div: 3,
  max: 4,
  min: 5,
} as const;
export type BinaryOp = (typeof BinaryOp)[keyof typeof BinaryOp];

/** Reductions over one axis of an array viewed as (outer, n, inner). */
export const ReduceOp = {
  sum: 0,
  max: 1,
} as const;
export type ReduceOp = (typeof ReduceOp)[keyof typeof ReduceOp];

/** Index names of the attention geometry array (Backend.attention). */
export const AttentionGeometry = {
  B: 0, H: 1, Hkv: 2, Tq: 3, Tk: 4, Dk: 5, Dv: 6,
  qB: 7, qH: 8, qT: 9, kB: 10, kH: 11, kT: 12, vB: 13, vH: 14, vT: 15, oB: 16, oH: 17, oT: 18,
  length: 19,
} as const;

export interface BackendInfo {
  /** Backend name, e.g. 'ref' or 'native'. */
  readonly name: string;
  /** Which GEMM implementation backs matmul. */
  readonly blas: 'openblas' | 'portable' | 'typescript';
  /** OpenBLAS's core type (its kernel set, e.g. 'SkylakeX') when blas is 'openblas'. */
  readonly blasCore?: string;
  /** Worker threads used by non-GEMM kernels. */
  readonly threads: number;
}

/** KV-cache storage: float32, or IEEE half precision stored as its 16 bits (Uint16Array). */
export type KvStore = Float32Array | Uint16Array;

export interface Backend {
  readonly info: BackendInfo;

  /**
   * Batched strided row-major GEMM: for each i < batch,
   *   C_i = alpha * op(A_i) @ op(B_i) + beta * C_i,
   * op(A_i) is M×K (A_i stored K×M when transA), op(B_i) is K×N (B_i stored N×K when transB),
   * A_i = A[i*strideA ...] with leading dimension lda (likewise B, C). A stride of 0 shares one matrix.
   * With beta = 0, C is not read (it may hold stale values or NaN).
   */
  gemm(
    transA: boolean, transB: boolean, M: number, N: number, K: number, alpha: number,
    A: Float32Array, lda: number, strideA: number,
    B: Float32Array, ldb: number, strideB: number,
    beta: number, C: Float32Array, ldc: number, strideC: number, batch: number,
  ): void;

  /** out = f(x) element-wise (out may alias x). */
  unary(op: UnaryOp, x: Float32Array, out: Float32Array, p0: number, p1: number): void;
  /** dx = dy * f'(x) element-wise; y = f(x) is passed because several derivatives are cheaper from it. */
  unaryBackward(op: UnaryOp, x: Float32Array, y: Float32Array, dy: Float32Array, dx: Float32Array, p0: number, p1: number): void;

  /**
   * out[idx] = a[idx·aStrides] op b[idx·bStrides] over the row-major index space `shape` (out is contiguous).
   * Broadcasting is a stride of 0.
   */
  binary(op: BinaryOp, a: Float32Array, aStrides: Int32Array, b: Float32Array, bStrides: Int32Array, out: Float32Array, shape: Int32Array): void;

  /**
   * General strided copy over the index space `shape`: dst[idx·dstStrides] (+)= src[idx·srcStrides].
   * With accumulate, several source elements may land on one destination (stride 0 = sum over that axis):
   * this single kernel implements permute, slice, concat, expand and reduce-to-shape.
   */
  strided(src: Float32Array, srcStrides: Int32Array, dst: Float32Array, dstStrides: Int32Array, shape: Int32Array, accumulate: boolean): void;

  /** out[o, i] = sum/max over j of x[o, j, i]; for max, argmax[o, i] gets j (first maximum). */
  reduce(op: ReduceOp, x: Float32Array, outer: number, n: number, inner: number, out: Float32Array, argmax: Int32Array | null): void;

  /** out = cond != 0 ? a : b with broadcasting strides (out contiguous over `shape`). */
  where(cond: Float32Array, cStrides: Int32Array, a: Float32Array, aStrides: Int32Array, b: Float32Array, bStrides: Int32Array, out: Float32Array, shape: Int32Array): void;

  /** Row-wise softmax (or log-softmax) of x viewed as (rows, n). */
  softmax(x: Float32Array, rows: number, n: number, out: Float32Array, log: boolean): void;
  /** Backward of softmax / log-softmax given its output y. */
  softmaxBackward(y: Float32Array, dy: Float32Array, rows: number, n: number, dx: Float32Array, log: boolean): void;

  /**
   * Fused cross-entropy per row of logits (rows, V): loss[r] = logsumexp(x_r) - x_r[t_r], lse[r] saved;
   * rows whose target equals ignoreIndex get loss 0. Targets outside [0, V) other than ignoreIndex throw.
   */
  crossEntropy(logits: Float32Array, rows: number, V: number, targets: Int32Array, ignoreIndex: number, loss: Float32Array, lse: Float32Array): void;
  /** dlogits[r] = dloss[r] * (softmax(x_r) - onehot(t_r)); zero for ignored rows. */
  crossEntropyBackward(logits: Float32Array, lse: Float32Array, rows: number, V: number, targets: Int32Array, ignoreIndex: number, dloss: Float32Array, dlogits: Float32Array): void;

  /** out[o, j, i] = src[o, idx[j], i]: src is (outer, n, inner), out is (outer, idx.length, inner). */
  indexSelect(src: Float32Array, outer: number, n: number, inner: number, idx: Int32Array, out: Float32Array): void;
  /** dst[o, idx[j], i] += src[o, j, i] (scatter-add, the backward of indexSelect). */
  indexAdd(src: Float32Array, outer: number, n: number, inner: number, idx: Int32Array, dst: Float32Array): void;

  /** RMSNorm over rows (rows, C): out = x * rstd * w, rstd saved. w may be null (no scale). */
  rmsnorm(x: Float32Array, w: Float32Array | null, rows: number, C: number, eps: number, out: Float32Array, rstd: Float32Array): void;
  /** dx written; dw accumulated (+=) when given. */
  rmsnormBackward(x: Float32Array, w: Float32Array | null, rstd: Float32Array, dy: Float32Array, rows: number, C: number, dx: Float32Array, dw: Float32Array | null): void;

  /** LayerNorm over rows (rows, C) with optional affine w, b; mean and rstd saved. */
  layernorm(x: Float32Array, w: Float32Array | null, b: Float32Array | null, rows: number, C: number, eps: number, out: Float32Array, mean: Float32Array, rstd: Float32Array): void;
  /** dx written; dw, db accumulated (+=) when given. */
  layernormBackward(x: Float32Array, w: Float32Array | null, mean: Float32Array, rstd: Float32Array, dy: Float32Array, rows: number, C: number, dx: Float32Array, dw: Float32Array | null, db: Float32Array | null): void;

  /**
   * Rotary embedding (RoPE, Su et al. 2021) on x viewed as (outer, T, inner, D): pair p of position t rotates by
   * (cos[t, p], sin[t, p]) with cos/sin (T, D/2). Pairs are (2p, 2p+1) when interleaved, else (p, p + D/2).
   * inverse rotates by -angle (the backward).
   */
  rope(x: Float32Array, cos: Float32Array, sin: Float32Array, outer: number, T: number, inner: number, D: number, interleaved: boolean, inverse: boolean, out: Float32Array): void;

  /** SwiGLU gate (Shazeer 2020): out = silu(a) * b. */
  swiglu(a: Float32Array, b: Float32Array, out: Float32Array): void;
  swigluBackward(a: Float32Array, b: Float32Array, dy: Float32Array, da: Float32Array, db: Float32Array): void;

  /** Top-k per row of x (rows, n), values sorted descending (ties: lower index first). */
  topk(x: Float32Array, rows: number, n: number, k: number, values: Float32Array, indices: Int32Array): void;

  /**
   * Fused scaled-dot-product attention over strided operands. `geom` (see AttentionGeometry) holds
   * [B, H, Hkv, Tq, Tk, Dk, Dv] then (batch, head, time) element strides of q, k, v and out (the feature axis is
   * contiguous), so q/k/v may be (B, H, T, D) tensors or views into one packed (B, T, 3, H, D) projection.
   * Head h reads kv head floor(h / (H / Hkv)) (GQA). Causal: query i sees keys j <= i + (Tk - Tq) (a KV-cache
   * prefix is visible). probs (B, H, Tq, Tk, contiguous) receives the attention weights when given (for backward).
   */
  attention(q: Float32Array, k: Float32Array, v: Float32Array, geom: Int32Array, scale: number, causal: boolean, out: Float32Array, probs: Float32Array | null): void;
  /**
   * Backward of attention from the saved probs. dq, dk, dv use the strides of q, k, v and dout those of out;
   * every element of dq, dk, dv inside the geometry is written (not accumulated).
   */
  attentionBackward(q: Float32Array, k: Float32Array, v: Float32Array, probs: Float32Array, dout: Float32Array, geom: Int32Array, scale: number, dq: Float32Array, dk: Float32Array, dv: Float32Array): void;

  /**
   * Ragged decode attention (one new token per batch entry, rows at different lengths). Entry b has query heads
   * q[b·qStride ...] (H, D) and new key/value rows k[b·kStride ...], v[b·vStride ...] (Hkv, D) — strides let one
   * packed [q | k | v] projection be passed as three views. When cos/sin (P, D/2) are given, q and k are first rotated
   * by RoPE row pos[b] (HF rotate-half pairs (i, i + D/2)). Every entry's k and v are appended to cache row rows[b] at
   * position pos[b] first; then each entry's H heads attend to its row's first pos[b] + 1 keys; out (B, H, D). So a
   * row may take several entries at consecutive positions (a prompt prefilled in one call: causal attention among
   * them). Caches are time-major (R, L, Hkv, D) (src/model/cache.ts); geom is [B, H, Hkv, D, R, L, qStride, kStride,
   * vStride, P]; head h reads kv head floor(h / (H / Hkv)). (rows[b], pos[b]) pairs must be distinct, pos in [0, L)
   * (and < P with RoPE); positions below pos[b] that no entry appends are read as the cache holds them. Both caches
   * are Float32Array or both Uint16Array (f16 storage: appended rows are rounded to half precision, cached rows
   * widened on read).
   */
  decodeAttention(q: Float32Array, k: Float32Array, v: Float32Array, kCache: KvStore, vCache: KvStore, rows: Int32Array, pos: Int32Array, cos: Float32Array | null, sin: Float32Array | null, geom: Int32Array, scale: number, out: Float32Array): void;

  /**
   * Samples each row b of logits (B, V) with its uniform draw u[b] in [0, 1): temperature 0 = greedy (first maximum);
   * else softmax(logits / T) and plain sampling in id order, or top-k / top-p over candidates in descending
   * probability (ties: lower id; with both, top-p's mass is counted within the top k). tokens[b] gets the token, logprobs[b] log softmax(logits / T) at it over the full
   * vocabulary (T = 1 when greedy). NaN logits or an all -Infinity row throw. See src/backend/ref/sample.ts.
   */
  sampleRows(logits: Float32Array, B: number, V: number, temperature: number, topK: number, topP: number, u: Float64Array, tokens: Int32Array, logprobs: Float64Array): void;
  /** dst[i] = src[i] rounded to IEEE half precision (nearest even; ±inf past 65504), as its 16 bits. Equal lengths. */
  toF16(src: Float32Array, dst: Uint16Array): void;
  /** dst[i] = the value of the half whose bits are src[i] (exact). Equal lengths. */
  fromF16(src: Uint16Array, dst: Float32Array): void;
  /**
   * A Linear weight W (N, K) (the (out, in) layout) prepared for decodeLayer / decodeLogits, in this backend's own
   * layout (the native backend packs column blocks so decode GEMMs need not repack weights on every step; the
   * reference returns a copy). Prepared weights are a snapshot: prepare again after W changes. With `out` (a result of
   * an earlier packLinear of the same N, K) the weights are written into it and it is returned.
   */
  packLinear(W: Float32Array, N: number, K: number, out?: Float32Array): Float32Array;
  /**
   * One dense (Llama-style) decoder layer for a decode step of B entries, in place on the residual stream x (B, C):
   * x += Wo · decodeAttention([q | k | v]) with [q | k | v] = rmsnorm(x; inNorm) · Wqkvᵀ (+ qkvBias), Wqkv
   * ((H + 2·Hkv)·D, C) stacked q_proj, k_proj, v_proj rows; then x += Wdown · (silu(g) ⊙ u) with g = rmsnorm(x;
   * postNorm) · Wgateᵀ, u = the same · Wupᵀ, Wgate and Wup (F, C), Wdown (C, F), Wo (C, H·D). Every weight matrix
   * comes from packLinear of this backend. Attention as decodeAttention (RoPE at pos[b] when cos/sin are given,
   * append to cache row rows[b], attend). geom = [B, C, H, Hkv, D, F, R, L, P]; hn (B, C), qkv (B, (H + 2·Hkv)·D),
   * att (B, H·D), gu (B, 2F), act (B, F) are scratch (overwritten). With qNorm and kNorm (D weights each; both or
   * neither) every query head and key head is first RMS-normalized on its own, with eps, before RoPE (Qwen3).
   */
  decodeLayer(
    x: Float32Array, inNorm: Float32Array, Wqkv: Float32Array, qkvBias: Float32Array | null, Wo: Float32Array, postNorm: Float32Array,
    Wgate: Float32Array, Wup: Float32Array, Wdown: Float32Array, kCache: KvStore, vCache: KvStore, rows: Int32Array, pos: Int32Array,
    cos: Float32Array | null, sin: Float32Array | null, geom: Int32Array, eps: number, scale: number,
    hn: Float32Array, qkv: Float32Array, att: Float32Array, gu: Float32Array, act: Float32Array,
    qNorm?: Float32Array | null, kNorm?: Float32Array | null,
  ): void;
  /**
   * decodeLayer for a whole stack of nLayers layers in one call: each weight, norm and cache argument is an array with
   * one entry per layer (qkvBias entries may be null); geom = [B, C, H, Hkv, D, F, R, L, P, nLayers]. Same result as
   * calling decodeLayer layer by layer (the native backend runs two row groups through all layers on the two cores,
   * with no barrier between layers). With the optional head (normW, Whead, V, logits: all or none) the same call
   * then computes decodeLogits(x, normW, Whead, [B, C, V], eps, hn, logits) on the final residual stream (a decode
   * step in one call: the native backend's row groups go on to their own head rows without waiting for each other).
   * qNorms and kNorms (both or neither; entries null for layers without them) are decodeLayer's per-head norms.
   */
  decodeLayers(
    x: Float32Array, inNorms: Float32Array[], Wqkv: Float32Array[], qkvBias: (Float32Array | null)[], Wo: Float32Array[], postNorms: Float32Array[],
    Wgate: Float32Array[], Wup: Float32Array[], Wdown: Float32Array[], kCaches: KvStore[], vCaches: KvStore[], rows: Int32Array, pos: Int32Array,
    cos: Float32Array | null, sin: Float32Array | null, geom: Int32Array, eps: number, scale: number,
    hn: Float32Array, qkv: Float32Array, att: Float32Array, gu: Float32Array, act: Float32Array,
    normW?: Float32Array | null, Whead?: Float32Array | null, V?: number | null, logits?: Float32Array | null,
    qNorms?: (Float32Array | null)[] | null, kNorms?: (Float32Array | null)[] | null,
  ): void;
  /** logits (B, V) = rmsnorm(x; normW) · Wheadᵀ with Whead (V, C) from packLinear; geom = [B, C, V]; hn (B, C) is scratch. */
  decodeLogits(x: Float32Array, normW: Float32Array, Whead: Float32Array, geom: Int32Array, eps: number, hn: Float32Array, logits: Float32Array): void;

  /**
   * One fused AdamW step (Loshchilov & Hutter 2019, decoupled weight decay) over flat buffers:
   * m = b1 m + (1-b1) g; v = b2 v + (1-b2) g²; p -= lr (m̂ / (sqrt(v̂) + eps) + wd p), with bias corrections
   * 1 - b1^step, 1 - b2^step. gradScale multiplies g first (gradient clipping folded in).
   */
  adamw(p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, lr: number, beta1: number, beta2: number, eps: number, weightDecay: number, step: number, gradScale: number): void;

  /** Sum of squares in float64 accumulation (for gradient-norm clipping). */
  sumSquares(x: Float32Array): number;
  /** x[:] = value */
  fill(x: Float32Array, value: number): void;
  /**
   * Optional allocator for zero-filled buffers the engine pools (and the flat parameter buffers): the native backend
   * aligns them to 64 bytes, which lets GEMM write full cache lines (measured ~10% faster at n = 256).
   */
  allocate?(n: number): Float32Array;
  /**
   * Optional allocator for large buffers streamed from memory every decode step (packed weights, KV caches): a zeroed
   * ArrayBuffer of at least `bytes` bytes that the native backend backs with transparent huge pages (2 MB), or null
   * when it cannot (the caller then allocates normally). With 4 KB pages, streaming costs a TLB miss and a restart of
   * the hardware prefetchers every 4 KB.
   */
  hugeBuffer?(bytes: number): ArrayBuffer | null;
}
