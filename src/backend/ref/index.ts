// src/backend/ref/index.ts — the plain-TypeScript reference backend: slow, obvious, the oracle every backend must match.

import type { Backend } from '../../contract/kernels.js';
import { gemm } from './gemm.js';
import { binary, fill, strided, unary, unaryBackward, where } from './elementwise.js';
import { crossEntropy, crossEntropyBackward, reduce, softmax, softmaxBackward, sumSquares } from './reduce.js';
import { adamw, indexAdd, indexSelect, layernorm, layernormBackward, rmsnorm, rmsnormBackward, rope, swiglu, swigluBackward, topk } from './nn.js';
import { attention, attentionBackward } from './attention.js';
import { decodeAttention, decodeLayer, decodeLayers, decodeLogits, packLinear } from './decode.js';
import { fromF16, toF16 } from './f16.js';
import { sampleRows } from './sample.js';

/** Creates the reference backend (stateless; cheap to create). */
export function createRefBackend(): Backend {
  return {
    info: { name: 'ref', blas: 'typescript', threads: 1 },
    gemm, unary, unaryBackward, binary, strided, reduce, where, softmax, softmaxBackward,
    crossEntropy, crossEntropyBackward, indexSelect, indexAdd, rmsnorm, rmsnormBackward,
    layernorm, layernormBackward, rope, swiglu, swigluBackward, topk, attention, attentionBackward, decodeAttention,
    decodeLayer, decodeLayers, decodeLogits, packLinear, toF16, fromF16, sampleRows,
    adamw, sumSquares, fill,
  };
}
