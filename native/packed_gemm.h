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
#include <utility>

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
// `pf`, when given, is a run of `pf_lines` cache lines of weights further down the stream: the tile prefetches them
// into L2, spread evenly over its k steps (see gemm_blocks).
template <int M, bool TA = false>
inline void tile(const float* x, int64_t ldx, const float* blk, int64_t K, float* y, int64_t ldy, int64_t ncols, bool accumulate,
                 const float* pf = nullptr, int64_t pf_lines = 0) {
  vf c[M][NV];
  for (int i = 0; i < M; i++)
    for (int q = 0; q < NV; q++) c[i][q] = vf{} ;
  const int64_t pf_per_k = K > 0 ? (pf_lines + K - 1) / K : 0;
  for (int64_t k = 0; k < K; k++) {
    const float* w = blk + k * NB;
    for (int64_t u = 0, l = k * pf_per_k; u < pf_per_k && l < pf_lines; u++, l++) __builtin_prefetch(pf + l * 16, 0, 2);
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

// Software prefetch distance in the weight stream, in chunks: while a chunk's tiles run, they prefetch the chunk this
// far ahead (48 KiB at AVX-512), each tile an equal share of its lines, one or a few per k step.
// Why spread: the weights stream from memory once per decode step, and the tiles that reuse a chunk from L1 issue no
// loads to memory. The earlier scheme had the first tile of a chunk prefetch the next block's chunk, three lines per k
// step, while the other tiles prefetched nothing: bursts of 384 requests that overflow the core's outstanding-miss
// queues. Measured on a 2-core Xeon (AVX-512), one core streaming the GEMMs of bench:generate's large model (196 MB
// of packed weights on huge pages), GFLOP/s before → after: 32 rows 93 → 114, 64 rows 111 → 131, 16 rows 69 → 76,
// 8 rows 50 → 49, 1 row 7.7 → 8.1 (16 GB/s, the core's read bandwidth). One, three and four chunks ahead, and
// prefetching into L1 or L3 instead of L2, did no better than two chunks into L2.
constexpr int64_t kPrefetchChunks = 2;

// y[:, block j0 .. j1) (+)= x · Wᵀ for column blocks [j0, j1) (one thread's share), all M rows; x rows are ldx apart
// (K when ldx < 0). The share is one contiguous run of the packed weights, read chunk by chunk (block j's k chunks,
// then block j + 1's); the prefetches stay inside it.
inline void gemm_blocks(const float* x, int64_t M, int64_t K, const float* Wp, int64_t N, int64_t j0, int64_t j1, float* y, int64_t ldy,
                        bool accumulate, int64_t ldx = -1) {
  if (ldx < 0) ldx = K;
  const int64_t stream_end = j1 * NB * K;  // offset in Wp
  const int64_t tiles = (M + MR - 1) / MR;
  for (int64_t j = j0; j < j1; j++) {
    const float* blkj = Wp + j * NB * K;
    float* yj = y + j * NB;
    const int64_t ncols = std::min<int64_t>(NB, N - j * NB);
    int64_t k0 = 0;
    do {  // at least once: K = 0 still writes the zero products (or leaves y when accumulating)
      const int64_t kc = std::min(kKChunk, K - k0);
      const float* blk = blkj + k0 * NB;
      const bool acc = accumulate || k0 > 0;
      const float* xk = x + k0;
      // This chunk's prefetch run: kc · NB floats, kPrefetchChunks chunks ahead, cut at the end of the share (offsets,
      // so that no pointer past the weights is formed).
      const int64_t pf_at = (blk - Wp) + kPrefetchChunks * kKChunk * NB;
      const float* pf = pf_at < stream_end ? Wp + pf_at : Wp;
      const int64_t lines = pf_at < stream_end ? std::min<int64_t>(kc * NB, stream_end - pf_at) / 16 : 0;
      // Tile t's share of the run: lines [lines·t / tiles, lines·(t + 1) / tiles).
      const auto share = [&](int64_t t) { return std::pair<const float*, int64_t>(pf + lines * t / tiles * 16, lines * (t + 1) / tiles - lines * t / tiles); };
      int64_t i = 0, t = 0;
      for (; i + MR <= M; i += MR, t++) {
        const auto [p, n] = share(t);
        tile<MR>(xk + i * ldx, ldx, blk, kc, yj + i * ldy, ldy, ncols, acc, p, n);
      }
      const float* xi = xk + i * ldx;
      float* yi = yj + i * ldy;
      const auto [p, n] = share(t);
      switch (M - i) {
        case 7: tile<7>(xi, ldx, blk, kc, yi, ldy, ncols, acc, p, n); break;
        case 6: tile<6>(xi, ldx, blk, kc, yi, ldy, ncols, acc, p, n); break;
        case 5: tile<5>(xi, ldx, blk, kc, yi, ldy, ncols, acc, p, n); break;
        case 4: tile<4>(xi, ldx, blk, kc, yi, ldy, ncols, acc, p, n); break;
        case 3: tile<3>(xi, ldx, blk, kc, yi, ldy, ncols, acc, p, n); break;
        case 2: tile<2>(xi, ldx, blk, kc, yi, ldy, ncols, acc, p, n); break;
        case 1: tile<1>(xi, ldx, blk, kc, yi, ldy, ncols, acc, p, n); break;
        default: break;
      }
      k0 += kKChunk;
    } while (k0 < K);
  }
}

}  // namespace packed
}  // namespace r1
