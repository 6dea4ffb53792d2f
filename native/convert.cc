// native/convert.cc — weight and cache format conversions for the decode path: IEEE half storage for KV caches
// (toF16 / fromF16, see f16.h) and the column-block packing of Linear weights that the decode GEMMs read (packLinear,
// see packed_gemm.h).

#include <algorithm>
#include <string>

#include "f16.h"
#include "kernels.h"
#include "napi_util.h"
#include "packed_gemm.h"
#include "pool.h"

namespace r1 {

// toF16(src Float32Array, dst Uint16Array) / fromF16(src Uint16Array, dst Float32Array): elementwise IEEE half
// conversion (round to nearest even on the way in), equal lengths.
R1_ENTRY(to_f16) {
  Args a(env, info, "toF16", 2);
  F32 src = a.f32(0, "src");
  U16 dst = a.u16(1, "dst");
  if (src.n != dst.n) fail_range("toF16: src holds " + std::to_string(src.n) + " floats, dst " + std::to_string(dst.n) + " halves");
  parallel_for(static_cast<int64_t>(src.n), 1 << 16, [&](int64_t i0, int64_t i1) { halves_from_floats(src.p + i0, dst.p + i0, i1 - i0); });
  return undefined(env);
}

R1_ENTRY(from_f16) {
  Args a(env, info, "fromF16", 2);
  U16 src = a.u16(0, "src");
  F32 dst = a.f32(1, "dst");
  if (src.n != dst.n) fail_range("fromF16: src holds " + std::to_string(src.n) + " halves, dst " + std::to_string(dst.n) + " floats");
  parallel_for(static_cast<int64_t>(src.n), 1 << 16, [&](int64_t i0, int64_t i1) { floats_from_halves(src.p + i0, dst.p + i0, i1 - i0); });
  return undefined(env);
}

// packedLinearSize(N, K) -> floats that packLinear writes for a (N, K) weight.
R1_ENTRY(packed_linear_size) {
  Args a(env, info, "packedLinearSize", 2);
  const int64_t N = a.size(0, "N"), K = a.size(1, "K");
  return number(env, static_cast<double>(mul(packed::blocks(N) * packed::NB, K)));
}

// packLinear(W, N, K, out): out (packedLinearSize(N, K)) ← W (N, K) in the column-block layout of packed_gemm.h.
R1_ENTRY(pack_linear) {
  Args a(env, info, "packLinear", 4);
  F32 W = a.f32(0, "W");
  const int64_t N = a.size(1, "N"), K = a.size(2, "K");
  F32 out = a.f32(3, "out");
  a.need(W, mul(N, K), "W");
  a.exact(out, mul(packed::blocks(N) * packed::NB, K), "out");
  parallel_for(packed::blocks(N), std::max<int64_t>(1, (int64_t{1} << 16) / std::max<int64_t>(packed::NB * K, 1)),
               [&](int64_t j0, int64_t j1) { packed::pack_blocks(W.p, N, K, out.p, j0, j1); });
  return undefined(env);
}

}  // namespace r1
