// src/generate/decode.ts — one decode step for a batch of sequences (one new token per KV-cache row): a lean no-grad
// path straight on Backend kernels for dense Llama-style models (MHA/GQA + SwiGLU), and the general path through
// Transformer.forward for everything else (MLA, MoE).
// B = active rows, C = hidden, H = query heads, Hkv = kv heads, D = head dim, F = SwiGLU width, V = vocab.
//
// Why a separate path: the tensor engine's cached forward builds tensors, scopes and per-row attention calls for
// every op; at one token per row that bookkeeping, not arithmetic, dominates. Here every buffer is allocated once
// per generate call, residual adds are folded into the GEMMs (beta = 1), RoPE reads the table rows directly and
// attention over all rows (each at its own length) is a single Backend.decodeAttention call per layer.

import type { Backend } from '../backend/index.js';
import type { KvCache, Transformer } from '../model/index.js';
import { SelfAttention } from '../model/attention.js';
import { SwiGluMlp } from '../model/mlp.js';

/** Advances cache rows by one token each and returns next-token logits. */
export interface DecodeStep {
  /**
   * Appends ids[b] to cache row rows[b] (b < B) and returns the logits (B, V) for each row's next token. The
   * returned array is owned by the stepper and overwritten by the next call.
   */
  step(ids: Int32Array, rows: Int32Array, B: number): Float32Array;
}

/** The general path: Transformer.forward with the cache (any architecture). */
export class ModelDecoder implements DecodeStep {
  constructor(private readonly model: Transformer, private readonly cache: KvCache) {}

  step(ids: Int32Array, rows: Int32Array, B: number): Float32Array {
    const e = this.model.engine;
    return e.scope(() => {
      const logits = this.model.forward(ids.subarray(0, B), B, 1, { cache: this.cache, rows: rows.subarray(0, B) }); // (B, 1, V)
      return Float32Array.from(logits.data);
    });
  }
}

interface LayerWeights {
  inNorm: Float32Array; // (C)
  q: Float32Array; // (H·D, C)
  k: Float32Array; // (Hkv·D, C)
  v: Float32Array; // (Hkv·D, C)
  qb: Float32Array | null; // (H·D)
  kb: Float32Array | null; // (Hkv·D)
  vb: Float32Array | null; // (Hkv·D)
  o: Float32Array; // (C, H·D)
  postNorm: Float32Array; // (C)
  gate: Float32Array; // (F, C)
  up: Float32Array; // (F, C)
  down: Float32Array; // (C, F)
}

/** The fast path for dense MHA/GQA models whose backend has decodeAttention. */
export class DenseDecoder implements DecodeStep {
  /** True when `model` is dense MHA/GQA with SwiGLU MLPs in every layer (what this path computes). */
  static supports(model: Transformer): boolean {
    return model.config.attention.kind === 'mha'
      && model.model.blocks.every((b) => b.parts.self_attn instanceof SelfAttention && b.parts.mlp instanceof SwiGluMlp)
      && typeof model.engine.backend.decodeAttention === 'function';
  }

  private readonly be: Backend;
  private readonly C: number;
  private readonly H: number;
  private readonly Hkv: number;
  private readonly D: number;
  private readonly F: number;
  private readonly V: number;
  private readonly eps: number;
  private readonly layers: LayerWeights[];
  private readonly embed: Float32Array; // (V, C)
  private readonly finalNorm: Float32Array; // (C)
  private readonly head: Float32Array; // (V, C)
  private readonly ropeCos: Float32Array; // (maxSeqLen, D/2)
  private readonly ropeSin: Float32Array; // (maxSeqLen, D/2)
  private readonly scale: number;
  // Work buffers sized for maxBatch rows.
  private readonly x: Float32Array; // (B, C) residual stream
  private readonly hn: Float32Array; // (B, C) normed
  private readonly rstd: Float32Array; // (B)
  private readonly q: Float32Array; // (B, H, D)
  private readonly qr: Float32Array; // (B, H, D) rotated
  private readonly k: Float32Array; // (B, Hkv, D)
  private readonly kr: Float32Array; // (B, Hkv, D) rotated
  private readonly v: Float32Array; // (B, Hkv, D)
  private readonly att: Float32Array; // (B, H, D)
  private readonly gateBuf: Float32Array; // (B, F)
  private readonly upBuf: Float32Array; // (B, F)
  private readonly act: Float32Array; // (B, F)
  private readonly logits: Float32Array; // (B, V)
  private readonly cos: Float32Array; // (B, D/2)
  private readonly sin: Float32Array; // (B, D/2)
  private readonly pos: Int32Array; // (B)
  private readonly geom: Int32Array;

  constructor(model: Transformer, private readonly cache: KvCache, readonly maxBatch: number) {
    if (!DenseDecoder.supports(model)) throw new Error('DenseDecoder: the model is not a dense MHA/GQA SwiGLU model (use ModelDecoder)');
    if (cache.layout.kind !== 'mha') throw new Error('DenseDecoder: the cache is not an MHA cache');
    if (!Number.isInteger(maxBatch) || maxBatch < 1 || maxBatch > cache.rows) throw new RangeError(`DenseDecoder: maxBatch ${maxBatch} must be in [1, cache rows ${cache.rows}]`);
    const c = model.config;
    const first = model.model.blocks[0]!.parts.self_attn as SelfAttention;
    this.be = model.engine.backend;
    this.C = c.hidden;
    this.H = first.H;
    this.Hkv = first.Hkv;
    this.D = first.D;
    this.F = c.intermediate;
    this.V = c.vocabSize;
    this.eps = c.normEps;
    if (cache.layout.nKvHeads !== this.Hkv || cache.layout.headDim !== this.D) throw new Error('DenseDecoder: the cache layout does not match the model');
    this.layers = model.model.blocks.map((blk) => {
      const a = blk.parts.self_attn as SelfAttention;
      const m = blk.parts.mlp as SwiGluMlp;
      return {
        inNorm: blk.parts.input_layernorm.weight.data, postNorm: blk.parts.post_attention_layernorm.weight.data,
        q: a.q_proj.weight.data, k: a.k_proj.weight.data, v: a.v_proj.weight.data, o: a.o_proj.weight.data,
        qb: a.q_proj.bias?.data ?? null, kb: a.k_proj.bias?.data ?? null, vb: a.v_proj.bias?.data ?? null,
        gate: m.gate_proj.weight.data, up: m.up_proj.weight.data, down: m.down_proj.weight.data,
      };
    });
    this.embed = model.model.embed_tokens.weight.data;
    this.finalNorm = model.model.norm.weight.data;
    this.head = model.lm_head ? model.lm_head.weight.data : this.embed;
    this.ropeCos = model.rope.cos;
    this.ropeSin = model.rope.sin;
    this.scale = 1 / Math.sqrt(this.D);
    const n = maxBatch;
    const { C, H, Hkv, D, F, V } = this;
    this.x = new Float32Array(n * C);
    this.hn = new Float32Array(n * C);
    this.rstd = new Float32Array(n);
    this.q = new Float32Array(n * H * D);
    this.qr = new Float32Array(n * H * D);
    this.k = new Float32Array(n * Hkv * D);
    this.kr = new Float32Array(n * Hkv * D);
    this.v = new Float32Array(n * Hkv * D);
    this.att = new Float32Array(n * H * D);
    this.gateBuf = new Float32Array(n * F);
    this.upBuf = new Float32Array(n * F);
    this.act = new Float32Array(n * F);
    this.logits = new Float32Array(n * V);
    this.cos = new Float32Array((n * D) / 2);
    this.sin = new Float32Array((n * D) / 2);
    this.pos = new Int32Array(n);
    this.geom = Int32Array.from([0, H, Hkv, D, cache.rows, cache.maxLen]);
  }

  /** y (B, N) = x (B, K) @ W^T (W is (N, K), the HF Linear layout), plus bias rows when given; beta = 1 accumulates. */
  private linear(x: Float32Array, W: Float32Array, bias: Float32Array | null, y: Float32Array, B: number, N: number, K: number, accumulate = false): void {
    let beta = accumulate ? 1 : 0;
    if (bias) {
      for (let b = 0; b < B; b++) y.set(bias, b * N);
      beta = 1;
    }
    this.be.gemm(false, true, B, N, K, 1, x, K, 0, W, K, 0, beta, y, N, 0, 1);
  }

  step(ids: Int32Array, rows: Int32Array, B: number): Float32Array {
    const { be, C, H, Hkv, D, F, V, eps, cache } = this;
    if (!Number.isInteger(B) || B < 1 || B > this.maxBatch) throw new RangeError(`DenseDecoder.step: B=${B} must be in [1, ${this.maxBatch}]`);
    const half = D / 2;
    const x = this.x.subarray(0, B * C);
    for (let b = 0; b < B; b++) {
      const id = ids[b]!;
      if (!(id >= 0 && id < V)) throw new RangeError(`DenseDecoder.step: token id ${id} outside [0, ${V})`);
      const r = rows[b]!;
      if (!(r >= 0 && r < cache.rows)) throw new RangeError(`DenseDecoder.step: cache row ${r} outside [0, ${cache.rows})`);
      const p = cache.lengths[r]!;
      if (p >= cache.maxLen) throw new RangeError(`DenseDecoder.step: cache row ${r} is full (${p} tokens, maxLen ${cache.maxLen})`);
      this.pos[b] = p;
      x.set(this.embed.subarray(id * C, (id + 1) * C), b * C);
      this.cos.set(this.ropeCos.subarray(p * half, (p + 1) * half), b * half);
      this.sin.set(this.ropeSin.subarray(p * half, (p + 1) * half), b * half);
    }
    const hn = this.hn.subarray(0, B * C);
    const q = this.q.subarray(0, B * H * D), qr = this.qr.subarray(0, B * H * D);
    const k = this.k.subarray(0, B * Hkv * D), kr = this.kr.subarray(0, B * Hkv * D), v = this.v.subarray(0, B * Hkv * D);
    const att = this.att.subarray(0, B * H * D);
    const gate = this.gateBuf.subarray(0, B * F), up = this.upBuf.subarray(0, B * F), act = this.act.subarray(0, B * F);
    const cos = this.cos.subarray(0, B * half), sin = this.sin.subarray(0, B * half);
    this.geom[0] = B;
    for (let l = 0; l < this.layers.length; l++) {
      const w = this.layers[l]!;
      // Attention block: x += o_proj(attn(rope(q), rope(k), v)).
      be.rmsnorm(x, w.inNorm, B, C, eps, hn, this.rstd);
      this.linear(hn, w.q, w.qb, q, B, H * D, C);
      this.linear(hn, w.k, w.kb, k, B, Hkv * D, C);
      this.linear(hn, w.v, w.vb, v, B, Hkv * D, C);
      be.rope(q, cos, sin, 1, B, H, D, false, false, qr); // token b at its own position pos[b]
      be.rope(k, cos, sin, 1, B, Hkv, D, false, false, kr);
      be.decodeAttention(qr, kr, v, cache.k[l]!, cache.v[l]!, rows, this.pos, this.geom, this.scale, att); // (B, H, D)
      this.linear(att, w.o, null, x, B, C, H * D, true);
      // MLP block: x += down(silu(gate(h)) * up(h)).
      be.rmsnorm(x, w.postNorm, B, C, eps, hn, this.rstd);
      this.linear(hn, w.gate, null, gate, B, F, C);
      this.linear(hn, w.up, null, up, B, F, C);
      be.swiglu(gate, up, act);
      this.linear(act, w.down, null, x, B, C, F, true);
    }
    be.rmsnorm(x, this.finalNorm, B, C, eps, hn, this.rstd);
    const logits = this.logits.subarray(0, B * V);
    this.linear(hn, this.head, null, logits, B, V, C);
    for (let b = 0; b < B; b++) cache.lengths[rows[b]!] = this.pos[b]! + 1;
    return logits;
  }
}
