// src/tensor/index.ts — the public tensor API: Engine (creation, scopes, no-grad, autograd) and every op.

export { Engine, createEngine, type EngineStats } from './engine.js';
export { Tensor, type Storage, type TapeNode, type BackwardFn } from './tensor.js';
export { type Shape, sizeOf, broadcastShapes, contiguousStrides } from './shape.js';
export { neg, exp, log, sqrt, rsqrt, abs, square, pow, clamp, affine, scale, silu, gelu, relu, tanh, sigmoid } from './ops/unary.js';
export { add } from './ops/add.js';
export { sub } from './ops/sub.js';
export { mul } from './ops/mul.js';
export { div } from './ops/div.js';
export { maximum, minimum } from './ops/minmax.js';
export { matmul, type MatmulOptions } from './ops/matmul.js';
export { linear } from './ops/linear.js';
export { sum, mean, max } from './ops/reduce.js';
export { softmax, logSoftmax } from './ops/softmax.js';
export { crossEntropy, tokenLogProbs, type CrossEntropyOptions } from './ops/crossEntropy.js';
export { embedding, indexSelect, scatterAdd } from './ops/indexing.js';
export { reshape, flatten } from './ops/reshape.js';
export { permute, transpose } from './ops/permute.js';
export { slice, concat, split } from './ops/slice.js';
export { where, maskedFill, causalMask } from './ops/where.js';
export { rmsnorm, layernorm } from './ops/norm.js';
export { rope, ropeTables, type RopeOptions } from './ops/rope.js';
export { swiglu } from './ops/swiglu.js';
export { topk } from './ops/topk.js';
export { attention, packedAttention, type AttentionOptions, type PackedAttentionOptions } from './ops/attention.js';
export { detach, clone } from './ops/detach.js';
