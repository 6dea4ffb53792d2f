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

namespace {

// dst[i] = convert(src[i]) over equal-length arrays, in parallel chunks.
template <class Src, class Dst, class Convert>
void convert_all(const char* fn, const Src& src, const Dst& dst, const char* srcUnit, const char* dstUnit, const Convert& convert) {
  if (src.n != dst.n) fail_range(std::string(fn) + ": src holds " + std::to_string(src.n) + " " + srcUnit + ", dst " + std::to_string(dst.n) + " " + dstUnit);
  parallel_for(static_cast<int64_t>(src.n), 1 << 16, [&](int64_t i0, int64_t i1) { convert(src.p + i0, dst.p + i0, i1 - i0); });
}

}  // namespace

// toF16(src Float32Array, dst Uint16Array) / fromF16(src Uint16Array, dst Float32Array): elementwise IEEE half
// conversion (round to nearest even on the way in), equal lengths.
R1_ENTRY(to_f16) {
  Args a(env, info, "toF16", 2);
  convert_all("toF16", a.f32(0, "src"), a.u16(1, "dst"), "floats", "halves", halves_from_floats);
  return undefined(env);
}

R1_ENTRY(from_f16) {
  Args a(env, info, "fromF16", 2);
  convert_all("fromF16", a.u16(0, "src"), a.f32(1, "dst"), "halves", "floats", floats_from_halves);
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
