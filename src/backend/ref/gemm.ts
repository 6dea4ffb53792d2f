// src/backend/ref/gemm.ts — naive batched strided GEMM, the algorithmic reference (llm.c matmul_forward_naive).

export function gemm(
  transA: boolean, transB: boolean, M: number, N: number, K: number, alpha: number,
  A: Float32Array, lda: number, strideA: number,
  B: Float32Array, ldb: number, strideB: number,
  beta: number, C: Float32Array, ldc: number, strideC: number, batch: number,
): void {
  for (let bi = 0; bi < batch; bi++) {
    const a0 = bi * strideA;
    const b0 = bi * strideB;
    const c0 = bi * strideC;
    for (let i = 0; i < M; i++) {
      for (let j = 0; j < N; j++) {
        let acc = 0;
        for (let p = 0; p < K; p++) {
          const av = transA ? A[a0 + p * lda + i]! : A[a0 + i * lda + p]!;
          const bv = transB ? B[b0 + j * ldb + p]! : B[b0 + p * ldb + j]!;
          acc += av * bv;
        }
        const ci = c0 + i * ldc + j;
        // beta = 0 must not read C (it may hold NaN from a reused buffer).
        C[ci] = beta === 0 ? alpha * acc : alpha * acc + beta * C[ci]!;
      }
    }
  }
}
