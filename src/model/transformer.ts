// src/model/transformer.ts — the config-driven decoder (Llama-style dense or DeepSeek-V3-style MLA + MoE + MTP):
// embedding, N pre-norm blocks, final RMSNorm, output head (tied or not); full (trainable) and KV-cached forwards.
// Parameter names are the Hugging Face ones (model.layers.N.self_attn.q_proj.weight, ...), so checkpoints map 1:1.
// B = batch, T = tokens per row, C = hidden, V = vocab.

import { Embedding, Linear, Module, RMSNorm } from '../nn/index.js';
import { add, concat, crossEntropy, embedding, indexSelect, linear, reshape, slice, type Engine, type Tensor } from '../tensor/index.js';
import type { Rng } from '../util/rng.js';
import { KvBufferPool, KvCache, type KvDtype } from './cache.js';
import { type ModelConfig, parseModelConfig } from './config.js';
import type { ForwardContext, SharedPrompts } from './context.js';
import { DecoderLayer } from './layer.js';
import { DeepSeekMoe, ModuleList } from './moe.js';
import { MtpModule } from './mtp.js';
import type { NamedTensor } from './checkpoint/safetensors.js';
import { RopeTable } from './rope.js';

export interface ForwardOptions {
  /**
   * Incremental inference (no gradient): batch row b reads the past of cache row rows[b] and appends its T new
   * tokens at position cache.lengths[rows[b]], which then grows by T. Rows may sit at different lengths.
   */
  cache?: KvCache;
  /** Cache rows of the B batch entries (default 0..B-1). */
  rows?: Int32Array;
  /** Only compute logits for the last position of each row: (B, 1, V). Saves the head GEMM on prefill. */
  lastOnly?: boolean;
  /**
   * Only compute logits at position lastIndex[b] of each row b: (B, 1, V). For ragged prompts prefilled as one
   * right-padded batch (causal attention keeps a row's real tokens blind to the padding after them).
   */
  lastIndex?: Int32Array;
}

export interface TrainForward {
  /** (B, T, V) next-token logits. */
  logits: Tensor;
  /** Per MTP depth d: (B, T-d-1, V); row i predicts token i + d + 2 (the last row has no target inside the window). */
  mtpLogits: Tensor[];
  /** Sum of the MoE sequence-wise balance losses (already scaled by α), or null when off. */
  aux: Tensor | null;
}

export class Backbone extends Module {
  readonly embed_tokens: Embedding;
  readonly layers: ModuleList<Module>;
  readonly norm: RMSNorm;
  readonly blocks: DecoderLayer[] = [];
  readonly mtp: MtpModule[] = [];
  constructor(engine: Engine, rng: Rng, c: ModelConfig) {
    super(engine);
    this.embed_tokens = this.child('embed_tokens', new Embedding(engine, rng, c.vocabSize, c.hidden, c.initStd));
    this.layers = this.child('layers', new ModuleList<Module>(engine));
    for (let l = 0; l < c.nLayers; l++) this.blocks.push(this.layers.add(new DecoderLayer(engine, rng, c, l)));
    // MTP modules continue the layer numbering, as in the DeepSeek-V3 checkpoint.
    for (let d = 0; d < c.mtpDepth; d++) this.mtp.push(this.layers.add(new MtpModule(engine, rng, c)));
    this.norm = this.child('norm', new RMSNorm(engine, c.hidden, c.normEps));
  }
}

export class Transformer extends Module {
  readonly config: ModelConfig;
  readonly model: Backbone;
  readonly lm_head: Linear | null;
  readonly rope: RopeTable;
  /** Released caches' huge-page buffers, reused by the next newCache (KvBufferPool). */
  #kvPool: KvBufferPool | null = null;

  /** Builds a randomly initialised model (normal(0, initStd) matrices, unit norms) from a seeded generator. */
  constructor(engine: Engine, config: ModelConfig, rng: Rng) {
    super(engine);
    this.config = parseModelConfig(config);
    const c = this.config;
    this.model = this.child('model', new Backbone(engine, rng, c));
    this.lm_head = c.tieEmbeddings ? null : this.child('lm_head', new Linear(engine, rng, c.hidden, c.vocabSize, { bias: false, std: c.initStd }));
    const ropeDim = c.attention.kind === 'mla' ? c.attention.qkRopeHeadDim : (c.attention.headDim ?? c.hidden / c.nHeads);
    this.rope = new RopeTable(c.maxSeqLen, ropeDim, c.ropeTheta, c.ropeScaling);
  }

  /** A cache for `rows` sequences of up to maxLen tokens, laid out for this model's attention. */
  newCache(rows: number, maxLen = this.config.maxSeqLen, dtype: KvDtype = 'f32'): KvCache {
    const be = this.engine.backend;
    if (be.hugeBuffer && !this.#kvPool) this.#kvPool = new KvBufferPool((bytes) => be.hugeBuffer?.(bytes) ?? null);
    return new KvCache(this.config, rows, maxLen, this.config.nLayers, dtype, this.#kvPool ?? undefined);
  }

  private head(h: Tensor): Tensor {
    return this.lm_head ? this.lm_head.forward(h) : linear(h, this.model.embed_tokens.weight); // (..., V)
  }

  private checkIds(ids: Int32Array, B: number, T: number): void {
    if (!Number.isInteger(B) || !Number.isInteger(T) || B < 1 || T < 1) throw new RangeError(`forward: B=${B}, T=${T} must be positive integers`);
    if (ids.length !== B * T) throw new RangeError(`forward: ${ids.length} ids for B=${B}, T=${T}`);
    const V = this.config.vocabSize;
    for (let i = 0; i < ids.length; i++) if (ids[i]! < 0 || ids[i]! >= V) throw new RangeError(`forward: token id ${ids[i]} at ${i} outside [0, ${V})`);
  }

  /** Final hidden states before the last norm, (B, T, C), and the summed aux loss. */
  private trunk(ids: Int32Array, B: number, T: number, opts: ForwardOptions, train = false, shared?: { prompts: SharedPrompts; positions?: Int32Array }): { h: Tensor; aux: Tensor | null } {
    const e = this.engine;
    const c = this.config;
    const positions = new Int32Array(B * T);
    let cacheCtx: ForwardContext['cache'];
    if (opts.cache) {
      const cache = opts.cache;
      if (cache.released) throw new Error('forward: the KV cache was released; make a new one (model.newCache())');
      if (cache.config !== c && JSON.stringify(cache.config) !== JSON.stringify(c)) throw new Error('forward: the cache was made for a different model config');
      const rows = opts.rows ?? Int32Array.from({ length: B }, (_, b) => b);
      if (rows.length !== B) throw new RangeError(`forward: ${rows.length} cache rows for B=${B}`);
      const starts = new Int32Array(B);
      const seen = new Set<number>();
      for (let b = 0; b < B; b++) {
        const r = rows[b]!;
        if (r < 0 || r >= cache.rows) throw new RangeError(`forward: cache row ${r} outside [0, ${cache.rows})`);
        if (seen.has(r)) throw new RangeError(`forward: cache row ${r} is used by two batch entries`);
        seen.add(r);
        starts[b] = cache.lengths[r]!;
        if (starts[b]! + T > cache.maxLen) throw new RangeError(`forward: cache row ${r} holds ${starts[b]} tokens; ${T} more exceed maxLen ${cache.maxLen}`);
        for (let t = 0; t < T; t++) positions[b * T + t] = starts[b]! + t;
      }
      cacheCtx = { cache, layer: 0, rows, starts };
    } else if (shared?.positions) positions.set(shared.positions);
    else {
      if (T > c.maxSeqLen) throw new RangeError(`forward: T=${T} exceeds maxSeqLen ${c.maxSeqLen}`);
      for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) positions[b * T + t] = t;
    }
    const rope = this.rope.gather(e, positions);
    let x = embedding(this.model.embed_tokens.weight, ids, [B, T]); // (B, T, C)
    let aux: Tensor | null = null;
    this.model.blocks.forEach((blk, layer) => {
      const ctx: ForwardContext = { B, T, rope, train, cache: cacheCtx ? { ...cacheCtx, layer } : undefined, shared: shared ? { layer, prompts: shared.prompts } : undefined };
      const r = blk.forward(x, ctx);
      x = r.x;
      if (r.aux) aux = aux ? add(aux, r.aux) : r.aux;
    });
    if (opts.cache) {
      const rows = cacheCtx!.rows;
      for (let b = 0; b < B; b++) opts.cache.lengths[rows[b]!] = cacheCtx!.starts[b]! + T;
    }
    return { h: x, aux };
  }

  /**
   * Next-token logits (B, T, V) for ids (B·T, row-major); (B, 1, V) with lastOnly. With a cache this is the
   * incremental inference path and runs without recording gradients.
   */
  forward(ids: Int32Array, B: number, T: number, opts: ForwardOptions = {}): Tensor {
    this.checkIds(ids, B, T);
    const run = (): Tensor => {
      const { h } = this.trunk(ids, B, T, opts);
      let last = opts.lastOnly && T > 1 && !opts.lastIndex ? slice(h, 1, T - 1) : h; // (B, 1|T, C)
      if (opts.lastIndex) {
        const at = opts.lastIndex;
        if (at.length !== B) throw new RangeError(`forward: lastIndex holds ${at.length} entries for B=${B}`);
        const flat = new Int32Array(B);
        for (let b = 0; b < B; b++) {
          if (!(at[b]! >= 0 && at[b]! < T)) throw new RangeError(`forward: lastIndex[${b}] = ${at[b]} outside [0, ${T})`);
          flat[b] = b * T + at[b]!;
        }
        last = reshape(indexSelect(reshape(h, [B * T, h.shape[2]!]), 0, flat), [B, 1, h.shape[2]!]); // (B, 1, C)
      }
      return this.head(this.model.norm.forward(last));
    };
    return opts.cache ? this.engine.noGrad(run) : run();
  }

  /**
   * Training forward: main logits, MTP logits per depth (V3 §2.2) and the MoE balance loss; MoE layers record
   * their expert load for updateRoutingBias(). Inference forwards leave the load untouched.
   */
  forwardTrain(ids: Int32Array, B: number, T: number): TrainForward {
    this.checkIds(ids, B, T);
    const { h, aux: mainAux } = this.trunk(ids, B, T, {}, true);
    let aux = mainAux;
    const logits = this.head(this.model.norm.forward(h));
    const mtpLogits: Tensor[] = [];
    let prev = h; // (B, T-d, C)
    for (let d = 0; d < this.model.mtp.length; d++) {
      const Tk = T - d - 1;
      if (Tk < 1) break;
      const shifted = new Int32Array(B * Tk); // t_{i+d+1}
      for (let b = 0; b < B; b++) for (let i = 0; i < Tk; i++) shifted[b * Tk + i] = ids[b * T + i + d + 1]!;
      const emb = embedding(this.model.embed_tokens.weight, shifted, [B, Tk]); // (B, Tk, C)
      const prevK = prev.shape[1] === Tk ? prev : slice(prev, 1, 0, Tk); // (B, Tk, C)
      const pos = new Int32Array(B * Tk);
      for (let b = 0; b < B; b++) for (let i = 0; i < Tk; i++) pos[b * Tk + i] = i;
      const r = this.model.mtp[d]!.forward(emb, prevK, { B, T: Tk, rope: this.rope.gather(this.engine, pos), train: true });
      if (r.aux) aux = aux ? add(aux, r.aux) : r.aux;
      mtpLogits.push(this.head(r.normed)); // (B, Tk, V)
      prev = r.h;
    }
    return { logits, mtpLogits, aux };
  }

  /** Whether forwardSharedPrompts serves this model: MHA/GQA attention and dense FFNs (no MoE load or balance loss). */
  sharesPrompts(): boolean {
    return this.config.attention.kind === 'mha' && this.moeLayers().length === 0;
  }

  /**
   * Next-token logits of completion rows that continue shared prompts (GRPO's G samples of one prompt), computing
   * each prompt once: the prompts run as one right-padded batch (Np, Pmax) that keeps every layer's K/V, then the
   * completion rows (without their last token) run at positions P + t, each run of rows attending to its prompt's K/V
   * first. Only the positions that predict a completion token reach the final norm and the head: per row, the
   * prompt's last position, then its completion positions. Returns (N, V), N = Σ completion lengths, row by row.
   * With `train` the forward records gradients (the shared prompt's add up over its rows). Rows of one prompt must
   * be consecutive. Needs sharesPrompts().
   */
  forwardSharedPrompts(prompts: readonly (readonly number[])[], rows: readonly { prompt: number; completion: readonly number[] }[], train: boolean): Tensor {
    if (!this.sharesPrompts()) throw new Error('forwardSharedPrompts: needs MHA/GQA attention and no MoE layers');
    const c = this.config;
    const Np = prompts.length;
    const Pmax = Math.max(...prompts.map((p) => p.length));
    if (Np === 0 || rows.length === 0 || prompts.some((p) => p.length === 0)) throw new RangeError('forwardSharedPrompts: needs prompts and rows, and no empty prompt');
    const pIds = new Int32Array(Np * Pmax);
    prompts.forEach((p, g) => pIds.set(p, g * Pmax));
    const Bc = rows.length;
    const Tc = Math.max(...rows.map((r) => r.completion.length)) - 1; // the last token is predicted, never read
    const runs: { row: number; n: number; prompt: number; length: number }[] = [];
    rows.forEach((r, b) => {
      if (!(r.prompt >= 0 && r.prompt < Np) || r.completion.length === 0) throw new RangeError(`forwardSharedPrompts: row ${b} has prompt ${r.prompt} of ${Np}, ${r.completion.length} completion tokens`);
      if (prompts[r.prompt]!.length + r.completion.length - 1 > c.maxSeqLen) throw new RangeError(`forwardSharedPrompts: row ${b} is longer than maxSeqLen ${c.maxSeqLen}`);
      const last = runs.at(-1);
      if (last && last.prompt === r.prompt) last.n++;
      else if (runs.some((x) => x.prompt === r.prompt)) throw new RangeError(`forwardSharedPrompts: the rows of prompt ${r.prompt} are not consecutive`);
      else runs.push({ row: b, n: 1, prompt: r.prompt, length: prompts[r.prompt]!.length });
    });
    this.checkIds(pIds, Np, Pmax);
    const shared: SharedPrompts = { mode: 'capture', k: [], v: [], runs };
    const hp = this.trunk(pIds, Np, Pmax, {}, train, { prompts: shared }).h; // (Np, Pmax, C)
    const C = c.hidden;
    let flat = reshape(hp, [Np * Pmax, C]);
    // Per row: the prompt's last position predicts completion token 0; completion input t predicts token t + 1.
    const pick = new Int32Array(rows.reduce((a, r) => a + r.completion.length, 0));
    let k = 0;
    rows.forEach((r, b) => {
      pick[k++] = r.prompt * Pmax + prompts[r.prompt]!.length - 1;
      for (let t = 0; t + 1 < r.completion.length; t++) pick[k++] = Np * Pmax + b * Tc + t;
    });
    if (Tc > 0) {
      const cIds = new Int32Array(Bc * Tc);
      const positions = new Int32Array(Bc * Tc);
      rows.forEach((r, b) => {
        const P = prompts[r.prompt]!.length;
        for (let t = 0; t < Tc; t++) {
          if (t + 1 < r.completion.length) cIds[b * Tc + t] = r.completion[t]!;
          positions[b * Tc + t] = Math.min(P + t, c.maxSeqLen - 1); // padding past a short row: any valid position
        }
      });
      this.checkIds(cIds, Bc, Tc);
      const hc = this.trunk(cIds, Bc, Tc, {}, train, { prompts: { ...shared, mode: 'attend' }, positions }).h; // (Bc, Tc, C)
      flat = concat([flat, reshape(hc, [Bc * Tc, C])], 0);
    }
    return this.head(this.model.norm.forward(indexSelect(flat, 0, pick))); // (N, V)
  }

  /**
   * Mean cross-entropy of each MTP depth against the tokens it predicts (V3 eq. 24 before the λ/D weighting).
   * `targets` are the main loss's (B·T): position i's next token, or -100 where it carries no loss (prompt tokens,
   * padding). Depth d at position i predicts token i + d + 2, the main target of position i + d + 1, so the MTP
   * losses count exactly the tokens the main loss counts. `reduction` 'sum' sums each depth's token losses instead.
   */
  mtpLosses(out: TrainForward, targets: Int32Array, B: number, T: number, reduction: 'mean' | 'sum' = 'mean'): Tensor[] {
    if (targets.length !== B * T) throw new RangeError(`mtpLosses: ${targets.length} targets for B=${B}, T=${T}`);
    return out.mtpLogits.map((lg, d) => {
      const Tk = lg.shape[1]!;
      const tg = new Int32Array(B * Tk);
      for (let b = 0; b < B; b++) for (let i = 0; i < Tk; i++) tg[b * Tk + i] = targets[b * T + i + d + 1]!;
      return crossEntropy(reshape(lg, [B * Tk, this.config.vocabSize]), tg, { reduction });
    });
  }

  /** MoE layers (main and MTP), for the aux-loss-free bias updates and load statistics. */
  moeLayers(): DeepSeekMoe[] {
    const out: DeepSeekMoe[] = [];
    for (const blk of [...this.model.blocks.map((b) => b.parts), ...this.model.mtp.map((m) => m.parts)]) if (blk.mlp instanceof DeepSeekMoe) out.push(blk.mlp);
    return out;
  }

  /** One aux-loss-free balancing step on every MoE layer (call after each optimizer step); returns max/mean load. */
  updateRoutingBias(): number[] {
    return this.moeLayers().map((m) => m.updateBias());
  }

  /** Every tensor by its HF name — parameters plus routing-bias buffers — as live views (no copies). */
  stateDict(): Map<string, NamedTensor> {
    const out = new Map<string, NamedTensor>();
    for (const [name, t] of this.namedParameters()) out.set(name, { shape: [...t.shape], data: t.data });
    for (const [name, m] of this.moeNamed()) out.set(`${name}.gate.e_score_correction_bias`, { shape: [m.gate.bias.length], data: m.gate.bias });
    return out;
  }

  private moeNamed(): [string, DeepSeekMoe][] {
    const out: [string, DeepSeekMoe][] = [];
    const all = [...this.model.blocks.map((b) => b.parts), ...this.model.mtp.map((m) => m.parts)];
    all.forEach((p, l) => {
      if (p.mlp instanceof DeepSeekMoe) out.push([`model.layers.${l}.mlp`, p.mlp]);
    });
    return out;
  }

  /**
   * Copies weights in (values only; the flat parameter buffer stays in place). Every model tensor must be present
   * with the right shape; `ignore` names extra checkpoint tensors that may be skipped (e.g. a tied lm_head).
   */
  loadStateDict(weights: ReadonlyMap<string, NamedTensor>, source = 'state dict', ignore: (name: string) => boolean = () => false): void {
    const own = this.stateDict();
    const missing = [...own.keys()].filter((k) => !weights.has(k));
    const unexpected = [...weights.keys()].filter((k) => !own.has(k) && !ignore(k));
    if (missing.length || unexpected.length) {
      const show = (xs: string[]): string => xs.slice(0, 8).join(', ') + (xs.length > 8 ? `, … (${xs.length} in all)` : '');
      throw new Error(`${source}: does not match the model: ${missing.length ? `missing ${show(missing)}` : ''}${missing.length && unexpected.length ? '; ' : ''}${unexpected.length ? `unexpected ${show(unexpected)}` : ''}`);
    }
    for (const [k, dst] of own) {
      const src = weights.get(k)!;
      if (src.shape.length !== dst.shape.length || src.shape.some((d, i) => d !== dst.shape[i])) {
        throw new Error(`${source}: tensor ${k} has shape [${src.shape.join(', ')}], the model expects [${dst.shape.join(', ')}]`);
      }
      dst.data.set(src.data);
    }
  }
}
