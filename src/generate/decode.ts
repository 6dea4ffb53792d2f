// src/generate/decode.ts — one decode step for a batch of sequences (one new token per KV-cache row): a lean no-grad
// path straight on Backend kernels for dense Llama-style models (MHA/GQA + SwiGLU), and the general path through
// Transformer.forward for everything else (MLA, MoE).
// B = active rows, C = hidden, H = query heads, Hkv = kv heads, D = head dim, F = SwiGLU width, V = vocab.
//
// Why a separate path: the tensor engine's cached forward builds tensors, scopes and per-row attention calls for
// every op; at one token per row that bookkeeping, not arithmetic, dominates. Here every buffer is allocated once
// per decoder, weights are stacked (q/k/v) and packed for the backend's decode kernels at construction (so a decoder must not
// outlive a weight update: generate() builds one per call), and each layer is one Backend.decodeLayer call (norms,
// GEMMs with the residual adds folded in, RoPE at each row's own position, the cache append, attention over all
// rows at their own lengths, SwiGLU), the final norm and head one Backend.decodeLogits call.

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
  qkv: Float32Array; // (Wq, C), Wq = (H + 2·Hkv)·D: q_proj, k_proj, v_proj rows stacked
  qkvBias: Float32Array | null; // (Wq)
  o: Float32Array; // (C, H·D)
  postNorm: Float32Array; // (C)
  gate: Float32Array; // (F, C)
  up: Float32Array; // (F, C)
  down: Float32Array; // (C, F)
}

function stack(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** The fast path for dense MHA/GQA models: one Backend.decodeLayers call per step on weights packed at construction. */
export class DenseDecoder implements DecodeStep {
  /** True when `model` is dense MHA/GQA with SwiGLU MLPs in every layer (what this path computes). */
  static supports(model: Transformer): boolean {
    return model.config.attention.kind === 'mha'
      && model.model.blocks.every((b) => b.parts.self_attn instanceof SelfAttention && b.parts.mlp instanceof SwiGluMlp)
      && typeof model.engine.backend.decodeLayers === 'function';
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
  private readonly head: Float32Array; // (V, C), packed
  private readonly ropeCos: Float32Array; // (maxSeqLen, D/2)
  private readonly ropeSin: Float32Array; // (maxSeqLen, D/2)
  private readonly scale: number;
  // Work buffers sized for maxBatch rows.
  private readonly x: Float32Array; // (B, C) residual stream
  private readonly hn: Float32Array; // (B, C) normed
  private readonly Wq: number;
  private readonly qkv: Float32Array; // (B, Wq) packed [q | k | v] per row
  private readonly att: Float32Array; // (B, H, D)
  private readonly gu: Float32Array; // (B, 2F) [gate | up] per row (decodeLayer scratch)
  private readonly act: Float32Array; // (B, F)
  private readonly logits: Float32Array; // (B, V)
  private readonly pos: Int32Array; // (B)
  private readonly geom: Int32Array; // decodeLayers' [B, C, H, Hkv, D, F, R, L, P, nLayers]
  private readonly headGeom: Int32Array; // decodeLogits' [B, C, V]

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
    const pack = (W: Float32Array, N: number, K: number): Float32Array => this.be.packLinear(W, N, K);
    this.layers = model.model.blocks.map((blk) => {
      const a = blk.parts.self_attn as SelfAttention;
      const m = blk.parts.mlp as SwiGluMlp;
      const biases = [a.q_proj.bias, a.k_proj.bias, a.v_proj.bias];
      return {
        inNorm: blk.parts.input_layernorm.weight.data, postNorm: blk.parts.post_attention_layernorm.weight.data,
        qkv: pack(stack([a.q_proj.weight.data, a.k_proj.weight.data, a.v_proj.weight.data]), (this.H + 2 * this.Hkv) * this.D, this.C),
        qkvBias: biases.every((b) => b) ? stack(biases.map((b) => b!.data)) : null,
        o: pack(a.o_proj.weight.data, this.C, this.H * this.D),
        gate: pack(m.gate_proj.weight.data, this.F, this.C), up: pack(m.up_proj.weight.data, this.F, this.C), down: pack(m.down_proj.weight.data, this.C, this.F),
      };
    });
    this.embed = model.model.embed_tokens.weight.data;
    this.finalNorm = model.model.norm.weight.data;
    this.head = pack(model.lm_head ? model.lm_head.weight.data : this.embed, this.V, this.C);
    this.ropeCos = model.rope.cos;
    this.ropeSin = model.rope.sin;
    this.scale = 1 / Math.sqrt(this.D);
    const n = maxBatch;
    const { C, H, D, F, V } = this;
    const Hkv = this.Hkv;
    this.x = new Float32Array(n * C);
    this.hn = new Float32Array(n * C);
    this.Wq = (H + 2 * Hkv) * D;
    this.qkv = new Float32Array(n * this.Wq);
    this.att = new Float32Array(n * H * D);
    this.gu = new Float32Array(n * 2 * F);
    this.act = new Float32Array(n * F);
    this.logits = new Float32Array(n * V);
    this.pos = new Int32Array(n);
    this.geom = Int32Array.from([0, C, H, Hkv, D, F, cache.rows, cache.maxLen, this.ropeCos.length / (D / 2), this.layers.length]);
    this.headGeom = Int32Array.from([0, C, V]);
  }

  step(ids: Int32Array, rows: Int32Array, B: number): Float32Array {
    const { be, C, V, cache } = this;
    if (!Number.isInteger(B) || B < 1 || B > this.maxBatch) throw new RangeError(`DenseDecoder.step: B=${B} must be in [1, ${this.maxBatch}]`);
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
    }
    this.geom[0] = B;
    const Ls = this.layers;
    be.decodeLayers(x, Ls.map((w) => w.inNorm), Ls.map((w) => w.qkv), Ls.map((w) => w.qkvBias), Ls.map((w) => w.o), Ls.map((w) => w.postNorm),
      Ls.map((w) => w.gate), Ls.map((w) => w.up), Ls.map((w) => w.down), cache.k, cache.v, rows, this.pos, this.ropeCos, this.ropeSin, this.geom,
      this.eps, this.scale, this.hn, this.qkv, this.att, this.gu, this.act);
    this.headGeom[0] = B;
    const logits = this.logits.subarray(0, B * V);
    be.decodeLogits(x, this.finalNorm, this.head, this.headGeom, this.eps, this.hn, logits);
    for (let b = 0; b < B; b++) cache.lengths[rows[b]!] = this.pos[b]! + 1;
    return logits;
  }
}
