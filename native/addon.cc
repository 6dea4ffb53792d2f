// native/addon.cc — module registration for the r1 native engine: one N-API function per Backend kernel, plus
// info() (which GEMM is in use, OpenBLAS's core type and build, pool threads) and cblasSgemmDirect (the benchmark baseline).

#include <node_api.h>

#include "kernels.h"
#include "napi_util.h"
#include "pool.h"

namespace r1 {
namespace {

napi_value string_or_null(napi_env env, const char* s) {
  napi_value v;
  if (s == nullptr) napi_get_null(env, &v);
  else napi_create_string_utf8(env, s, NAPI_AUTO_LENGTH, &v);
  return v;
}

// info() -> { blas: the GEMM in use, blasBuilt, blasCore, blasConfig (null without OpenBLAS), threads }
napi_value info(napi_env env, napi_callback_info) {
  napi_value obj, blas, built, threads;
  napi_create_object(env, &obj);
  napi_create_string_utf8(env, blas_enabled() ? "openblas" : "portable", NAPI_AUTO_LENGTH, &blas);
  napi_get_boolean(env, have_cblas(), &built);
  napi_create_int32(env, pool_threads(), &threads);
  napi_set_named_property(env, obj, "blas", blas);
  napi_set_named_property(env, obj, "blasBuilt", built);
  napi_set_named_property(env, obj, "blasCore", string_or_null(env, blas_corename()));
  napi_set_named_property(env, obj, "blasConfig", string_or_null(env, blas_config()));
  napi_set_named_property(env, obj, "threads", threads);
  return obj;
}

// alignOffset(arrayBuffer) -> bytes to skip so that a view starts on a 64-byte boundary.
napi_value align_offset(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  bool is_ab = false;
  if (argc < 1 || napi_is_arraybuffer(env, argv[0], &is_ab) != napi_ok || !is_ab) {
    napi_throw_type_error(env, nullptr, "alignOffset: expected an ArrayBuffer");
    return nullptr;
  }
  void* data = nullptr;
  size_t len = 0;
  napi_get_arraybuffer_info(env, argv[0], &data, &len);
  const uintptr_t addr = reinterpret_cast<uintptr_t>(data);
  return number(env, static_cast<double>((64 - addr % 64) % 64));
}

napi_value init(napi_env env, napi_value exports) {
  const napi_property_descriptor props[] = {
      {"info", nullptr, info, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"alignOffset", nullptr, align_offset, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"gemm", nullptr, gemm, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"useBlas", nullptr, use_blas, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"cblasSgemmDirect", nullptr, cblas_sgemm_direct, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"unary", nullptr, unary, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"unaryBackward", nullptr, unary_backward, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"binary", nullptr, binary, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"strided", nullptr, strided, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"where", nullptr, where, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"fill", nullptr, fill, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"sumSquares", nullptr, sum_squares, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"reduce", nullptr, reduce, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"softmax", nullptr, softmax, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"softmaxBackward", nullptr, softmax_backward, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"crossEntropy", nullptr, cross_entropy, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"crossEntropyBackward", nullptr, cross_entropy_backward, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"indexSelect", nullptr, index_select, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"indexAdd", nullptr, index_add, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"rmsnorm", nullptr, rmsnorm, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"rmsnormBackward", nullptr, rmsnorm_backward, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"layernorm", nullptr, layernorm, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"layernormBackward", nullptr, layernorm_backward, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"rope", nullptr, rope, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"swiglu", nullptr, swiglu, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"swigluBackward", nullptr, swiglu_backward, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"topk", nullptr, topk, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"attention", nullptr, attention, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"attentionBackward", nullptr, attention_backward, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"decodeAttention", nullptr, decode_attention, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"decodeLayer", nullptr, decode_layer, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"decodeLayers", nullptr, decode_layers, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"decodeLogits", nullptr, decode_logits, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"packedGemm", nullptr, packed_gemm, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"packLinear", nullptr, pack_linear, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"sampleRows", nullptr, sample_rows, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"toF16", nullptr, to_f16, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"fromF16", nullptr, from_f16, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"packedLinearSize", nullptr, packed_linear_size, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"adamw", nullptr, adamw, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  return exports;
}

}  // namespace
}  // namespace r1

NAPI_MODULE_INIT() { return r1::init(env, exports); }
