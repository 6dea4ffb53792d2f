// src/backend/ref/sample.ts — next-token sampling of one row of logits given its uniform draw u: the reference for
// Backend.sampleRows and the arithmetic behind src/generate/sampler.ts. Temperature 0 is greedy (first maximum, log-prob
// under T = 1); otherwise softmax(logits / T) over the full vocabulary, then plain sampling in id order, or top-k /
// top-p (nucleus) over candidates in descending probability with ties to the lower id (top-p's mass counted within
// the top-k when both are given). Probabilities are exp in
// float64 stored as float32; sums in float64 (the native kernel does the same). V = vocab size.

/** Scratch buffers a caller may reuse across rows (grown to the largest V seen). */
export interface SampleScratch {
  probs: Float32Array;
  order: Int32Array;
}

export function newSampleScratch(): SampleScratch {
  return { probs: new Float32Array(0), order: new Int32Array(0) };
}

/**
 * Samples one row. `u` in [0, 1) is the row's uniform draw (unused when greedy). Returns the token and
 * log softmax(logits / T)[token] over the full vocabulary (T = 1 when greedy).
 */
export function sampleRow(
  logits: Float32Array, temperature: number, topK: number, topP: number, u: number, scratch: SampleScratch, where = 'sample',
): { token: number; logprob: number } {
  const V = logits.length;
  if (V === 0) throw new RangeError(`${where}: empty logits`);
  let max = -Infinity;
  let argmax = 0;
  for (let i = 0; i < V; i++) {
    const x = logits[i]!;
    if (Number.isNaN(x)) throw new RangeError(`${where}: logits contain NaN at index ${i}`);
    if (x > max) { max = x; argmax = i; }
  }
  if (max === -Infinity) throw new RangeError(`${where}: every logit is -Infinity`);
  const T = temperature > 0 ? temperature : 1;
  if (scratch.probs.length < V) { scratch.probs = new Float32Array(V); scratch.order = new Int32Array(V); }
  const probs = scratch.probs;
  let sum = 0;
  for (let i = 0; i < V; i++) {
    const e = Math.exp((logits[i]! - max) / T);
    probs[i] = e;
    sum += e;
  }
  const logZ = Math.log(sum);
  const result = (t: number) => ({ token: t, logprob: (logits[t]! - max) / T - logZ });
  if (temperature === 0) return result(argmax);
  if (topK === 0 && topP >= 1) {
    let r = u * sum;
    for (let i = 0; i < V; i++) {
      r -= probs[i]!;
      if (r < 0) return result(i);
    }
    for (let i = V - 1; i >= 0; i--) if (probs[i]! > 0) return result(i);
    return result(0);
  }
  const order = scratch.order.subarray(0, V);
  for (let i = 0; i < V; i++) order[i] = i;
  order.sort((a, b) => probs[b]! - probs[a]! || a - b);
  let n = topK > 0 ? Math.min(V, topK) : V;
  if (topP < 1) {
    // With top-k, the nucleus is taken over the k candidates renormalized (top-k, then top-p, as transformers' and
    // vLLM's samplers apply them).
    let mass = sum;
    if (n < V) {
      mass = 0;
      for (let i = 0; i < n; i++) mass += probs[order[i]!]!;
    }
    const target = topP * mass;
    let acc = 0;
    for (let i = 0; i < n; i++) {
      acc += probs[order[i]!]!;
      if (acc >= target) { n = i + 1; break; }
    }
  }
  let kept = 0;
  for (let i = 0; i < n; i++) kept += probs[order[i]!]!;
  let r = u * kept;
  for (let i = 0; i < n; i++) {
    r -= probs[order[i]!]!;
    if (r < 0) return result(order[i]!);
  }
  return result(order[n - 1]!);
}

/** Backend.sampleRows: row b of logits (B, V) sampled with draw u[b]. */
export function sampleRows(
  logits: Float32Array, B: number, V: number, temperature: number, topK: number, topP: number, u: Float64Array, tokens: Int32Array, logprobs: Float64Array,
): void {
  if (!Number.isInteger(B) || !Number.isInteger(V) || B < 0 || V < 1) throw new RangeError(`sampleRows: B=${B}, V=${V} must be integers, V positive`);
  if (!Number.isFinite(temperature) || temperature < 0) throw new RangeError('sampleRows: temperature must be a finite number >= 0');
  if (!Number.isInteger(topK) || topK < 0) throw new RangeError('sampleRows: topK must be an integer >= 0');
  if (!(topP > 0 && topP <= 1)) throw new RangeError('sampleRows: topP must be in (0, 1]');
  if (logits.length < B * V) throw new RangeError(`sampleRows: logits holds ${logits.length} floats, needs ${B * V}`);
  if (tokens.length < B) throw new RangeError(`sampleRows: tokens holds ${tokens.length} ints, needs ${B}`);
  if (u.length < B) throw new RangeError(`sampleRows: u holds ${u.length} draws, needs ${B}`);
  if (logprobs.length < B) throw new RangeError(`sampleRows: logprobs holds ${logprobs.length} values, needs ${B}`);
  for (let b = 0; b < B; b++) if (!(u[b]! >= 0 && u[b]! < 1)) throw new RangeError(`sampleRows: u[${b}] must be in [0, 1)`);
  const scratch = newSampleScratch();
  for (let b = 0; b < B; b++) {
    const r = sampleRow(logits.subarray(b * V, (b + 1) * V), temperature, topK, topP, u[b]!, scratch, `sampleRows: row ${b}`);
    tokens[b] = r.token;
    logprobs[b] = r.logprob;
  }
}
