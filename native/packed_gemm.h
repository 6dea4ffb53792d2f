// native/packed_gemm.h — y (M, N) (+)= x (M, K) · Wᵀ for small M (decode batches) against weights packed once into
// column blocks: W (N, K), the Linear layout, is stored as ceil(N / NB) blocks of (K, NB) floats, block j holding
// rows j·NB .. j·NB + NB - 1 of W transposed and zero-padded, so that one k step of a block is NB contiguous floats.
// Why: a general GEMM packs its operands on every call, and at M ≤ 64 that repacking of the weights costs about as
// much as the arithmetic; decode reuses the same weights for thousands of steps, so they are packed once.
// The micro-kernel keeps an MR × NB tile of y in vector registers (GCC vector extensions: AVX-512 when the build
// has it, else 8-wide) and streams one block per k step. M = rows of x, N = output features, K = input features.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>

namespace r1 {
namespace packed {

// AVX-512: 8 rows × 48 columns (24 accumulators + 3 weight vectors of the 32 registers), so the 32 or 64 rows a core
// takes at decode batch 64 are whole tiles (6 × 64 tiles left a 2- or 4-row tile). Measured against 6 × 64 on one
// core: +3-5% GFLOP/s in isolation at M = 32 and 64, and 7-15% less CPU time for the GEMMs of a batch-64 decode step
// of bench:generate's large model; the reference model breaks even (its 256 columns pad to 288).
#if defined(__AVX512F__)
constexpr int VW = 16;  // floats per vector
constexpr int NV = 3;   // vectors per block row
constexpr int MR = 8;   // rows per register tile
#else
constexpr int VW = 8;
constexpr int NV = 2;
constexpr int MR = 6;
#endif
constexpr int NB = VW * NV;  // columns per block

typedef float vf __attribute__((vector_size(VW * 4), aligned(4)));

// k steps per pass over a block: 128 × NB floats (24 KiB at AVX-512) stay in a 32 KiB L1 while every row tile of the
// call reads them, instead of each tile streaming the whole (K, NB) block from L2 (147 KiB at K = 768). Measured on
// bench:generate's large model at batch 64 (2-core Xeon, --steps, interleaved builds): 1-3% less time per decode step
// than unchunked; 64 and 256 were no better than 128.
constexpr int64_t kKChunk = 128;

inline int64_t blocks(int64_t N) { return (N + NB - 1) / NB; }
inline int64_t packed_size(int64_t N, int64_t K) { return blocks(N) * NB * K; }

// Blocks [j0, j1) of dst (packed_size(N, K)) ← W (N, K), row i of W at W + i * ldw (ldw = K when not given): a
// transpose in 16-deep k strips, so each strip reads one cache line from each of the block's NB rows and writes 16
// contiguous block rows.
inline void pack_blocks(const float* W, int64_t N, int64_t K, float* dst, int64_t j0, int64_t j1, int64_t ldw = -1) {
  if (ldw < 0) ldw = K;
  for (int64_t j = j0; j < j1; j++) {
    float* blk = dst + j * NB * K;
    const int64_t rows = std::min<int64_t>(NB, N - j * NB);
    for (int64_t k0 = 0; k0 < K; k0 += 16) {
      const int64_t k1 = std::min<int64_t>(K, k0 + 16);
      for (int64_t c = 0; c < NB; c++) {
        if (c < rows) {
          const float* src = W + (j * NB + c) * ldw;
          for (int64_t k = k0; k < k1; k++) blk[k * NB + c] = src[k];
        } else {
          for (int64_t k = k0; k < k1; k++) blk[k * NB + c] = 0.0f;
        }
      }
    }
  }
}

// One M × NB tile (M ≤ MR rows of x, one block); writes the first `ncols` columns of y. x[i, k] is x[i * ldx + k], or
// x[k * ldx + i] when TA (x stored transposed: the tile's M values at one k are contiguous).
// `next`, when given, is the next block: the tile prefetches it into L2 as it goes (weights stream from memory once
// per decode step, and the first tile of a block would otherwise wait for them).
template <int M, bool TA = false>
inline void tile(const float* x, int64_t ldx, const float* blk, int64_t K, float* y, int64_t ldy, int64_t ncols, bool accumulate,
                 const float* next = nullptr) {
  vf c[M][NV];
  for (int i = 0; i < M; i++)
    for (int q = 0; q < NV; q++) c[i][q] = vf{} ;
  for (int64_t k = 0; k < K; k++) {
    const float* w = blk + k * NB;
    if (next) for (int q = 0; q < NB; q += 16) __builtin_prefetch(next + k * NB + q, 0, 2);
    vf b[NV];
    for (int q = 0; q < NV; q++) b[q] = *reinterpret_cast<const vf*>(w + q * VW);
    for (int i = 0; i < M; i++) {
      const float a = TA ? x[k * ldx + i] : x[i * ldx + k];
      for (int q = 0; q < NV; q++) c[i][q] += a * b[q];
    }
  }
  if (ncols == NB) {
    for (int i = 0; i < M; i++)
      for (int q = 0; q < NV; q++) {
        vf* out = reinterpret_cast<vf*>(y + i * ldy + q * VW);
        *out = accumulate ? *out + c[i][q] : c[i][q];
      }
  } else {
    alignas(64) float tmp[NB];
    for (int i = 0; i < M; i++) {
      for (int q = 0; q < NV; q++) *reinterpret_cast<vf*>(tmp + q * VW) = c[i][q];
      float* out = y + i * ldy;
      for (int64_t n = 0; n < ncols; n++) out[n] = accumulate ? out[n] + tmp[n] : tmp[n];
    }
  }
}

// y[:, block j0 .. j1) (+)= x · Wᵀ for column blocks [j0, j1) (one thread's share), all M rows; x rows are ldx apart
// (K when ldx < 0).
inline void gemm_blocks(const float* x, int64_t M, int64_t K, const float* Wp, int64_t N, int64_t j0, int64_t j1, float* y, int64_t ldy,
                        bool accumulate, int64_t ldx = -1) {
  if (ldx < 0) ldx = K;
  for (int64_t j = j0; j < j1; j++) {
    const float* blkj = Wp + j * NB * K;
    float* yj = y + j * NB;
    const int64_t ncols = std::min<int64_t>(NB, N - j * NB);
    const float* nextj = j + 1 < j1 ? blkj + NB * K : nullptr;
    int64_t k0 = 0;
    do {  // at least once: K = 0 still writes the zero products (or leaves y when accumulating)
      const int64_t kc = std::min(kKChunk, K - k0);
      const float* blk = blkj + k0 * NB;
      const float* next = nextj ? nextj + k0 * NB : nullptr;
      const bool acc = accumulate || k0 > 0;
      const float* xk = x + k0;
      int64_t i = 0;
      for (; i + MR <= M; i += MR) tile<MR>(xk + i * ldx, ldx, blk, kc, yj + i * ldy, ldy, ncols, acc, i == 0 ? next : nullptr);
      const float* xi = xk + i * ldx;
      float* yi = yj + i * ldy;
      const float* pf = i == 0 ? next : nullptr;  // M < MR: the only tile prefetches
      switch (M - i) {
        case 7: tile<7>(xi, ldx, blk, kc, yi, ldy, ncols, acc, pf); break;
        case 6: tile<6>(xi, ldx, blk, kc, yi, ldy, ncols, acc, pf); break;
        case 5: tile<5>(xi, ldx, blk, kc, yi, ldy, ncols, acc, pf); break;
        case 4: tile<4>(xi, ldx, blk, kc, yi, ldy, ncols, acc, pf); break;
        case 3: tile<3>(xi, ldx, blk, kc, yi, ldy, ncols, acc, pf); break;
        case 2: tile<2>(xi, ldx, blk, kc, yi, ldy, ncols, acc, pf); break;
        case 1: tile<1>(xi, ldx, blk, kc, yi, ldy, ncols, acc, pf); break;
        default: break;
      }
      k0 += kKChunk;
    } while (k0 < K);
  }
}

}  // namespace packed
}  // namespace r1
