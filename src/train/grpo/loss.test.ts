import test from 'node:test';
import assert from 'node:assert/strict';
import { aggregationWeights, policyLoss, type PolicyLossInput } from './loss.js';
import { groupAdvantages } from './advantages.js';

// Four sequences of lengths 2, 1, 1, 1 (the loss does not see groups: the advantages carry them). Values chosen so that:
// token 0: A > 0, r = e^0.3 ≈ 1.35 > 1 + epsHigh (clipped high: no gradient)
// token 1: A > 0, r = e^0.1 ≈ 1.105 inside the band (gradient A·r)
// token 2: A < 0, r = e^-0.5 ≈ 0.607 < 1 − epsLow (clipped low: no gradient)
// token 3: A < 0, r = e^0.2 ≈ 1.22 inside the band: unclipped (gradient A·r)
// token 4: A > 0, r = 1 (gradient A)
const lp = [-1.0, -2.0, -1.5, -0.5, -3.0];
const old = [-1.3, -2.1, -1.0, -0.7, -3.0];
const ref = [-1.1, -1.8, -1.2, -0.6, -2.5];
const base = (aggregation: PolicyLossInput['aggregation']): PolicyLossInput => ({
  logprobs: lp, oldLogprobs: old, refLogprobs: ref, advantages: [1.0, 1.0, -0.5, -0.8, 2.0], seqOf: [0, 0, 1, 2, 3], seqLengths: [2, 1, 1, 1],
  epsLow: 0.2, epsHigh: 0.28, beta: 0.04, aggregation, maxLength: 4,
});

/** The same objective written directly per token, for closed-form checks. */
function closedForm(x: PolicyLossInput, w: number[]): { loss: number; grad: number[] } {
  let loss = 0;
  const grad: number[] = [];
  for (let t = 0; t < x.logprobs.length; t++) {
    const r = Math.exp(x.logprobs[t]! - x.oldLogprobs[t]!);
    const A = x.advantages[t]!;
    const rc = Math.min(Math.max(r, 1 - x.epsLow), 1 + x.epsHigh);
    const d = x.refLogprobs![t]! - x.logprobs[t]!;
    const k3 = Math.exp(d) - d - 1;
    loss -= w[t]! * (Math.min(r * A, rc * A) - x.beta * k3);
    const activeUnclipped = r * A <= rc * A;
    grad.push(-w[t]! * ((activeUnclipped ? A * r : 0) - x.beta * (1 - Math.exp(d))));
  }
  return { loss, grad };
}

test('policyLoss equals the closed form for each aggregation (clipping on both sides, k3 KL)', () => {
  // Hand-computed weights: sequence-mean 1/(S·|o_i|) with S = 4 sequences; token-mean 1/5; constant 1/(S·maxLength).
  const expected: Record<string, number[]> = {
    'sequence-mean': [1 / 8, 1 / 8, 1 / 4, 1 / 4, 1 / 4],
    'token-mean': [1 / 5, 1 / 5, 1 / 5, 1 / 5, 1 / 5],
    constant: [1 / 16, 1 / 16, 1 / 16, 1 / 16, 1 / 16],
  };
  for (const agg of ['sequence-mean', 'token-mean', 'constant'] as const) {
    const x = base(agg);
    const r = policyLoss(x);
    assert.deepEqual([...r.weights], expected[agg], agg);
    const want = closedForm(x, expected[agg]!);
    assert.ok(Math.abs(r.loss - want.loss) < 1e-12, `${agg}: loss ${r.loss} vs ${want.loss}`);
    want.grad.forEach((g, t) => assert.ok(Math.abs(r.grad[t]! - g) < 1e-12, `${agg}: grad[${t}] ${r.grad[t]} vs ${g}`));
    // Clipped tokens: 0 (A > 0, r > 1.28) and 2 (A < 0, r < 0.8) carry only the KL gradient.
    const klOnly = (t: number): number => -expected[agg]![t]! * -0.04 * (1 - Math.exp(ref[t]! - lp[t]!));
    assert.ok(Math.abs(r.grad[0]! - klOnly(0)) < 1e-12);
    assert.ok(Math.abs(r.grad[2]! - klOnly(2)) < 1e-12);
    assert.equal(r.clipHigh, 1 / 5);
    assert.equal(r.clipLow, 1 / 5);
  }
});

test('policyLoss: the numbers of a two-group case worked by hand', () => {
  // Group rewards [1, 0] and [0, 0]: advantages (1 − 0.5)/(0.5 + eps) ≈ ±1, and 0 for the flat group.
  const { advantages, zeroVariance } = groupAdvantages([1, 0, 0, 0], 2);
  assert.deepEqual(zeroVariance, [false, true]);
  assert.ok(Math.abs(advantages[0]! - 0.5 / 0.5001) < 1e-12 && Math.abs(advantages[1]! + 0.5 / 0.5001) < 1e-12);
  assert.deepEqual(advantages.slice(2), [0, 0]);
  // One token per sequence, all at ratio 1 (μ = 1: old = current), no KL: loss = −mean(A) = 0 and dL/dlp_i = −A_i / 4.
  const r = policyLoss({
    logprobs: [-1, -2, -3, -4], oldLogprobs: [-1, -2, -3, -4], refLogprobs: null, advantages, seqOf: [0, 1, 2, 3], seqLengths: [1, 1, 1, 1],
    epsLow: 0.2, epsHigh: 0.2, beta: 0, aggregation: 'sequence-mean', maxLength: 1,
  });
  assert.ok(Math.abs(r.loss) < 1e-12);
  assert.ok(Math.abs(r.grad[0]! + advantages[0]! / 4) < 1e-12);
  assert.ok(Math.abs(r.grad[1]! + advantages[1]! / 4) < 1e-12);
  assert.equal(Math.abs(r.grad[2]!), 0);
  // k3 at lp = ref is 0 with zero gradient; at ref − lp = 1 it is e − 2.
  const k = policyLoss({ logprobs: [-2], oldLogprobs: [-2], refLogprobs: [-1], advantages: [0], seqOf: [0], seqLengths: [1], epsLow: 0.2, epsHigh: 0.2, beta: 1, aggregation: 'token-mean', maxLength: 1 });
  assert.ok(Math.abs(k.kl - (Math.E - 2)) < 1e-12);
  assert.ok(Math.abs(k.loss - (Math.E - 2)) < 1e-12);
  assert.ok(Math.abs(k.grad[0]! - (1 - Math.E)) < 1e-12); // d/dlp β·k3 = β(1 − e^{ref−lp})
});

/** policyLoss's gradient against central finite differences of its loss, token by token (away from the clip kinks: exact to O(h²)). */
function assertFiniteDifferences(x: PolicyLossInput, what: string): void {
  const r = policyLoss(x);
  const h = 1e-6;
  for (let t = 0; t < x.logprobs.length; t++) {
    const up = Array.from(x.logprobs), dn = Array.from(x.logprobs);
    up[t]! += h;
    dn[t]! -= h;
    const fd = (policyLoss({ ...x, logprobs: up }).loss - policyLoss({ ...x, logprobs: dn }).loss) / (2 * h);
    assert.ok(Math.abs(fd - r.grad[t]!) < 1e-6, `${what} token ${t}: fd ${fd} vs ${r.grad[t]}`);
  }
}

test('policyLoss gradient matches finite differences of its loss', () => {
  for (const agg of ['sequence-mean', 'token-mean', 'constant'] as const) assertFiniteDifferences(base(agg), agg);
});

test('masked tokens and their sequences leave every normalizer', () => {
  const w = aggregationWeights([0, 0, 1, 2], 3, 'sequence-mean', 8, [1, 1, 0, 1]);
  assert.deepEqual([...w], [1 / 4, 1 / 4, 0, 1 / 2]);
  assert.deepEqual([...aggregationWeights([0, 0, 1, 2], 3, 'token-mean', 8, [1, 1, 0, 1])], [1 / 3, 1 / 3, 0, 1 / 3]);
  assert.deepEqual([...aggregationWeights([0, 0, 1, 2], 3, 'constant', 8, [1, 1, 0, 1])], [1 / 16, 1 / 16, 0, 1 / 16]);
  assert.throws(() => aggregationWeights([0, 5], 2, 'token-mean', 1), /sequence 5, outside \[0, 2\)/);
  assert.throws(() => policyLoss({ ...base('token-mean'), oldLogprobs: [0] }), /oldLogprobs has 1 entries for 5 tokens/);
  assert.throws(() => policyLoss({ ...base('token-mean'), refLogprobs: null }), /beta > 0 needs refLogprobs/);
});

test('groupAdvantages: std scaling options and bad input', () => {
  const r = [1, 0, 0, 0, 1, 1, 0, 0];
  const g = groupAdvantages(r, 4, 'group').advantages;
  assert.ok(Math.abs(g[0]! - 0.75 / (Math.sqrt(3 / 16) + 1e-4)) < 1e-12);
  assert.deepEqual(groupAdvantages(r, 4, 'none').advantages, [0.75, -0.25, -0.25, -0.25, 0.5, 0.5, -0.5, -0.5]);
  const b = groupAdvantages(r, 4, 'batch').advantages;
  assert.ok(Math.abs(b[0]! - 0.75 / (Math.sqrt(0.234375) + 1e-4)) < 1e-12);
  assert.throws(() => groupAdvantages([1, 2, 3], 2), /do not split into groups of 2/);
  assert.throws(() => groupAdvantages([1, 2], 1), /groupSize must be an integer >= 2/);
  assert.throws(() => groupAdvantages([1, NaN], 2), /not finite/);
});

test('GSPO (importanceSampling: sequence): one clipped geometric-mean ratio per sequence; gradient = finite differences', () => {
  // Sequence 0 holds tokens 0 and 1: s_0 = exp((0.3 + 0.1) / 2) ≈ 1.221 (inside 1 + 0.28: unclipped, although token 0
  // alone is clipped at the token level); the one-token sequences keep their tokens' ratios.
  const x: PolicyLossInput = { ...base('sequence-mean'), importanceSampling: 'sequence' };
  const r = policyLoss(x);
  const s0 = Math.exp(0.2);
  const w = [1 / 8, 1 / 8, 1 / 4, 1 / 4, 1 / 4];
  const single = closedForm(base('sequence-mean'), w);
  // Loss: sequence 0's surrogate s_0·A at both of its tokens, the others as at the token level.
  const kl = (t: number): number => { const d = ref[t]! - lp[t]!; return Math.exp(d) - d - 1; };
  let want = 0;
  for (const t of [0, 1]) want -= w[t]! * (s0 * 1.0 - 0.04 * kl(t));
  const tokenLoss = (t: number): number => { const one = closedForm({ ...base('sequence-mean'), logprobs: [lp[t]!], oldLogprobs: [old[t]!], refLogprobs: [ref[t]!], advantages: [base('sequence-mean').advantages[t]!], seqOf: [0], seqLengths: [1] }, [w[t]!]); return one.loss; };
  for (const t of [2, 3, 4]) want += tokenLoss(t);
  assert.ok(Math.abs(r.loss - want) < 1e-12, `loss ${r.loss} vs ${want}`);
  // Token 0 now carries a policy gradient (its sequence is unclipped): A · s_0 · W_0 / |o_0| = 1 · s_0 · (1/4) / 2, plus KL.
  const klGrad = (t: number): number => -w[t]! * -0.04 * (1 - Math.exp(ref[t]! - lp[t]!));
  assert.ok(Math.abs(r.grad[0]! - (-(s0 * (1 / 4)) / 2 + klGrad(0))) < 1e-12, `grad[0] ${r.grad[0]}`);
  assert.ok(Math.abs(r.grad[1]! - (-(s0 * (1 / 4)) / 2 + klGrad(1))) < 1e-12);
  [2, 3, 4].forEach((t) => assert.ok(Math.abs(r.grad[t]! - single.grad[t]!) < 1e-12, `one-token sequence ${t}: as at the token level`));
  assert.equal(r.clipHigh, 0, 'no sequence passes 1 + epsHigh');
  // A narrow GSPO clip range clips sequence 0 as a whole: both its tokens keep only the KL gradient.
  const narrow = policyLoss({ ...x, epsLow: 3e-4, epsHigh: 4e-4 });
  assert.ok(Math.abs(narrow.grad[0]! - klGrad(0)) < 1e-12 && Math.abs(narrow.grad[1]! - klGrad(1)) < 1e-12);
  assert.equal(narrow.clipHigh, 2 / 5, 'both tokens of the clipped sequence count as clipped');
  for (const agg of ['sequence-mean', 'token-mean', 'constant'] as const) assertFiniteDifferences({ ...base(agg), importanceSampling: 'sequence', mask: [1, 1, 1, 0, 1] }, `GSPO ${agg}`);
});
