// src/backend/conformance-ops.case.test.ts — the op cases of the conformance suite: every op of src/tensor/ops, with shapes
// chosen to hit broadcasting, odd sizes, transposes, batching, GQA, KV-cache offsets and ignored targets.

import type { Engine, Tensor } from '../tensor/index.js';
import * as T from '../tensor/index.js';

export interface InputSpec {
  shape: number[];
  /** normal (default), positive (>= 0.5) or distinct (well-separated values for max / top-k / abs). */
  kind?: 'normal' | 'positive' | 'distinct';
  /** false: the input is not differentiated (e.g. a mask). */
  grad?: boolean;
}

export interface OpCase {
  name: string;
  inputs: InputSpec[];
  run: (xs: Tensor[], e: Engine) => Tensor;
  rtol?: number;
  atol?: number;
  fdEps?: number;
  fdRtol?: number;
  fdAtol?: number;
  /** Forward-only case. */
  noGrad?: boolean;
}

const x = (shape: number[], kind?: InputSpec['kind']): InputSpec => ({ shape, kind });
const ids = (n: number, V: number, offset = 0): Int32Array => Int32Array.from({ length: n }, (_, i) => (i * 7 + offset) % V);

export const opCases: OpCase[] = [
  // matmul: all transpose combinations, batched, and a shared 2-D operand on either side.
  { name: 'matmul', inputs: [x([3, 5]), x([5, 4])], run: ([a, b]) => T.matmul(a!, b!) },
  { name: 'matmul transA', inputs: [x([5, 3]), x([5, 4])], run: ([a, b]) => T.matmul(a!, b!, { transA: true }) },
  { name: 'matmul transB', inputs: [x([3, 5]), x([4, 5])], run: ([a, b]) => T.matmul(a!, b!, { transB: true }) },
  { name: 'matmul transA transB', inputs: [x([5, 3]), x([4, 5])], run: ([a, b]) => T.matmul(a!, b!, { transA: true, transB: true }) },
  // One output row goes through GEMV in the native backend (a batch-1 decode step): every transpose combination.
  { name: 'matmul one row', inputs: [x([1, 5]), x([5, 4])], run: ([a, b]) => T.matmul(a!, b!) },
  { name: 'matmul one row transB', inputs: [x([1, 5]), x([4, 5])], run: ([a, b]) => T.matmul(a!, b!, { transB: true }) },
  { name: 'matmul one row transA', inputs: [x([5, 1]), x([5, 4])], run: ([a, b]) => T.matmul(a!, b!, { transA: true }) },
  { name: 'matmul one row transA transB', inputs: [x([5, 1]), x([4, 5])], run: ([a, b]) => T.matmul(a!, b!, { transA: true, transB: true }) },
  { name: 'matmul batched', inputs: [x([2, 3, 3, 4]), x([2, 3, 4, 2])], run: ([a, b]) => T.matmul(a!, b!) },
  { name: 'matmul batched transB', inputs: [x([2, 3, 4]), x([2, 5, 4])], run: ([a, b]) => T.matmul(a!, b!, { transB: true }) },
  { name: 'matmul batched @ shared', inputs: [x([2, 3, 4]), x([4, 5])], run: ([a, b]) => T.matmul(a!, b!) },
  { name: 'matmul batched transA @ shared transB', inputs: [x([2, 4, 3]), x([5, 4])], run: ([a, b]) => T.matmul(a!, b!, { transA: true, transB: true }) },
  { name: 'matmul shared @ batched', inputs: [x([3, 4]), x([2, 4, 5])], run: ([a, b]) => T.matmul(a!, b!) },
  { name: 'linear', inputs: [x([2, 3, 5]), x([4, 5]), x([4])], run: ([a, w, b]) => T.linear(a!, w!, b!) },
  { name: 'linear no bias', inputs: [x([3, 5]), x([4, 5])], run: ([a, w]) => T.linear(a!, w!) },
  // broadcasting arithmetic
  { name: 'add broadcast', inputs: [x([2, 3, 4]), x([3, 1])], run: ([a, b]) => T.add(a!, b!) },
  { name: 'add scalar', inputs: [x([2, 3])], run: ([a]) => T.add(a!, 1.5) },
  { name: 'sub broadcast', inputs: [x([4]), x([2, 3, 4])], run: ([a, b]) => T.sub(a!, b!) },
  { name: 'mul broadcast', inputs: [x([2, 1, 4]), x([3, 1])], run: ([a, b]) => T.mul(a!, b!) },
  { name: 'mul scalar', inputs: [x([5])], run: ([a]) => T.mul(a!, -2) },
  { name: 'div broadcast', inputs: [x([2, 3]), x([3], 'positive')], run: ([a, b]) => T.div(a!, b!) },
  { name: 'maximum', inputs: [x([2, 3], 'distinct'), x([3], 'distinct')], run: ([a, b]) => T.maximum(a!, b!) },
  { name: 'minimum', inputs: [x([2, 3], 'distinct'), x([2, 3], 'distinct')], run: ([a, b]) => T.minimum(a!, b!) },
  // unary
  { name: 'neg', inputs: [x([7])], run: ([a]) => T.neg(a!) },
  { name: 'exp', inputs: [x([7])], run: ([a]) => T.exp(a!) },
  { name: 'log', inputs: [x([7], 'positive')], run: ([a]) => T.log(a!) },
  { name: 'sqrt', inputs: [x([7], 'positive')], run: ([a]) => T.sqrt(a!) },
  { name: 'rsqrt', inputs: [x([7], 'positive')], run: ([a]) => T.rsqrt(a!) },
  { name: 'pow', inputs: [x([7], 'positive')], run: ([a]) => T.pow(a!, 2.5) },
  { name: 'abs', inputs: [x([9], 'distinct')], run: ([a]) => T.abs(a!) },
  { name: 'square', inputs: [x([7])], run: ([a]) => T.square(a!) },
  { name: 'clamp', inputs: [x([9], 'distinct')], run: ([a]) => T.clamp(a!, -0.3, 0.45) },
  { name: 'silu', inputs: [x([9])], run: ([a]) => T.silu(a!) },
  { name: 'gelu', inputs: [x([9])], run: ([a]) => T.gelu(a!) },
  { name: 'relu', inputs: [x([9], 'distinct')], run: ([a]) => T.relu(a!) },
  { name: 'tanh', inputs: [x([9])], run: ([a]) => T.tanh(a!) },
  { name: 'sigmoid', inputs: [x([9])], run: ([a]) => T.sigmoid(a!) },
  { name: 'affine', inputs: [x([6])], run: ([a]) => T.affine(a!, 0.5, -1) },
  // reductions
  { name: 'sum all', inputs: [x([2, 3, 4])], run: ([a]) => T.sum(a!) },
  { name: 'sum axes keepDim', inputs: [x([2, 3, 4])], run: ([a]) => T.sum(a!, [0, 2], true) },
  { name: 'mean axis', inputs: [x([2, 3, 4])], run: ([a]) => T.mean(a!, -1) },
  { name: 'mean all', inputs: [x([3, 4])], run: ([a]) => T.mean(a!) },
  { name: 'max axis', inputs: [x([2, 5, 3], 'distinct')], run: ([a]) => T.max(a!, 1) },
  { name: 'max last keepDim', inputs: [x([3, 5], 'distinct')], run: ([a]) => T.max(a!, -1, true) },
  // softmax family
  { name: 'softmax', inputs: [x([3, 6])], run: ([a]) => T.softmax(a!) },
  { name: 'logSoftmax', inputs: [x([2, 2, 5])], run: ([a]) => T.logSoftmax(a!) },
  { name: 'crossEntropy mean ignore', inputs: [x([6, 5])], run: ([a]) => T.crossEntropy(a!, Int32Array.from([1, 4, -100, 0, 2, 3])) },
  { name: 'crossEntropy per-token', inputs: [x([2, 3, 7])], run: ([a]) => T.crossEntropy(a!, ids(6, 7), { reduction: 'none' }) },
  { name: 'crossEntropy sum custom ignore', inputs: [x([4, 5])], run: ([a]) => T.crossEntropy(a!, Int32Array.from([0, 5, 1, 5]), { reduction: 'sum', ignoreIndex: 5 }) },
  { name: 'tokenLogProbs', inputs: [x([4, 6])], run: ([a]) => T.tokenLogProbs(a!, Int32Array.from([5, 0, 2, 3])) },
  // gather / scatter
  { name: 'embedding', inputs: [x([6, 4])], run: ([w]) => T.embedding(w!, Int32Array.from([3, 0, 3, 5, 1, 1]), [2, 3]) },
  { name: 'indexSelect axis 1', inputs: [x([2, 5, 3])], run: ([a]) => T.indexSelect(a!, 1, Int32Array.from([4, 0, 4, 2])) },
  { name: 'scatterAdd', inputs: [x([5, 3]), x([4, 3])], run: ([a, s]) => T.scatterAdd(a!, 0, Int32Array.from([1, 3, 1, 0]), s!) },
  // shape ops
  { name: 'reshape', inputs: [x([2, 6])], run: ([a]) => T.mul(T.reshape(a!, [3, -1]), T.reshape(a!, [3, 4])) },
  { name: 'transpose', inputs: [x([2, 3, 4])], run: ([a]) => T.transpose(a!, 0, 2) },
  { name: 'permute', inputs: [x([2, 3, 4, 2])], run: ([a]) => T.permute(a!, [2, 0, 3, 1]) },
  { name: 'slice', inputs: [x([3, 5, 2])], run: ([a]) => T.slice(a!, 1, 1, -1) },
  { name: 'concat', inputs: [x([2, 2, 3]), x([2, 1, 3]), x([2, 3, 3])], run: (xs) => T.concat(xs, 1) },
  { name: 'split', inputs: [x([4, 6])], run: ([a]) => { const [p, q, r] = T.split(a!, -1, [1, 2, 3]); return T.concat([r!, p!, q!], 1); } },
  // masking
  { name: 'where', inputs: [{ shape: [3, 1], grad: false }, x([3, 4]), x([4])], run: ([c, a, b]) => T.where(T.relu(c!), a!, b!) },
  { name: 'maskedFill causal', inputs: [x([2, 4, 4])], run: ([a], e) => T.softmax(T.maskedFill(a!, T.sub(T.causalMask(e, 4), 1), -Infinity)) },
  // fused layers
  { name: 'rmsnorm', inputs: [x([3, 8]), x([8])], run: ([a, w]) => T.rmsnorm(a!, w!, 1e-5) },
  { name: 'rmsnorm no weight', inputs: [x([2, 6])], run: ([a]) => T.rmsnorm(a!, null) },
  { name: 'layernorm', inputs: [x([3, 8]), x([8]), x([8])], run: ([a, w, b]) => T.layernorm(a!, w!, b!) },
  { name: 'rope half', inputs: [x([2, 3, 2, 6])], run: ([a], e) => { const t = T.ropeTables(e, 3, 6, 100, 2); return T.rope(a!, t.cos, t.sin, { seqAxis: 1 }); } },
  { name: 'rope interleaved', inputs: [x([2, 2, 4, 4])], run: ([a], e) => { const t = T.ropeTables(e, 4, 4, 10); return T.rope(a!, t.cos, t.sin, { interleaved: true }); } },
  { name: 'swiglu', inputs: [x([3, 5]), x([3, 5])], run: ([a, b]) => T.swiglu(a!, b!) },
  { name: 'topk', inputs: [x([3, 7], 'distinct')], run: ([a]) => T.topk(a!, 3).values },
  { name: 'attention causal', inputs: [x([2, 2, 5, 4]), x([2, 2, 5, 4]), x([2, 2, 5, 3])], run: ([q, k, v]) => T.attention(q!, k!, v!) },
  { name: 'attention GQA + kv prefix', inputs: [x([1, 4, 3, 4]), x([1, 2, 5, 4]), x([1, 2, 5, 4])], run: ([q, k, v]) => T.attention(q!, k!, v!, { causal: true }) },
  { name: 'attention full', inputs: [x([1, 2, 3, 4]), x([1, 2, 6, 4]), x([1, 2, 6, 2])], run: ([q, k, v]) => T.attention(q!, k!, v!, { causal: false, scale: 0.3 }) },
  { name: 'attention bthd GQA', inputs: [x([2, 3, 4, 4]), x([2, 3, 2, 4]), x([2, 3, 2, 2])], run: ([q, k, v]) => T.attention(q!, k!, v!, { layout: 'bthd' }) },
  { name: 'attention long causal blocks', inputs: [x([1, 1, 40, 2]), x([1, 1, 70, 2]), x([1, 1, 70, 2])], run: ([q, k, v]) => T.attention(q!, k!, v!) },
  // Head dims and lengths large enough for the native kernel's register tiles and in-register transposes (vectors of
  // 8 or 16 floats), with remainders in rows, keys and features.
  { name: 'attention vector tiles causal', inputs: [x([1, 2, 37, 40]), x([1, 2, 37, 40]), x([1, 2, 37, 40])], run: ([q, k, v]) => T.attention(q!, k!, v!) },
  { name: 'attention vector tiles GQA + kv prefix', inputs: [x([1, 4, 20, 32]), x([1, 2, 45, 32]), x([1, 2, 45, 32])], run: ([q, k, v]) => T.attention(q!, k!, v!, { causal: true }) },
  { name: 'attention vector tiles full, Dv < Dk', inputs: [x([1, 1, 19, 48]), x([1, 1, 33, 48]), x([1, 1, 33, 16])], run: ([q, k, v]) => T.attention(q!, k!, v!, { causal: false, scale: 0.2 }) },
  { name: 'packedAttention', inputs: [x([2, 5, 3 * 2 * 3])], run: ([qkv]) => T.packedAttention(qkv!, { nHead: 2 }) },
  { name: 'packedAttention GQA', inputs: [x([1, 4, (4 + 2 * 2) * 2])], run: ([qkv]) => T.packedAttention(qkv!, { nHead: 4, nKvHead: 2 }) },
  { name: 'clone', inputs: [x([4])], run: ([a]) => T.mul(T.clone(a!), a!) },
];
