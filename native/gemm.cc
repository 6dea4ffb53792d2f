// native/gemm.cc — GEMM: OpenBLAS cblas_sgemm when built with it (R1_HAVE_CBLAS), else a portable cache-blocked
// GEMM on the thread pool. Batched and strided with all transpose combinations, so callers never materialize a
// transpose. Also the raw cblasSgemmDirect entry the benchmark compares against, and useBlas: the load-time guard
// (src/backend/native/blas-guard.ts) compares OpenBLAS with the portable GEMM and switches OpenBLAS off when its
// kernels compute wrong results on this CPU.

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "kernels.h"
#include "napi_util.h"
#include "pool.h"

#ifdef R1_HAVE_CBLAS
#include <cblas.h>
// OpenBLAS's own thread controls (declared in its cblas.h; repeated for other cblas.h headers).
extern "C" void openblas_set_num_threads(int);
extern "C" int openblas_get_num_threads(void);
extern "C" char* openblas_get_corename(void);
extern "C" char* openblas_get_config(void);
#endif

namespace r1 {

namespace {
std::atomic<bool> blas_on{true};  // cleared by useBlas(false)
}  // namespace

bool have_cblas() {
#ifdef R1_HAVE_CBLAS
  return true;
#else
  return false;
#endif
}

bool blas_enabled() { return have_cblas() && blas_on.load(std::memory_order_relaxed); }

const char* blas_corename() {
#ifdef R1_HAVE_CBLAS
  return openblas_get_corename();
#else
  return nullptr;
#endif
}

const char* blas_config() {
#ifdef R1_HAVE_CBLAS
  return openblas_get_config();
#else
  return nullptr;
#endif
}

namespace {

// Portable blocked GEMM (the fallback, and the guard's reference): packs op(B) panels (KC × NC) contiguously, then each thread takes a band of rows and
// accumulates C[i, j:j+NC] += op(A)[i, p] * Bpack[p, j:j+NC] with a vectorizable inner loop.
void portable_sgemm(bool tA, bool tB, int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t lda,
                    const float* B, int64_t ldb, float beta, float* C, int64_t ldc) {
  for (int64_t i = 0; i < M; i++) {
    float* c = C + i * ldc;
    if (beta == 0.0f) std::memset(c, 0, sizeof(float) * N);
    else if (beta != 1.0f) for (int64_t j = 0; j < N; j++) c[j] *= beta;
  }
  if (K == 0 || alpha == 0.0f) return;
  const int64_t KC = 256, NC = 512;
  std::vector<float> bpack(KC * NC);
  for (int64_t p0 = 0; p0 < K; p0 += KC) {
    const int64_t kc = std::min(KC, K - p0);
    for (int64_t j0 = 0; j0 < N; j0 += NC) {
      const int64_t nc = std::min(NC, N - j0);
      for (int64_t p = 0; p < kc; p++) {
        float* dst = bpack.data() + p * nc;
        if (!tB) std::memcpy(dst, B + (p0 + p) * ldb + j0, sizeof(float) * nc);
        else for (int64_t j = 0; j < nc; j++) dst[j] = B[(j0 + j) * ldb + p0 + p];
      }
      const float* bp = bpack.data();
      parallel_for(M, 8, [&](int64_t i0, int64_t i1) {
        for (int64_t i = i0; i < i1; i++) {
          float* c = C + i * ldc + j0;
          for (int64_t p = 0; p < kc; p++) {
            const float a = alpha * (tA ? A[(p0 + p) * lda + i] : A[i * lda + p0 + p]);
            const float* b = bp + p * nc;
            for (int64_t j = 0; j < nc; j++) c[j] += a * b[j];
          }
        }
      });
    }
  }
}

void check_matrix(Args& a, const F32& buf, const char* what, int64_t rows, int64_t cols, int64_t ld, int64_t stride, int64_t batch) {
  if (ld < std::max<int64_t>(cols, 1)) fail_range(a.where(what) + ": leading dimension " + std::to_string(ld) + " < " + std::to_string(cols));
  if (rows == 0 || cols == 0 || batch == 0) return;
  int64_t extent = mul(batch - 1, stride) + mul(rows - 1, ld) + cols;
  a.need(buf, extent, what);
}

#ifdef R1_HAVE_CBLAS
// One cblas_sgemm call, row-major, on as many OpenBLAS threads as are set.
void blas1(bool tA, bool tB, int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t lda, const float* B, int64_t ldb,
           float beta, float* C, int64_t ldc) {
  cblas_sgemm(CblasRowMajor, tA ? CblasTrans : CblasNoTrans, tB ? CblasTrans : CblasNoTrans, static_cast<int>(M), static_cast<int>(N),
              static_cast<int>(K), alpha, A, static_cast<int>(lda), B, static_cast<int>(ldb), beta, C, static_cast<int>(ldc));
}

// A large GEMM as independent single-threaded OpenBLAS calls on the kernel pool's threads, one band of C each (rows
// when M ≥ N, else columns; bands start at multiples of 16). Why: on 2 cores OpenBLAS's own threading lost to this
// by 2.9% on the reference training step (interleaved runs on an AVX-512 Xeon; 3-10% per product on its largest
// GEMMs): the pool's workers are already awake between the step's kernels, OpenBLAS's sleep between GEMMs and are
// woken for each. Each band packs all of the other operand, so bands stay at least 64 wide. Returns false (the
// caller runs OpenBLAS's threads) where that does not hold, or with R1_GEMM_SPLIT=0 in the environment. blas_threads:
// OpenBLAS's thread count, restored afterwards.
bool split_gemm(int blas_threads, bool tA, bool tB, int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t lda, const float* B,
                int64_t ldb, float beta, float* C, int64_t ldc) {
  static const bool enabled = [] {
    const char* v = std::getenv("R1_GEMM_SPLIT");
    return !(v && std::strcmp(v, "0") == 0);
  }();
  const int64_t T = pool_threads();
  if (!enabled || T < 2 || std::max(M, N) < 64 * T) return false;
  const bool rows = M >= N;
  const int64_t L = rows ? M : N;
  openblas_set_num_threads(1);
  parallel_for(T, 1, [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; t++) {
      const int64_t b0 = L * t / T / 16 * 16, b1 = t == T - 1 ? L : L * (t + 1) / T / 16 * 16;
      if (b1 <= b0) continue;
      if (rows) blas1(tA, tB, b1 - b0, N, K, alpha, tA ? A + b0 : A + b0 * lda, lda, B, ldb, beta, C + b0 * ldc, ldc);
      else blas1(tA, tB, M, b1 - b0, K, alpha, A, lda, tB ? B + b0 * ldb : B + b0, ldb, beta, C + b0, ldc);
    }
  });
  openblas_set_num_threads(blas_threads);
  return true;
}
#endif

}  // namespace

void sgemm(bool tA, bool tB, int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t lda,
           const float* B, int64_t ldb, float beta, float* C, int64_t ldc) {
  if (M == 0 || N == 0) return;
#ifdef R1_HAVE_CBLAS
  if (!blas_on.load(std::memory_order_relaxed)) {
    portable_sgemm(tA, tB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
    return;
  }
  // Small products run on one OpenBLAS thread: OpenBLAS splits a GEMM over its threads from about 2^18
  // multiply-adds (a GEMV from 2^13), and waking its sleeping threads then costs more than the arithmetic (measured
  // here: M=16, N=512, K=64 takes ~47 us on two threads, ~20 us on one; the threads win again from about 4M
  // multiply-adds). Decode-size products of small models (the Transformer.forward path) are all this size.
  const int64_t macs = M * N * K;
  const bool one = macs <= (M == 1 ? (int64_t{1} << 20) : (int64_t{1} << 21));
  static const int threads = openblas_get_num_threads();
  if (one && threads > 1) openblas_set_num_threads(1);
  struct Restore {
    bool on;
    ~Restore() { if (on) openblas_set_num_threads(threads); }
  } restore{one && threads > 1};
  if (M == 1 && K > 0) {
    // One output row (a decode step at batch 1): a matrix-vector product. OpenBLAS before 0.3.27 does not forward
    // such GEMMs to GEMV and packs all of B, which doubles the memory traffic of a bandwidth-bound call.
    // c = alpha op(B)ᵀ a + beta c, with a = row 0 of op(A) (stride lda when A is stored transposed).
    if (beta == 0.0f) std::memset(C, 0, sizeof(float) * N);  // beta = 0 must not read C (it may hold NaN)
    const int inc = tA ? static_cast<int>(lda) : 1;
    if (tB) cblas_sgemv(CblasRowMajor, CblasNoTrans, static_cast<int>(N), static_cast<int>(K), alpha, B, static_cast<int>(ldb), A, inc, beta, C, 1);
    else cblas_sgemv(CblasRowMajor, CblasTrans, static_cast<int>(K), static_cast<int>(N), alpha, B, static_cast<int>(ldb), A, inc, beta, C, 1);
    return;
  }
  if (!one && threads > 1 && split_gemm(threads, tA, tB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc)) return;
  blas1(tA, tB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
#else
  portable_sgemm(tA, tB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
#endif
}

// gemm(transA, transB, M, N, K, alpha, A, lda, strideA, B, ldb, strideB, beta, C, ldc, strideC, batch)
R1_ENTRY(gemm) {
  Args a(env, info, "gemm", 17);
  const bool tA = a.flag(0, "transA"), tB = a.flag(1, "transB");
  const int64_t M = a.size(2, "M"), N = a.size(3, "N"), K = a.size(4, "K");
  const float alpha = static_cast<float>(a.num(5, "alpha"));
  F32 A = a.f32(6, "A");
  const int64_t lda = a.size(7, "lda"), sA = a.size(8, "strideA");
  F32 B = a.f32(9, "B");
  const int64_t ldb = a.size(10, "ldb"), sB = a.size(11, "strideB");
  const float beta = static_cast<float>(a.num(12, "beta"));
  F32 C = a.f32(13, "C");
  const int64_t ldc = a.size(14, "ldc"), sC = a.size(15, "strideC"), batch = a.size(16, "batch");
  if (M > INT32_MAX || N > INT32_MAX || K > INT32_MAX || lda > INT32_MAX || ldb > INT32_MAX || ldc > INT32_MAX) fail_range("gemm: dimension exceeds int32");
  check_matrix(a, A, "A", tA ? K : M, tA ? M : K, lda, sA, batch);
  check_matrix(a, B, "B", tB ? N : K, tB ? K : N, ldb, sB, batch);
  check_matrix(a, C, "C", M, N, ldc, sC, batch);
  if (batch > 1 && M > 0 && N > 0 && sC < mul(M - 1, ldc) + N) fail_range("gemm: strideC makes batched outputs overlap");
  for (int64_t i = 0; i < batch; i++) sgemm(tA, tB, M, N, K, alpha, A.p + i * sA, lda, B.p + i * sB, ldb, beta, C.p + i * sC, ldc);
  return undefined(env);
}

// useBlas(on): route GEMMs (and attention's per-head products) through OpenBLAS (true, the default in a build with
// it) or the portable kernels (false). A no-op in a build without OpenBLAS.
R1_ENTRY(use_blas) {
  Args a(env, info, "useBlas", 1);
  blas_on.store(a.flag(0, "on"), std::memory_order_relaxed);
  return undefined(env);
}

// cblasSgemmDirect(M, N, K, A, B, C): C = A @ B straight through cblas_sgemm (the benchmark's baseline); throws
// when the addon was built without cblas.
R1_ENTRY(cblas_sgemm_direct) {
  Args a(env, info, "cblasSgemmDirect", 6);
  const int64_t M = a.size(0, "M"), N = a.size(1, "N"), K = a.size(2, "K");
  F32 A = a.f32(3, "A"), B = a.f32(4, "B"), C = a.f32(5, "C");
  a.need(A, mul(M, K), "A");
  a.need(B, mul(K, N), "B");
  a.need(C, mul(M, N), "C");
#ifdef R1_HAVE_CBLAS
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)M, (int)N, (int)K, 1.0f, A.p, (int)K, B.p, (int)N, 0.0f, C.p, (int)N);
#else
  fail_type("cblasSgemmDirect: the addon was built without OpenBLAS");
#endif
  return undefined(env);
}

}  // namespace r1
