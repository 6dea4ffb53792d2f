// native/small_gemm.h — y (M, N) (+)= op(x) (M, K) · w (K, N) for the small per-head products of attention, on one
// thread, with no packing: w's rows are read in place (row k at w + k · ldw, N contiguous floats), x is read in place
// (x[i, k] at x[i · ldx + k], or at x[k · ldx + i] when TA), and an MR × (NV · VW) tile of y stays in vector registers
// while k runs (GCC vector extensions: AVX-512 when the build has it, else 8-wide). Columns past the last whole
// vector are summed in scalar code.
// Why: attention multiplies a block of 8-32 query rows by at most a few hundred keys of one head, thousands of times
// per step; a general GEMM packs both operands on every such call, and OpenBLAS's small-matrix path still spent more
// time around the arithmetic than in it (measured: the reference training step's attention ran at ~50 GFLOP/s per
// core through single-threaded cblas_sgemm calls).
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>

namespace r1 {
namespace small {

#if defined(__AVX512F__)
constexpr int VW = 16;  // floats per vector
constexpr int MR = 8;   // rows per register tile: 8 × 2 accumulators + 2 w vectors of the 32 registers
#else
constexpr int VW = 8;
constexpr int MR = 6;   // 6 × 2 accumulators + 2 w vectors of the 16 registers
#endif
constexpr int NV = 2;   // vectors per tile row

typedef float vf __attribute__((vector_size(VW * 4), aligned(4)));
typedef int32_t vi __attribute__((vector_size(VW * 4)));

inline int64_t round_up(int64_t n) { return (n + VW - 1) / VW * VW; }

template <int M, int V, bool TA>
inline void tile(const float* x, int64_t ldx, const float* w, int64_t ldw, int64_t K, float* y, int64_t ldy, bool accumulate) {
  vf c[M][V];
  for (int i = 0; i < M; i++)
    for (int q = 0; q < V; q++) c[i][q] = vf{};
  for (int64_t k = 0; k < K; k++) {
    vf b[V];
    for (int q = 0; q < V; q++) b[q] = *reinterpret_cast<const vf*>(w + k * ldw + q * VW);
    for (int i = 0; i < M; i++) {
      const float a = TA ? x[k * ldx + i] : x[i * ldx + k];
      for (int q = 0; q < V; q++) c[i][q] += a * b[q];
    }
  }
  for (int i = 0; i < M; i++)
    for (int q = 0; q < V; q++) {
      vf* out = reinterpret_cast<vf*>(y + i * ldy + q * VW);
      *out = accumulate ? *out + c[i][q] : c[i][q];
    }
}

// Rows [0, M) of one column strip of V vectors: whole MR-row tiles, then one shorter tile.
template <int V, bool TA>
inline void strip(int64_t M, int64_t K, const float* x, int64_t ldx, const float* w, int64_t ldw, float* y, int64_t ldy, bool accumulate) {
  int64_t i = 0;
  const int64_t xs = TA ? 1 : ldx;  // distance between consecutive rows of op(x)
  for (; i + MR <= M; i += MR) tile<MR, V, TA>(x + i * xs, ldx, w, ldw, K, y + i * ldy, ldy, accumulate);
  const float* xi = x + i * xs;
  float* yi = y + i * ldy;
  switch (M - i) {
#if defined(__AVX512F__)
    case 7: tile<7, V, TA>(xi, ldx, w, ldw, K, yi, ldy, accumulate); break;
    case 6: tile<6, V, TA>(xi, ldx, w, ldw, K, yi, ldy, accumulate); break;
#endif
    case 5: tile<5, V, TA>(xi, ldx, w, ldw, K, yi, ldy, accumulate); break;
    case 4: tile<4, V, TA>(xi, ldx, w, ldw, K, yi, ldy, accumulate); break;
    case 3: tile<3, V, TA>(xi, ldx, w, ldw, K, yi, ldy, accumulate); break;
    case 2: tile<2, V, TA>(xi, ldx, w, ldw, K, yi, ldy, accumulate); break;
    case 1: tile<1, V, TA>(xi, ldx, w, ldw, K, yi, ldy, accumulate); break;
    default: break;
  }
}

// y (M, N) (+)= op(x) (M, K) · w (K, N); y rows ldy apart. K = 0 writes zeros (or leaves y when accumulating).
template <bool TA>
inline void gemm(int64_t M, int64_t N, int64_t K, const float* x, int64_t ldx, const float* w, int64_t ldw, float* y, int64_t ldy,
                 bool accumulate) {
  int64_t n = 0;
  for (; n + NV * VW <= N; n += NV * VW) strip<NV, TA>(M, K, x, ldx, w + n, ldw, y + n, ldy, accumulate);
  for (; n + VW <= N; n += VW) strip<1, TA>(M, K, x, ldx, w + n, ldw, y + n, ldy, accumulate);
  if (n == N) return;
  for (int64_t i = 0; i < M; i++) {
    for (int64_t j = n; j < N; j++) {
      float s = 0.0f;
      for (int64_t k = 0; k < K; k++) s += (TA ? x[k * ldx + i] : x[i * ldx + k]) * w[k * ldw + j];
      y[i * ldy + j] = accumulate ? y[i * ldy + j] + s : s;
    }
  }
}

// In-register transpose of VW × VW floats: log2(VW) stages, each swapping the off-diagonal S × S blocks of every
// 2S × 2S block with two-input shuffles (row r keeps its columns without bit S and takes row r + S's, shifted).
template <int S, size_t... J>
constexpr vi swap_lo(std::index_sequence<J...>) { return vi{((J & S) ? static_cast<int32_t>(VW + J - S) : static_cast<int32_t>(J))...}; }
template <int S, size_t... J>
constexpr vi swap_hi(std::index_sequence<J...>) { return vi{((J & S) ? static_cast<int32_t>(VW + J) : static_cast<int32_t>(J + S))...}; }

template <int S>
inline void transpose_stage(vf* r) {
  constexpr vi lo = swap_lo<S>(std::make_index_sequence<VW>{});
  constexpr vi hi = swap_hi<S>(std::make_index_sequence<VW>{});
  for (int i = 0; i < VW; i++) {
    if (i & S) continue;
    const vf a = r[i], b = r[i + S];
    r[i] = __builtin_shuffle(a, b, lo);
    r[i + S] = __builtin_shuffle(a, b, hi);
  }
}

// dst (D, ldd) ← srcᵀ for src (T, D) with rows ld apart; columns [T, ldd) of dst are zeroed (ldd ≥ T).
inline void transpose(const float* src, int64_t ld, int64_t T, int64_t D, float* dst, int64_t ldd) {
  const int64_t T0 = T / VW * VW, D0 = D / VW * VW;
  for (int64_t t = 0; t < T0; t += VW) {
    for (int64_t c = 0; c < D0; c += VW) {
      vf r[VW];
      for (int i = 0; i < VW; i++) r[i] = *reinterpret_cast<const vf*>(src + (t + i) * ld + c);
      transpose_stage<1>(r);
      transpose_stage<2>(r);
      transpose_stage<4>(r);
      if constexpr (VW >= 16) transpose_stage<8>(r);
      for (int i = 0; i < VW; i++) *reinterpret_cast<vf*>(dst + (c + i) * ldd + t) = r[i];
    }
    for (int64_t c = D0; c < D; c++)
      for (int64_t i = t; i < t + VW; i++) dst[c * ldd + i] = src[i * ld + c];
  }
  for (int64_t c = 0; c < D; c++) {
    for (int64_t i = T0; i < T; i++) dst[c * ldd + i] = src[i * ld + c];
    for (int64_t i = T; i < ldd; i++) dst[c * ldd + i] = 0.0f;
  }
}

}  // namespace small
}  // namespace r1
