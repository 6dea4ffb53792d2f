// native/blas.h — GEMM pieces for kernels that split work over the thread pool themselves: a single-threaded GEMM
// that pool workers may call (OpenBLAS when built with it, else a plain loop; never the pool-parallel sgemm, which
// would nest parallel_for), and a guard that switches OpenBLAS to one thread for a region so that its threads and
// the pool's do not oversubscribe the cores.
#pragma once

#include <cstdint>
#include <cstring>

#ifdef R1_HAVE_CBLAS
#include <cblas.h>
#endif

namespace r1 {

// C (M, N) = alpha · A (M, K) · B (N, K)ᵀ + beta · C, row-major, one thread: the Linear layout (weights (out, in)).
inline void sgemm_nt_serial(int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t lda, const float* B,
                            int64_t ldb, float beta, float* C, int64_t ldc) {
  if (M == 0 || N == 0) return;
#ifdef R1_HAVE_CBLAS
  if (K == 0) {
    for (int64_t i = 0; i < M; i++) for (int64_t j = 0; j < N; j++) C[i * ldc + j] = beta == 0.0f ? 0.0f : beta * C[i * ldc + j];
    return;
  }
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)M, (int)N, (int)K, alpha, A, (int)lda, B, (int)ldb, beta, C, (int)ldc);
#else
  for (int64_t i = 0; i < M; i++) {
    const float* a = A + i * lda;
    float* c = C + i * ldc;
    for (int64_t j = 0; j < N; j++) {
      const float* b = B + j * ldb;
      float dot = 0.0f;
#pragma omp simd reduction(+ : dot)
      for (int64_t p = 0; p < K; p++) dot += a[p] * b[p];
      c[j] = alpha * dot + (beta == 0.0f ? 0.0f : beta * c[j]);
    }
  }
#endif
}

// Switches OpenBLAS to one thread for the guard's lifetime (no-op without OpenBLAS).
struct BlasSerialRegion {
#ifdef R1_HAVE_CBLAS
  int saved;
  BlasSerialRegion() : saved(openblas_get_num_threads()) { if (saved != 1) openblas_set_num_threads(1); }
  ~BlasSerialRegion() { if (saved != 1) openblas_set_num_threads(saved); }
#endif
};

}  // namespace r1
