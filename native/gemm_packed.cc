// native/gemm_packed.cc — a general GEMM on the decode kernel's register tiles (packed_gemm.h): C (+)= op(A) op(B)
// for any transposes, packing op(B) into column blocks on every call (into a per-thread buffer that is kept, sized
// for the largest product so far) and reading op(A) in place, then running MR × NB tiles over row panels on the
// thread pool. It exists to compare the project's own kernel with OpenBLAS at training shapes (bench/gemm-shapes.ts,
// `npm run bench:gemm`); the engine's GEMM (gemm.cc) does not route to it: measured slower than OpenBLAS at those
// shapes (README, engine section).

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "kernels.h"
#include "napi_util.h"
#include "packed_gemm.h"
#include "pool.h"

namespace r1 {

namespace {

// Blocks [j0, j1) of dst ← op(B) as NB-column blocks of (K, NB), zero-padded. transB: B is stored (N, K) with
// leading dimension ldb (the Linear weight layout, pack_blocks' transpose); else (K, N) (a straight copy of
// column slices).
void pack_b(bool tB, const float* B, int64_t ldb, int64_t N, int64_t K, float* dst, int64_t j0, int64_t j1) {
  constexpr int64_t NB = packed::NB;
  if (tB) return packed::pack_blocks(B, N, K, dst, j0, j1, ldb);
  for (int64_t j = j0; j < j1; j++) {
    float* blk = dst + j * NB * K;
    const int64_t cols = std::min<int64_t>(NB, N - j * NB);
    for (int64_t k = 0; k < K; k++) {
      std::memcpy(blk + k * NB, B + k * ldb + j * NB, sizeof(float) * cols);
      if (cols < NB) std::memset(blk + k * NB + cols, 0, sizeof(float) * (NB - cols));
    }
  }
}

// Rows [r0, r0 + rows) of C against column blocks [j0, j1) of the packed op(B): K in KC-deep slices (one block's slice,
// KC × NB floats = 24 KB, stays in L1 while the rows' tiles pass over it; the rows' slice of op(A) stays in L2), the
// slices after the first accumulating into C.
template <bool TA>
void panel(const float* A, int64_t lda, int64_t r0, int64_t rows, int64_t K, const float* bp, int64_t N, int64_t j0, int64_t j1, float* C,
           int64_t ldc, bool accumulate) {
  constexpr int64_t KC = 128, NB = packed::NB, MR = packed::MR;
  auto at = [&](int64_t i, int64_t k) { return TA ? A + k * lda + i : A + i * lda + k; };
  for (int64_t k0 = 0; k0 < K; k0 += KC) {
    const int64_t kc = std::min(KC, K - k0);
    const bool acc = accumulate || k0 > 0;
    for (int64_t j = j0; j < j1; j++) {
      const float* blk = bp + j * NB * K + k0 * NB;
      const int64_t ncols = std::min<int64_t>(NB, N - j * NB);
      float* yj = C + r0 * ldc + j * NB;
      int64_t i = 0;
      for (; i + MR <= rows; i += MR) packed::tile<MR, TA>(at(r0 + i, k0), lda, blk, kc, yj + i * ldc, ldc, ncols, acc);
      const float* xi = at(r0 + i, k0);
      float* yi = yj + i * ldc;
      switch (rows - i) {
        case 7: packed::tile<7, TA>(xi, lda, blk, kc, yi, ldc, ncols, acc); break;
        case 6: packed::tile<6, TA>(xi, lda, blk, kc, yi, ldc, ncols, acc); break;
        case 5: packed::tile<5, TA>(xi, lda, blk, kc, yi, ldc, ncols, acc); break;
        case 4: packed::tile<4, TA>(xi, lda, blk, kc, yi, ldc, ncols, acc); break;
        case 3: packed::tile<3, TA>(xi, lda, blk, kc, yi, ldc, ncols, acc); break;
        case 2: packed::tile<2, TA>(xi, lda, blk, kc, yi, ldc, ncols, acc); break;
        case 1: packed::tile<1, TA>(xi, lda, blk, kc, yi, ldc, ncols, acc); break;
        default: break;
      }
    }
  }
}

}  // namespace

void packed_sgemm(bool tA, bool tB, int64_t M, int64_t N, int64_t K, const float* A, int64_t lda, const float* B, int64_t ldb,
                  float beta, float* C, int64_t ldc) {
  if (M == 0 || N == 0) return;
  if (beta != 0.0f && beta != 1.0f) {
    for (int64_t i = 0; i < M; i++)
      for (int64_t j = 0; j < N; j++) C[i * ldc + j] *= beta;
  }
  const bool accumulate = beta != 0.0f;
  if (K == 0) {
    if (!accumulate)
      for (int64_t i = 0; i < M; i++) std::memset(C + i * ldc, 0, sizeof(float) * N);
    return;
  }
  thread_local std::vector<float> bpack;  // kept between calls: no allocation once the shapes repeat
  const int64_t nb = packed::blocks(N);
  const size_t bsize = static_cast<size_t>(packed::packed_size(N, K));
  if (bpack.size() < bsize) bpack.resize(bsize);
  float* bp = bpack.data();
  parallel_for(nb, std::max<int64_t>(1, (int64_t{1} << 16) / (packed::NB * K)),
               [&](int64_t j0, int64_t j1) { pack_b(tB, B, ldb, N, K, bp, j0, j1); });
  // Each pool thread takes an equal share of whole row tiles and walks it in panels of up to PM rows, every panel
  // against every column block; a product with fewer row tiles than threads splits its column blocks instead (the
  // decode layout). Small products run on the calling thread.
  constexpr int64_t PM = 16 * packed::MR;
  auto run_rows = [&](int64_t r0, int64_t r1, int64_t j0, int64_t j1) {
    for (int64_t p = r0; p < r1; p += PM) {
      if (tA) panel<true>(A, lda, p, std::min(PM, r1 - p), K, bp, N, j0, j1, C, ldc, accumulate);
      else panel<false>(A, lda, p, std::min(PM, r1 - p), K, bp, N, j0, j1, C, ldc, accumulate);
    }
  };
  const int64_t threads = M * N * K < (int64_t{1} << 21) ? 1 : pool_threads();
  const int64_t tiles = (M + packed::MR - 1) / packed::MR;
  if (threads == 1) {
    run_rows(0, M, 0, nb);
  } else if (tiles >= threads || nb < threads) {
    const int64_t parts = std::min(threads, tiles);
    parallel_for(parts, 1, [&](int64_t t0, int64_t t1) {
      for (int64_t t = t0; t < t1; t++) run_rows(std::min(M, tiles * t / parts * packed::MR), std::min(M, tiles * (t + 1) / parts * packed::MR), 0, nb);
    });
  } else {
    parallel_for(nb, 1, [&](int64_t j0, int64_t j1) { run_rows(0, M, j0, j1); });
  }
}

// packedGemm(transA, transB, M, N, K, A, lda, B, ldb, beta, C, ldc): C = op(A) op(B) + beta C through
// packed_sgemm (alpha 1), validated like gemm.
R1_ENTRY(packed_gemm) {
  Args a(env, info, "packedGemm", 12);
  const bool tA = a.flag(0, "transA"), tB = a.flag(1, "transB");
  const int64_t M = a.size(2, "M"), N = a.size(3, "N"), K = a.size(4, "K");
  F32 A = a.f32(5, "A");
  const int64_t lda = a.size(6, "lda");
  F32 B = a.f32(7, "B");
  const int64_t ldb = a.size(8, "ldb");
  const float beta = static_cast<float>(a.num(9, "beta"));
  F32 C = a.f32(10, "C");
  const int64_t ldc = a.size(11, "ldc");
  auto check = [&](const F32& buf, const char* what, int64_t rows, int64_t cols, int64_t ld) {
    if (ld < std::max<int64_t>(cols, 1)) fail_range(a.where(what) + ": leading dimension " + std::to_string(ld) + " < " + std::to_string(cols));
    if (rows > 0 && cols > 0) a.need(buf, mul(rows - 1, ld) + cols, what);
  };
  check(A, "A", tA ? K : M, tA ? M : K, lda);
  check(B, "B", tB ? N : K, tB ? K : N, ldb);
  check(C, "C", M, N, ldc);
  mul(mul(M, N), std::max<int64_t>(K, 1));  // rejects products whose size overflows
  packed_sgemm(tA, tB, M, N, K, A.p, lda, B.p, ldb, beta, C.p, ldc);
  return undefined(env);
}

}  // namespace r1
