import test from 'node:test';
import assert from 'node:assert/strict';
import { createNativeBackend } from '../backend/index.js';
import { DecoderWeights, generate } from '../generate/index.js';
import { parseModelConfig, preset, Transformer, type KvDtype, type RopeScaling } from '../model/index.js';
import { createEngine } from '../tensor/index.js';
import { Rng } from '../util/rng.js';
import { packParameters } from '../nn/index.js';
import { packRows, rowLogProbs, surrogate } from './logprobs.js';

test('packRows: completion token k is predicted at position P + k − 1; padding carries no target', () => {
  const p = packRows([{ prompt: [1, 2, 3], completion: [4, 5] }, { prompt: [7], completion: [8, 9, 10] }], 0);
  assert.equal(p.T, 4);
  assert.deepEqual([...p.ids], [1, 2, 3, 4, 7, 8, 9, 0]);
  assert.deepEqual([...p.targets], [-100, -100, 4, 5, 8, 9, 10, -100]);
  assert.deepEqual([...p.at], [2, 3, 4, 5, 6]);
  assert.throws(() => packRows([{ prompt: [], completion: [1] }]), /empty prompt/);
  assert.throws(() => packRows([{ prompt: [1], completion: [] }]), /empty completion/);
});

// The GRPO ratio π_θ / π_old starts from the sampler's log-probs: they must equal the training forward's. The largest
// gap between them over a batch of sampled completions (prompt-major), with the given KV-cache storage.
function samplerGap(name: 'tiny-dense' | 'tiny-moe-mla' | 'reference', kvDtype: KvDtype, maxNewTokens: number, ropeScaling: RopeScaling | null = null, qkNorm = false): { worst: number; mean: number; n: number } {
  const engine = createEngine(createNativeBackend());
  const base = preset(name);
  const attention = qkNorm && base.attention.kind === 'mha' ? { ...base.attention, qkNorm } : base.attention;
  const model = new Transformer(engine, parseModelConfig({ ...base, attention, maxSeqLen: 128, ropeScaling }), new Rng(5));
  // Norm gains away from 1, so that a decode path that skipped the per-head norms would show.
  const grng = new Rng(8);
  for (const [k, t] of model.stateDict()) if (/\.(q|k)_norm\.weight$/.test(k)) t.data.forEach((_, i) => (t.data[i] = 0.5 + grng.next()));
  const prompts = [[1, 2, 3, 4, 5], [9, 8], [30, 31, 32, 33, 34, 35, 36]];
  const weights = DecoderWeights.supports(model) ? new DecoderWeights(model) : undefined;
  const res = generate(model, prompts, { maxNewTokens, n: 3, seed: 4, sampling: { temperature: 0.7, topP: 0.9 }, kvDtype, ...(weights ? { weights } : {}) });
  const rows = res.sequences.map((s) => ({ prompt: prompts[s.prompt]!, completion: s.tokens }));
  let worst = 0, sum = 0, n = 0;
  engine.scope(() => {
    const r = rowLogProbs(model, rows, 0.7, { train: true });
    let k = 0;
    res.sequences.forEach((s) => s.logprobs.forEach((want) => {
      const gap = Math.abs(r.lp.data[r.at[k++]!]! - want);
      worst = Math.max(worst, gap);
      sum += gap;
      n++;
    }));
  });
  assert.equal(n, res.sequences.reduce((a, s) => a + s.tokens.length, 0));
  return { worst, mean: sum / n, n };
}

// YaRN as DeepSeek-V3 configures it (its MLA softmax scale grows by mscale^2; the dense decode kernel reads the scaled tables).
const YARN: RopeScaling = { type: 'yarn', factor: 40, originalMaxPositionEmbeddings: 4096, betaFast: 32, betaSlow: 1, mscale: 1, mscaleAllDim: 1, truncate: true };
for (const name of ['tiny-dense', 'tiny-moe-mla'] as const) {
  for (const scaling of [null, YARN]) {
    test(`sampler log-probs equal the training forward's within 1e-4 with an f32 KV cache (${name}${scaling ? ', yarn RoPE scaling' : ''}, temperature 0.7, batched ragged prompts)`, () => {
      const { worst, n } = samplerGap(name, 'f32', 12, scaling);
      assert.ok(n > 50);
      assert.ok(worst < 1e-4, `largest gap ${worst}`);
    });
  }
}

test('sampler log-probs equal the training forward\'s with per-head q/k norms (Qwen3 layout) on the fused dense decode path', () => {
  const { worst, n } = samplerGap('tiny-dense', 'f32', 12, null, true);
  assert.ok(n > 50);
  assert.ok(worst < 1e-4, `largest gap ${worst}`);
});

// A model vocabulary padded past the tokenizer's (Qwen2 pads to a multiple of 128): the sampler never draws the
// padding ids and normalizes over the others (generate's vocabLimit); the trainer's log-probs must do the same.
test('with vocabLimit the training forward\'s log-probs equal the sampler\'s when the model vocabulary is larger (plain and shared forwards)', () => {
  const engine = createEngine(createNativeBackend());
  const model = new Transformer(engine, parseModelConfig({ ...preset('tiny-dense'), maxSeqLen: 64 }), new Rng(6));
  const V = model.config.vocabSize, limit = 300;
  // Padding rows of the head that the tokenizer never uses but that hold probability mass.
  const head = model.stateDict().get('model.embed_tokens.weight')!.data;
  for (let i = limit * model.config.hidden; i < V * model.config.hidden; i++) head[i] = head[i]! * 4;
  const prompts = [[1, 2, 3, 4, 5], [9, 8]];
  const res = generate(model, prompts, { maxNewTokens: 10, n: 3, seed: 2, sampling: { temperature: 0.9 }, kvDtype: 'f32', vocabLimit: limit });
  const rows = res.sequences.map((s) => ({ prompt: prompts[s.prompt]!, completion: s.tokens }));
  const want = res.sequences.flatMap((s) => s.logprobs);
  for (const sharePrompts of [false, true]) {
    engine.scope(() => engine.noGrad(() => {
      const gap = (r: ReturnType<typeof rowLogProbs>): number => Math.max(...want.map((w, k) => Math.abs(r.lp.data[r.at[k]!]! - w)));
      const masked = rowLogProbs(model, rows, 0.9, { train: false, sharePrompts, vocabLimit: limit });
      assert.ok(gap(masked) < 1e-4, `sharePrompts ${sharePrompts}: largest gap ${gap(masked)}`);
      assert.ok(gap(rowLogProbs(model, rows, 0.9, { train: false, sharePrompts })) > 1e-2, 'the padding ids hold probability mass');
    }));
  }
  assert.throws(() => rowLogProbs(model, [{ prompt: [1], completion: [2, 400] }], 1, { train: false, vocabLimit: limit }), /row 0 has completion token 400, outside the vocabulary limit 300/);
  assert.throws(() => rowLogProbs(model, rows, 1, { train: false, vocabLimit: V + 1 }), /vocabLimit must be an integer in \[1, 512\]/);
});

// Why GRPO's rollouts ask for an f32 cache although generation defaults to f16: the half-precision cache rounds every
// cached key and value to ~3 significant digits, which moves the sampler's log-probs by up to a few 1e-4 (measured:
// tiny-dense 1.3e-4, the reference model 4.4e-4 over 100-token completions; mean gaps ~1e-5 - 1e-4) — past the
// 1e-4 the ratio test above holds the f32 cache to, though far inside PPO's clip range (|log ratio| < ~0.2).
test('with an f16 KV cache the sampler log-probs stay within 2e-3 of the training forward, but not within 1e-6 like f32', () => {
  const half = samplerGap('reference', 'f16', 40);
  const full = samplerGap('reference', 'f32', 40);
  assert.ok(half.n > 300);
  assert.ok(full.worst < 1e-5, `f32 largest gap ${full.worst}`);
  assert.ok(half.worst < 2e-3, `f16 largest gap ${half.worst}`);
  assert.ok(half.worst > full.worst && half.mean > 10 * full.mean, `f16 gap ${half.worst} (mean ${half.mean}) vs f32 ${full.worst} (mean ${full.mean})`);
});

// GRPO's rows come in groups that share a prompt: the shared forward runs each prompt once and feeds only completion
// positions to the head. Its log-probs and its parameter gradients must be those of the plain padded forward.
test('rowLogProbs with shared prompts gives the plain forward\'s log-probs and gradients (ragged prompts and completions)', () => {
  const engine = createEngine(createNativeBackend());
  const model = new Transformer(engine, parseModelConfig({ ...preset('tiny-dense'), maxSeqLen: 64 }), new Rng(3));
  const flat = packParameters(model);
  assert.ok(model.sharesPrompts());
  const rng = new Rng(11);
  const V = model.config.vocabSize;
  const tokens = (n: number): number[] => Array.from({ length: n }, () => rng.int(0, V - 1));
  const p1 = tokens(6), p2 = tokens(3), p3 = tokens(9);
  // Group-major rows; completion lengths 1 (only the prompt's last position predicts) to 11; a lone third prompt.
  const rows = [
    ...[4, 1, 11].map((n) => ({ prompt: p1, completion: tokens(n) })),
    ...[7, 2].map((n) => ({ prompt: [...p2], completion: tokens(n) })),
    { prompt: p3, completion: tokens(5) },
  ];
  const run = (sharePrompts: boolean): { lp: number[]; grad: Float32Array } => {
    flat.grads.fill(0);
    let lp: number[] = [];
    engine.scope(() => {
      const r = rowLogProbs(model, rows, 0.8, { train: true, sharePrompts });
      assert.equal(r.packed === null, sharePrompts);
      lp = [...r.at].map((i) => r.lp.data[i]!);
      const coef = new Float32Array(r.lp.size);
      r.at.forEach((i, k) => (coef[i] = Math.sin(k + 1)));
      surrogate(r.lp, coef, r.aux).backward();
    });
    return { lp, grad: flat.grads.slice() };
  };
  const plain = run(false), shared = run(true);
  assert.equal(shared.lp.length, rows.reduce((a, r) => a + r.completion.length, 0));
  shared.lp.forEach((x, k) => assert.ok(Math.abs(x - plain.lp[k]!) < 1e-5, `token ${k}: ${x} vs ${plain.lp[k]}`));
  let worst = 0, scaleG = 0;
  plain.grad.forEach((g, i) => ((worst = Math.max(worst, Math.abs(g - shared.grad[i]!))), (scaleG = Math.max(scaleG, Math.abs(g)))));
  assert.ok(scaleG > 1e-3 && worst < 1e-4 * scaleG, `largest gradient gap ${worst} (largest gradient ${scaleG})`);
  // Without neighbours that share a prompt the plain forward runs.
  engine.scope(() => assert.notEqual(rowLogProbs(model, [rows[0]!, rows[3]!], 1, { train: false }).packed, null));
});
