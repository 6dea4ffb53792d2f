// native/fastmath.h — branch-free float math that GCC auto-vectorizes (std::exp does not vectorize without
// -ffast-math, which we avoid because masks rely on IEEE infinities; it does need -fno-trapping-math so the
// selects below are if-converted). exp: Cephes-style range reduction
// x = n ln2 + r and a degree-6 polynomial, ~2 ulp on [-87, 88], exact 0 below, +inf above.
#pragma once

#include <cmath>
#include <cstdint>
#include <type_traits>

namespace r1 {

// The steps shared by the scalar and vector exp: the reduction r = x − n ln2 (ln2 in two parts) and the polynomial
// for e^r. T is float or a GCC vector of floats (scalars broadcast in the arithmetic).
template <class T>
inline T exp_reduced(T xc, T fl) {
  const T r = xc - fl * 0.693359375f + fl * 2.12194440e-4f;
  const T r2 = r * r;
  T p;
  if constexpr (std::is_same_v<T, float>) p = 1.9875691500E-4f;
  else p = T{} + 1.9875691500E-4f;
  p = p * r + 1.3981999507E-3f;
  p = p * r + 8.3334519073E-3f;
  p = p * r + 4.1665795894E-2f;
  p = p * r + 1.6666665459E-1f;
  p = p * r + 5.0000001201E-1f;
  return p * r2 + r + 1.0f;
}

constexpr float kExpHi = 88.3762626647949f;
constexpr float kExpLo = -87.3365447504f;

inline float fast_exp(float x) {
  float xc = x > kExpHi ? kExpHi : x;
  xc = xc >= kExpLo ? xc : kExpLo;  // NaN too: a NaN converted to int32 below would be undefined behaviour
  const float fl = std::floor(xc * 1.44269504088896341f + 0.5f);  // n = round(x / ln2)
  const float p = exp_reduced(xc, fl);
  int32_t e = (static_cast<int32_t>(fl) + 127) << 23;
  float y = p * __builtin_bit_cast(float, e);  // p * 2^n
  y = x < kExpLo ? 0.0f : y;
  y = x > kExpHi ? __builtin_inff() : y;
  y = x == x ? y : x;  // NaN in, NaN out
  return y;
}

// fast_exp on a GCC vector of floats V (VI: the int vector of the same width), the same steps lane by lane: for loops
// GCC leaves scalar (short masked rows, reductions it may not reorder), written with explicit vectors instead.
template <class V, class VI>
inline V fast_exp_v(V x) {
  const V hi = V{} + kExpHi;
  const V lo = V{} + kExpLo;
  V xc = x > hi ? hi : x;
  xc = xc < lo ? lo : xc;
  const V t = xc * 1.44269504088896341f + 0.5f;
  V fl = __builtin_convertvector(__builtin_convertvector(t, VI), V);  // truncation, then floor for negatives
  fl = fl > t ? fl - 1.0f : fl;
  const V p = exp_reduced(xc, fl);
  const VI e = (__builtin_convertvector(fl, VI) + 127) << 23;
  V y = p * __builtin_bit_cast(V, e);
  y = x < lo ? V{} : y;
  y = x > hi ? V{} + __builtin_inff() : y;
  return y;
}

inline float fast_sigmoid(float x) { return 1.0f / (1.0f + fast_exp(-x)); }

inline float fast_tanh(float x) { return 1.0f - 2.0f / (fast_exp(2.0f * x) + 1.0f); }

}  // namespace r1
