// src/model/moe.ts — DeepSeekMoE (DeepSeek-V3 §2.1.2): shared experts on every token plus fine-grained routed
// experts chosen top-k per token, auxiliary-loss-free load balancing, optional sequence-wise balance loss.
// N = tokens (B·T), C = hidden, E = routed experts, K = experts per token, F = expert width.

import { Linear, Module } from '../nn/index.js';
import { add, concat, div, indexSelect, linear, mean, mul, reshape, scale, scatterAdd, sigmoid, softmax, sum, type Engine, type Tensor } from '../tensor/index.js';
import type { Rng } from '../util/rng.js';
import type { ModelConfig, MoeConfig } from './config.js';
import { SwiGluMlp } from './mlp.js';

/** A plain list of child modules named 0, 1, 2, ... (PyTorch nn.ModuleList), for HF-compatible names. */
export class ModuleList<M extends Module> extends Module {
  readonly items: M[] = [];
  add<T extends M>(m: T): T {
    this.items.push(this.child(String(this.items.length), m));
    return m;
  }
}

/** The router: affinity weights (E, C) and the aux-loss-free selection bias (a buffer, not trained by gradient). */
export class MoeGate extends Module {
  readonly weight: Tensor; // (E, C)
  /** b_i of V3 eq. 16: added to affinities for top-k selection only; HF name `gate.e_score_correction_bias`. */
  readonly bias: Float32Array;
  constructor(engine: Engine, rng: Rng, hidden: number, experts: number, std: number) {
    super(engine);
    this.weight = this.param('weight', [experts, hidden], { kind: 'normal', std }, rng);
    this.bias = new Float32Array(experts);
  }
}

/**
 * Top-k routing on plain arrays (no gradient flows through the choice). scores (N, E) are affinities s_{i,t};
 * selection uses s + bias, restricted to the topkGroup best groups (V3 node-limited routing; a group's score is
 * the sum of its two best biased affinities, as in the reference implementation). Returns chosen ids (N, K).
 */
export function routeTopK(scores: Float32Array, bias: Float32Array, N: number, m: Pick<MoeConfig, 'nRoutedExperts' | 'expertsPerToken' | 'nGroup' | 'topkGroup'>): Int32Array {
  const E = m.nRoutedExperts, K = m.expertsPerToken, G = m.nGroup, per = E / G;
  const out = new Int32Array(N * K);
  const biased = new Float32Array(E);
  const allowed = new Uint8Array(E);
  const groupScore = new Float64Array(G);
  for (let n = 0; n < N; n++) {
    for (let e = 0; e < E; e++) biased[e] = scores[n * E + e]! + bias[e]!;
    if (G > 1 && m.topkGroup < G) {
      for (let g = 0; g < G; g++) {
        let b1 = -Infinity, b2 = -Infinity;
        for (let e = g * per; e < (g + 1) * per; e++) {
          const v = biased[e]!;
          if (v > b1) { b2 = b1; b1 = v; } else if (v > b2) b2 = v;
        }
        groupScore[g] = per > 1 ? b1 + b2 : b1;
      }
      allowed.fill(0);
      const order = Array.from({ length: G }, (_, g) => g).sort((x, y) => groupScore[y]! - groupScore[x]! || x - y);
      for (let j = 0; j < m.topkGroup; j++) allowed.fill(1, order[j]! * per, (order[j]! + 1) * per);
    } else allowed.fill(1);
    // Partial selection sort: K is small. Ties go to the lower expert id.
    const taken = new Uint8Array(E);
    for (let j = 0; j < K; j++) {
      let best = -1;
      for (let e = 0; e < E; e++) if (allowed[e] && !taken[e] && (best < 0 || biased[e]! > biased[best]!)) best = e;
      taken[best] = 1;
      out[n * K + j] = best;
    }
  }
  return out;
}

export class DeepSeekMoe extends Module {
  readonly gate: MoeGate;
  readonly experts: ModuleList<SwiGluMlp>;
  readonly shared_experts: SwiGluMlp | null = null;
  readonly m: MoeConfig;
  /** Tokens routed to each expert by training forwards since the last bias update (the observed load). */
  readonly load: Float64Array;

  constructor(engine: Engine, rng: Rng, config: ModelConfig) {
    super(engine);
    if (config.mlp.kind !== 'moe') throw new Error('DeepSeekMoe needs mlp.kind = moe');
    const m = (this.m = config.mlp);
    const C = config.hidden, std = config.initStd;
    this.gate = this.child('gate', new MoeGate(engine, rng, C, m.nRoutedExperts, std));
    this.experts = this.child('experts', new ModuleList<SwiGluMlp>(engine));
    for (let e = 0; e < m.nRoutedExperts; e++) this.experts.add(new SwiGluMlp(engine, rng, C, m.moeIntermediate, std));
    // HF fuses the shared experts into one SwiGLU of width nShared·F.
    if (m.nSharedExperts > 0) this.shared_experts = this.child('shared_experts', new SwiGluMlp(engine, rng, C, m.nSharedExperts * m.moeIntermediate, std));
    this.load = new Float64Array(m.nRoutedExperts);
  }

  /**
   * x (B, T, C) -> y (B, T, C). With `train`, the routed load is recorded for the bias update and the sequence-wise
   * balance loss (V3 eq. 17–20) is returned when seqAuxAlpha > 0.
   */
  forward(x: Tensor, B: number, T: number, train = false): { y: Tensor; aux: Tensor | null; chosen: Int32Array } {
    const { m } = this;
    const e = this.engine;
    const C = x.shape[x.ndim - 1]!, N = B * T, E = m.nRoutedExperts, K = m.expertsPerToken;
    const xf = reshape(x, [N, C]); // (N, C)
    const logits = linear(xf, this.gate.weight); // (N, E)
    const scores = m.gating === 'sigmoid' ? sigmoid(logits) : softmax(logits); // (N, E) affinities s_{i,t}
    const chosen = routeTopK(scores.data, this.gate.bias, N, m); // (N, K)
    const flatIdx = new Int32Array(N * K);
    for (let n = 0; n < N; n++) for (let j = 0; j < K; j++) flatIdx[n * K + j] = n * E + chosen[n * K + j]!;
    let gates = reshape(indexSelect(reshape(scores, [N * E, 1]), 0, flatIdx), [N, K]); // (N, K) g'_{i,t}
    // V3 eq. 13 (HF adds 1e-20 to the sum, which is below float32 resolution for sigmoid affinities > 0).
    if (m.normTopkProb) gates = div(gates, sum(gates, -1, true));
    if (m.routedScalingFactor !== 1) gates = scale(gates, m.routedScalingFactor);
    // Dispatch: group assignments by expert, run each expert once on its tokens, scatter-add weighted outputs.
    const byExpert: number[][] = Array.from({ length: E }, () => []);
    for (let a = 0; a < N * K; a++) byExpert[chosen[a]!]!.push(a);
    if (train) for (let i = 0; i < E; i++) this.load[i]! += byExpert[i]!.length;
    const order = new Int32Array(N * K); // assignment ids in expert order
    const outs: Tensor[] = [];
    let at = 0;
    for (let i = 0; i < E; i++) {
      const list = byExpert[i]!;
      if (list.length === 0) continue;
      const rows = new Int32Array(list.length);
      list.forEach((a, j) => {
        rows[j] = Math.floor(a / K);
        order[at + j] = a;
      });
      at += list.length;
      outs.push(this.experts.items[i]!.forward(indexSelect(xf, 0, rows))); // (n_i, C)
    }
    const tokenOf = order.map((a) => Math.floor(a / K));
    const w = indexSelect(reshape(gates, [N * K, 1]), 0, order); // (N·K, 1) in expert order
    const routed = scatterAdd(e.zeros([N, C]), 0, tokenOf, mul(concat(outs, 0), w)); // (N, C)
    const y = this.shared_experts ? add(routed, this.shared_experts.forward(xf)) : routed;
    let aux: Tensor | null = null;
    if (m.seqAuxAlpha > 0 && train) {
      // L_Bal = α Σ_i f_i P_i per sequence, f_i = E/(K·T) · #tokens choosing i, P_i = mean_t s_{i,t}/Σ_j s_{j,t}.
      const norm = div(scores, sum(scores, -1, true)); // (N, E)
      const P = mean(reshape(norm, [B, T, E]), 1); // (B, E)
      const f = e.zeros([B, E]);
      for (let n = 0; n < N; n++) for (let j = 0; j < K; j++) f.data[Math.floor(n / T) * E + chosen[n * K + j]!]! += E / (K * T);
      aux = scale(sum(mul(P, f)), m.seqAuxAlpha / B);
    }
    return { y: reshape(y, [B, T, C]), aux, chosen };
  }

  /**
   * Aux-loss-free balancing step (V3 §2.1.2): b_i -= γ if expert i was overloaded, += γ if underloaded, judged
   * against the mean load since the last call; then the load counters restart. Returns the max/mean load ratio seen.
   */
  updateBias(): number {
    const E = this.m.nRoutedExperts, g = this.m.biasUpdateSpeed;
    let total = 0, mx = 0;
    for (let i = 0; i < E; i++) {
      total += this.load[i]!;
      mx = Math.max(mx, this.load[i]!);
    }
    if (total === 0) return 0;
    const avg = total / E;
    for (let i = 0; i < E; i++) this.gate.bias[i]! += g * Math.sign(avg - this.load[i]!);
    this.load.fill(0);
    return mx / avg;
  }
}
