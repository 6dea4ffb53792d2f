// native/decode_attention.h — what decode.cc's layers share with decode_attention.cc: the decode geometry, the checks
// of a decode batch's buffers, and the ragged attention over either cache storage.
#pragma once

#include <cstdint>
#include <string>

#include "napi_util.h"
#include "pool.h"

namespace r1 {

// B entries, H query heads, Hkv kv heads, head dim D, R cache rows of capacity L, q/k/v row strides, P RoPE rows.
struct DecodeGeom {
  int64_t B, H, Hkv, D, R, L, qS, kS, vS, P;
};

// Runs f(0, n) on the calling thread when serial (inside a pool task), else over the pool.
template <class F>
void run_rows(int64_t n, int64_t min_parallel, bool serial, const F& f) {
  if (serial) f(0, n);
  else parallel_for(n, min_parallel, f);
}

// Checks one layer's caches against the geometry: sizes, and the same storage for keys and values.
void check_caches(Args& a, const DecodeGeom& g, const KvBuf& kc, const KvBuf& vc, const std::string& kWhat, const std::string& vWhat);

// Checks the geometry against the entries' buffers; returns the longest attended length max(pos) + 1.
int64_t check_entries(Args& a, const DecodeGeom& g, const F32& q, const F32& k, const F32& v, const I32& rows, const I32& pos, const F32& cs,
                      const F32& sn, float scale, const char* fn);

// The ragged attention of entries [0, B) on a cache of either storage (f32 or f16), appending their keys and values
// first; serial runs it on the calling thread (inside a pool task).
void attend_any(const DecodeGeom& g, int64_t maxS, const float* qa, const float* ka, const float* va, const KvBuf& kc, const KvBuf& vc,
                const int32_t* rows, const int32_t* pos, const float* cs, const float* sn, float scale, float* out, bool serial = false);

}  // namespace r1
