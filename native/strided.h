// native/strided.h — validation and iteration of strided index spaces (shape + one stride list per operand), shared by
// binary, where and strided. Adjacent axes that are contiguous for every operand are merged first, so the common
// cases run as one flat, vectorizable inner loop.
#pragma once

#include <cstdint>
#include <string>

#include "napi_util.h"

namespace r1 {

constexpr int kMaxDims = 12;

template <int K>
struct StridedSpace {
  int nd = 0;                    // dims after coalescing (>= 1)
  int64_t shape[kMaxDims];
  int64_t strides[K][kMaxDims];
  int64_t total = 0;             // number of index points
  int64_t rows() const { return nd <= 1 ? 1 : total / shape[nd - 1]; }
  int64_t inner() const { return shape[nd - 1]; }
};

// Reads shape / strides, checks each operand's extent against its buffer length, coalesces axes.
template <int K>
StridedSpace<K> make_space(Args& a, const I32& shape, const I32* const strides[K], const size_t lengths[K], const char* const names[K]) {
  StridedSpace<K> s;
  const int64_t nd = static_cast<int64_t>(shape.n);
  if (nd > kMaxDims) fail_range(a.where("shape") + " has more than 12 dimensions");
  int64_t total = 1;
  for (int64_t d = 0; d < nd; d++) {
    if (shape.p[d] < 0) fail_range(a.where("shape") + " has a negative dimension");
    total = mul(total, shape.p[d]);
  }
  for (int k = 0; k < K; k++) {
    if (static_cast<int64_t>(strides[k]->n) != nd) fail_range(std::string(a.fn()) + ": " + names[k] + " strides have " + std::to_string(strides[k]->n) + " entries for " + std::to_string(nd) + " dimensions");
    if (total == 0) continue;
    int64_t extent = 1;
    for (int64_t d = 0; d < nd; d++) {
      if (strides[k]->p[d] < 0) fail_range(std::string(a.fn()) + ": " + names[k] + " has a negative stride");
      extent += mul(shape.p[d] - 1, strides[k]->p[d]);
    }
    if (static_cast<uint64_t>(extent) > lengths[k]) fail_range(std::string(a.fn()) + ": " + names[k] + " holds " + std::to_string(lengths[k]) + " floats, its strides reach " + std::to_string(extent));
  }
  s.total = total;
  // Coalesce: drop size-1 axes, merge axis d into the previous one when contiguous for all operands.
  for (int64_t d = 0; d < nd; d++) {
    const int64_t n = shape.p[d];
    if (n == 1) continue;
    if (s.nd > 0) {
      bool merge = true;
      for (int k = 0; k < K; k++) merge = merge && s.strides[k][s.nd - 1] == strides[k]->p[d] * n;
      if (merge) {
        s.shape[s.nd - 1] *= n;
        for (int k = 0; k < K; k++) s.strides[k][s.nd - 1] = strides[k]->p[d];
        continue;
      }
    }
    s.shape[s.nd] = n;
    for (int k = 0; k < K; k++) s.strides[k][s.nd] = strides[k]->p[d];
    s.nd++;
  }
  if (s.nd == 0) {
    s.nd = 1;
    s.shape[0] = total == 0 ? 0 : 1;
    for (int k = 0; k < K; k++) s.strides[k][0] = 0;
  }
  return s;
}

// Calls body(off[K], inner_n) for every row r in [r0, r1) (rows = all axes but the last).
template <int K, class Body>
void for_rows(const StridedSpace<K>& s, int64_t r0, int64_t r1, Body body) {
  const int outer_nd = s.nd - 1;
  int64_t idx[kMaxDims] = {0};
  int64_t off[K];
  // Decompose r0 into the outer multi-index.
  int64_t r = r0;
  for (int d = outer_nd - 1; d >= 0; d--) {
    idx[d] = r % s.shape[d];
    r /= s.shape[d];
  }
  for (int k = 0; k < K; k++) {
    off[k] = 0;
    for (int d = 0; d < outer_nd; d++) off[k] += idx[d] * s.strides[k][d];
  }
  for (int64_t row = r0; row < r1; row++) {
    body(off, s.inner());
    for (int d = outer_nd - 1; d >= 0; d--) {
      idx[d]++;
      for (int k = 0; k < K; k++) off[k] += s.strides[k][d];
      if (idx[d] < s.shape[d]) break;
      for (int k = 0; k < K; k++) off[k] -= s.strides[k][d] * s.shape[d];
      idx[d] = 0;
    }
  }
}

}  // namespace r1
