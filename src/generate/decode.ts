// src/generate/decode.ts — the model work of generation: prefilling prompts into KV-cache rows and decode steps (one
// new token per row), on a lean no-grad path straight on Backend kernels for dense Llama-style models (MHA/GQA +
// SwiGLU), and through Transformer.forward for everything else (MLA, MoE).
// B = active rows, C = hidden, H = query heads, Hkv = kv heads, D = head dim, F = SwiGLU width, V = vocab.
//
// Why a separate path: the tensor engine's cached forward builds tensors, scopes and per-row attention calls for
// every op; at one token per row that bookkeeping, not arithmetic, dominates. Here every buffer is allocated once
// per decoder, weights are stacked (q/k/v) and packed for the backend's decode kernels once (DecoderWeights, reusable
// across generate calls while the weights do not change), and a whole step is one Backend.decodeLayers call (per
// layer: norms, GEMMs with the residual adds folded in, RoPE at each row's own position, the cache append, attention
// over all rows at their own lengths, SwiGLU; then the final norm and head). Prompts
// go through the same call, every prompt token one entry (entries of one row attend causally to each other).

import type { Backend } from '../backend/index.js';
import type { KvCache, Transformer } from '../model/index.js';
import { SelfAttention } from '../model/attention.js';
import { SwiGluMlp } from '../model/mlp.js';

/** Advances cache rows: whole prompts (prefill) or one token per row (a decode step); returns next-token logits. */
export interface DecodeStep {
  /**
   * Appends ids[b] to cache row rows[b] (b < B) and returns the logits (B, V) for each row's next token. The
   * returned array is owned by the stepper and overwritten by the next call.
   */
  step(ids: Int32Array, rows: Int32Array, B: number): Float32Array;
  /**
   * Appends each entry's tokens `rest` to cache row `slot` (after the row's current length) and returns, per entry,
   * the logits (V) after its last token (fresh arrays).
   */
  prefill(group: readonly { slot: number; rest: readonly number[] }[]): Float32Array[];
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

  /**
   * One forward for the whole group: prompts right-padded to the longest (causal attention keeps each row's real
   * tokens blind to the padding after them; the padding's cache entries are dropped), logits taken at each row's last
   * real token.
   */
  prefill(group: readonly { slot: number; rest: readonly number[] }[]): Float32Array[] {
    const { model, cache } = this;
    const V = model.config.vocabSize;
    const B = group.length;
    const T = group.reduce((m, g) => Math.max(m, g.rest.length), 0);
    const ids = new Int32Array(B * T);
    const last = new Int32Array(B);
    const rowIds = new Int32Array(B);
    group.forEach((g, b) => {
      for (let t = 0; t < T; t++) ids[b * T + t] = g.rest[Math.min(t, g.rest.length - 1)]!;
      last[b] = g.rest.length - 1;
      rowIds[b] = g.slot;
    });
    const starts = group.map((g) => cache.lengths[g.slot]!);
    const flat = model.engine.scope(() => Float32Array.from(model.forward(ids, B, T, { cache, rows: rowIds, lastIndex: last }).data)); // (B, 1, V)
    group.forEach((g, b) => cache.reset(g.slot, starts[b]! + g.rest.length));
    return group.map((_, b) => flat.subarray(b * V, (b + 1) * V));
  }
}

export interface LayerWeights {
  inNorm: Float32Array; // (C), the model's own
  qkv: Float32Array; // (Wq, C) packed, Wq = (H + 2·Hkv)·D: q_proj, k_proj, v_proj rows stacked
  qkvBias: Float32Array | null; // (Wq)
  o: Float32Array; // (C, H·D) packed
  postNorm: Float32Array; // (C), the model's own
  gate: Float32Array; // (F, C) packed
  up: Float32Array; // (F, C) packed
  down: Float32Array; // (C, F) packed
  qNorm: Float32Array | null; // (D), the model's own: Qwen3's per-head q/k norms, or null
  kNorm: Float32Array | null; // (D)
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

/**
 * A dense MHA/GQA SwiGLU model's weights prepared for the fused decode kernels: q/k/v stacked and every matrix packed
 * by Backend.packLinear (the native backend's column-block layout). Packing reads and writes every weight once (a few
 * milliseconds for the reference model, more for a larger one), so callers that generate many times from unchanged
 * weights (evaluation, a server) prepare once and pass the result to each generate call. The packed matrices are a
 * snapshot: call refresh() after the model's weights change (an optimizer step, a checkpoint load); norm gains and
 * the embedding table are read from the model live.
 */
export class DecoderWeights {
  /** True when `model` is dense MHA/GQA with SwiGLU MLPs in every layer (what the fused path computes). */
  static supports(model: Transformer): boolean {
    return model.config.attention.kind === 'mha'
      && model.model.blocks.every((b) => b.parts.self_attn instanceof SelfAttention && b.parts.mlp instanceof SwiGluMlp)
      && typeof model.engine.backend.decodeLayers === 'function';
  }

  readonly be: Backend;
  readonly C: number;
  readonly H: number;
  readonly Hkv: number;
  readonly D: number;
  readonly F: number;
  readonly V: number;
  readonly Wq: number;
  readonly eps: number;
  readonly scale: number;
  readonly layers: LayerWeights[];
  readonly embed: Float32Array; // (V, C)
  readonly finalNorm: Float32Array; // (C)
  readonly head: Float32Array; // (V, C), packed
  readonly ropeCos: Float32Array; // (maxSeqLen, D/2)
  readonly ropeSin: Float32Array; // (maxSeqLen, D/2)

  constructor(readonly model: Transformer) {
    if (!DecoderWeights.supports(model)) throw new Error('DecoderWeights: the model is not a dense MHA/GQA SwiGLU model (use ModelDecoder)');
    const c = model.config;
    const first = model.model.blocks[0]!.parts.self_attn as SelfAttention;
    this.be = model.engine.backend;
    this.C = c.hidden;
    this.H = first.H;
    this.Hkv = first.Hkv;
    this.D = first.D;
    this.F = c.intermediate;
    this.V = c.vocabSize;
    this.Wq = (this.H + 2 * this.Hkv) * this.D;
    this.eps = c.normEps;
    this.scale = 1 / Math.sqrt(this.D);
    this.embed = model.model.embed_tokens.weight.data;
    this.finalNorm = model.model.norm.weight.data;
    this.ropeCos = model.rope.cos;
    this.ropeSin = model.rope.sin;
    ({ layers: this.layers, head: this.head } = this.pack(null));
  }

  /** Re-reads the model's current weights into the packed matrices (into the same buffers). */
  refresh(): void {
    this.pack(this);
  }

  /** Stacks and packs the model's weights, into `into`'s buffers when given (they are then returned again). */
  private pack(into: { layers: LayerWeights[]; head: Float32Array } | null): { layers: LayerWeights[]; head: Float32Array } {
    const { C, H, D, F, V, Wq } = this;
    const pack = (W: Float32Array, N: number, K: number, prev: Float32Array | undefined): Float32Array => this.be.packLinear(W, N, K, prev);
    const layers = this.model.model.blocks.map((blk, l): LayerWeights => {
      const a = blk.parts.self_attn as SelfAttention;
      const m = blk.parts.mlp as SwiGluMlp;
      const prev = into?.layers[l];
      const biases = [a.q_proj.bias, a.k_proj.bias, a.v_proj.bias];
      const bias = biases.every((x) => x) ? stack(biases.map((x) => x!.data)) : null;
      if (bias && prev?.qkvBias) prev.qkvBias.set(bias);
      return {
        inNorm: blk.parts.input_layernorm.weight.data, postNorm: blk.parts.post_attention_layernorm.weight.data,
        qkv: pack(stack([a.q_proj.weight.data, a.k_proj.weight.data, a.v_proj.weight.data]), Wq, C, prev?.qkv),
        qkvBias: prev?.qkvBias ?? bias,
        o: pack(a.o_proj.weight.data, C, H * D, prev?.o),
        gate: pack(m.gate_proj.weight.data, F, C, prev?.gate), up: pack(m.up_proj.weight.data, F, C, prev?.up), down: pack(m.down_proj.weight.data, C, F, prev?.down),
        qNorm: a.q_norm?.weight.data ?? null, kNorm: a.k_norm?.weight.data ?? null,
      };
    });
    const head = pack(this.model.lm_head ? this.model.lm_head.weight.data : this.embed, V, C, into?.head);
    return { layers, head };
  }
}

/** Work buffers of the fused path for up to n entries per call. */
class Buffers {
  readonly x: Float32Array; // (n, C) residual stream
  readonly hn: Float32Array; // (n, C) normed
  readonly qkv: Float32Array; // (n, Wq) packed [q | k | v] per entry
  readonly att: Float32Array; // (n, H, D)
  readonly gu: Float32Array; // (n, 2F) [gate | up] per entry
  readonly act: Float32Array; // (n, F)
  readonly rows: Int32Array; // (n)
  readonly pos: Int32Array; // (n)
  constructor(readonly n: number, w: DecoderWeights) {
    this.x = new Float32Array(n * w.C);
    this.hn = new Float32Array(n * w.C);
    this.qkv = new Float32Array(n * w.Wq);
    this.att = new Float32Array(n * w.H * w.D);
    this.gu = new Float32Array(n * 2 * w.F);
    this.act = new Float32Array(n * w.F);
    this.rows = new Int32Array(n);
    this.pos = new Int32Array(n);
  }
}

/**
 * The fast path for dense MHA/GQA models: one Backend.decodeLayers call per decode step (and per prefill chunk) on
 * weights packed by a DecoderWeights.
 */
export class DenseDecoder implements DecodeStep {
  /** True when `model` is dense MHA/GQA with SwiGLU MLPs in every layer (what this path computes). */
  static supports(model: Transformer): boolean {
    return DecoderWeights.supports(model);
  }

  readonly weights: DecoderWeights;
  private readonly buf: Buffers; // decode steps: maxBatch entries
  private prefillBuf: Buffers | null = null; // prefill chunks, allocated on first use
  private readonly logits: Float32Array; // (maxBatch, V)
  private readonly geom: Int32Array; // decodeLayers' [B, C, H, Hkv, D, F, R, L, P, nLayers]
  private readonly headGeom: Int32Array; // decodeLogits' [B, C, V]
  private readonly lists: {
    inNorm: Float32Array[]; qkv: Float32Array[]; qkvBias: (Float32Array | null)[]; o: Float32Array[]; postNorm: Float32Array[]; gate: Float32Array[]; up: Float32Array[]; down: Float32Array[];
    /** Per-head q/k norms (Qwen3), or null when no layer has them. */
    qNorm: (Float32Array | null)[] | null; kNorm: (Float32Array | null)[] | null;
  };

  /**
   * `model` packs its weights now; pass a DecoderWeights to reuse weights packed earlier. `prefillChunk` caps the
   * entries (prompt tokens) per fused prefill call.
   */
  constructor(model: Transformer | DecoderWeights, private readonly cache: KvCache, readonly maxBatch: number, readonly prefillChunk = PREFILL_CHUNK) {
    const w = model instanceof DecoderWeights ? model : new DecoderWeights(model);
    this.weights = w;
    if (cache.layout.kind !== 'mha') throw new Error('DenseDecoder: the cache is not an MHA cache');
    if (!Number.isInteger(maxBatch) || maxBatch < 1 || maxBatch > cache.rows) throw new RangeError(`DenseDecoder: maxBatch ${maxBatch} must be in [1, cache rows ${cache.rows}]`);
    if (cache.layout.nKvHeads !== w.Hkv || cache.layout.headDim !== w.D) throw new Error('DenseDecoder: the cache layout does not match the model');
    if (!Number.isInteger(prefillChunk) || prefillChunk < 1) throw new RangeError(`DenseDecoder: prefillChunk ${prefillChunk} must be a positive integer`);
    this.buf = new Buffers(maxBatch, w);
    this.logits = new Float32Array(maxBatch * w.V);
    this.geom = Int32Array.from([0, w.C, w.H, w.Hkv, w.D, w.F, cache.rows, cache.maxLen, w.ropeCos.length / (w.D / 2), w.layers.length]);
    this.headGeom = Int32Array.from([0, w.C, w.V]);
    const Ls = w.layers;
    this.lists = {
      inNorm: Ls.map((l) => l.inNorm), qkv: Ls.map((l) => l.qkv), qkvBias: Ls.map((l) => l.qkvBias), o: Ls.map((l) => l.o), postNorm: Ls.map((l) => l.postNorm),
      gate: Ls.map((l) => l.gate), up: Ls.map((l) => l.up), down: Ls.map((l) => l.down),
      qNorm: Ls.some((l) => l.qNorm) ? Ls.map((l) => l.qNorm) : null, kNorm: Ls.some((l) => l.kNorm) ? Ls.map((l) => l.kNorm) : null,
    };
  }

  /**
   * Runs entries [0, n) of `b` (embedded into b.x, rows/pos set) through every layer and, with `logits`, the final
   * norm and head too (every entry's logits (n, V), in the same backend call).
   */
  private layers(b: Buffers, n: number, logits?: Float32Array): void {
    const w = this.weights, L = this.lists, C = w.C;
    this.geom[0] = n;
    w.be.decodeLayers(b.x.subarray(0, n * C), L.inNorm, L.qkv, L.qkvBias, L.o, L.postNorm, L.gate, L.up, L.down, this.cache.k, this.cache.v,
      b.rows.subarray(0, n), b.pos.subarray(0, n), w.ropeCos, w.ropeSin, this.geom, w.eps, w.scale, b.hn, b.qkv, b.att, b.gu, b.act,
      logits ? w.finalNorm : null, logits ? w.head : null, logits ? w.V : null, logits ?? null, L.qNorm, L.kNorm);
  }

  /** logits (n, V) of residual rows x (n, C). */
  private head(x: Float32Array, n: number, hn: Float32Array, logits: Float32Array): void {
    const w = this.weights;
    this.headGeom[0] = n;
    w.be.decodeLogits(x.subarray(0, n * w.C), w.finalNorm, w.head, this.headGeom, w.eps, hn, logits);
  }

  step(ids: Int32Array, rows: Int32Array, B: number): Float32Array {
    const { cache } = this;
    const { C, V, embed } = this.weights;
    if (!Number.isInteger(B) || B < 1 || B > this.maxBatch) throw new RangeError(`DenseDecoder.step: B=${B} must be in [1, ${this.maxBatch}]`);
    const b0 = this.buf;
    for (let b = 0; b < B; b++) {
      const id = ids[b]!;
      if (!(id >= 0 && id < V)) throw new RangeError(`DenseDecoder.step: token id ${id} outside [0, ${V})`);
      const r = rows[b]!;
      if (!(r >= 0 && r < cache.rows)) throw new RangeError(`DenseDecoder.step: cache row ${r} outside [0, ${cache.rows})`);
      const p = cache.lengths[r]!;
      if (p >= cache.maxLen) throw new RangeError(`DenseDecoder.step: cache row ${r} is full (${p} tokens, maxLen ${cache.maxLen})`);
      b0.rows[b] = r;
      b0.pos[b] = p;
      b0.x.set(embed.subarray(id * C, (id + 1) * C), b * C);
    }
    const logits = this.logits.subarray(0, B * V);
    this.layers(b0, B, logits);
    for (let b = 0; b < B; b++) cache.lengths[rows[b]!] = b0.pos[b]! + 1;
    return logits;
  }

  /**
   * Appends each group entry's tokens to its cache row (after the row's current length) and returns the next-token
   * logits after each entry's last token. All rows' tokens go through the layers together, in chunks of at most
   * prefillChunk entries (a row's tokens attend causally to the ones before them, in the same chunk or an earlier
   * one), so a batch of short prompts costs one fused call.
   */
  prefill(group: readonly { slot: number; rest: readonly number[] }[]): Float32Array[] {
    const { cache } = this;
    const { C, V, embed } = this.weights;
    let total = 0;
    for (const g of group) {
      if (!(g.slot >= 0 && g.slot < cache.rows)) throw new RangeError(`DenseDecoder.prefill: cache row ${g.slot} outside [0, ${cache.rows})`);
      if (g.rest.length === 0) throw new RangeError(`DenseDecoder.prefill: row ${g.slot} has no tokens`);
      if (cache.lengths[g.slot]! + g.rest.length > cache.maxLen) {
        throw new RangeError(`DenseDecoder.prefill: row ${g.slot} holds ${cache.lengths[g.slot]} tokens; ${g.rest.length} more exceed maxLen ${cache.maxLen}`);
      }
      for (const id of g.rest) if (!(Number.isInteger(id) && id >= 0 && id < V)) throw new RangeError(`DenseDecoder.prefill: token id ${id} outside [0, ${V})`);
      total += g.rest.length;
    }
    // Chunk size: at most prefillChunk entries and about 64 MB of work buffers (a large model's entry needs more).
    const w = this.weights;
    const floatsPerEntry = 2 * C + w.Wq + w.H * w.D + 3 * w.F;
    const n = Math.min(total, this.prefillChunk, Math.max(16, Math.floor(PREFILL_BUFFER_FLOATS / floatsPerEntry)));
    if (!this.prefillBuf || this.prefillBuf.n < n) this.prefillBuf = new Buffers(n, this.weights);
    const pb = this.prefillBuf;
    const lastX = new Float32Array(group.length * C); // each row's residual after its last token
    let filled = 0;
    // Rows whose last token sits in the chunk being filled: (entry index in the chunk, group index).
    let pending: [number, number][] = [];
    const flush = (): void => {
      if (filled === 0) return;
      this.layers(pb, filled);
      for (const [e, i] of pending) lastX.set(pb.x.subarray(e * C, (e + 1) * C), i * C);
      pending = [];
      filled = 0;
    };
    group.forEach((g, gi) => {
      const start = cache.lengths[g.slot]!;
      g.rest.forEach((id, t) => {
        if (filled === n) flush();
        pb.rows[filled] = g.slot;
        pb.pos[filled] = start + t;
        pb.x.set(embed.subarray(id * C, (id + 1) * C), filled * C);
        if (t === g.rest.length - 1) pending.push([filled, gi]);
        filled++;
      });
    });
    flush();
    group.forEach((g) => { cache.lengths[g.slot] = cache.lengths[g.slot]! + g.rest.length; });
    const logits = new Float32Array(group.length * V);
    this.head(lastX, group.length, new Float32Array(group.length * C), logits);
    return group.map((_, i) => logits.subarray(i * V, (i + 1) * V));
  }
}

/** Most entries per fused prefill call (about 18 KB of work buffers per entry for the reference model). */
const PREFILL_CHUNK = 1024;
/** Work-buffer budget of a fused prefill chunk, in floats (64 MB). */
const PREFILL_BUFFER_FLOATS = 1 << 24;

/**
 * Longest prompt remainder generate() prefills through the fused path; longer ones go through Transformer.forward,
 * whose attention runs as matrix products (the fused path attends token by token: quadratic reads of the row).
 */
export const FUSED_PREFILL_MAX_TOKENS = 512;
