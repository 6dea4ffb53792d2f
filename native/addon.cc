// native/addon.cc — module registration for the r1 native engine: one N-API function per Backend kernel, plus
// info() (which GEMM is in use, OpenBLAS's core type and build, pool threads) and cblasSgemmDirect (the benchmark baseline).

#include <node_api.h>

#if defined(__linux__)
#include <sys/mman.h>
#endif

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

// hugeBuffer(bytes) -> an ArrayBuffer of at least `bytes` zeroed bytes on 2 MB-aligned memory the kernel is asked to
// back with transparent huge pages (madvise MADV_HUGEPAGE, before any page is touched), or null where that is not
// available (then the caller allocates normally). For the packed decode weights: the GEMMs stream ~200 MB of them
// per step of a 55M-parameter model, and with 4 KB pages every 4 KB costs a TLB miss and stops the hardware
// prefetchers at the page boundary (measured: the large model's layer GEMMs at M = 32 streamed from 4 KB pages at
// 84-91 GFLOP/s per core on a busy machine, from huge pages at 105-107, the kernel's peak with the weights in L2 is
// ~113). The memory is unmapped when the buffer is collected.
napi_value huge_buffer(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  double want = 0;
  if (argc < 1 || napi_get_value_double(env, argv[0], &want) != napi_ok || !(want >= 0) || want > 1e15) {
    napi_throw_range_error(env, nullptr, "hugeBuffer: bytes must be a non-negative number");
    return nullptr;
  }
  napi_value result;
  napi_get_null(env, &result);
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  constexpr size_t HUGE = size_t{1} << 21;
  const size_t bytes = (static_cast<size_t>(want) + HUGE - 1) / HUGE * HUGE;
  if (bytes == 0) return result;
  // Over-allocate by one huge page and trim, so the kept range starts on a 2 MB boundary.
  void* raw = mmap(nullptr, bytes + HUGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) return result;
  const uintptr_t start = (reinterpret_cast<uintptr_t>(raw) + HUGE - 1) / HUGE * HUGE;
  const size_t head = start - reinterpret_cast<uintptr_t>(raw);
  if (head > 0) munmap(raw, head);
  if (HUGE - head > 0) munmap(reinterpret_cast<void*>(start + bytes), HUGE - head);
  void* mem = reinterpret_cast<void*>(start);
  madvise(mem, bytes, MADV_HUGEPAGE);  // advice only: without THP the pages are ordinary ones
  auto release = [](napi_env e, void* data, void* hint) {
    const size_t n = reinterpret_cast<size_t>(hint);
    munmap(data, n);
    int64_t total = 0;
    napi_adjust_external_memory(e, -static_cast<int64_t>(n), &total);
  };
  if (napi_create_external_arraybuffer(env, mem, bytes, release, reinterpret_cast<void*>(bytes), &result) != napi_ok) {
    // A runtime without external buffers (a V8 sandbox): the caller allocates normally.
    munmap(mem, bytes);
    bool pending = false;
    napi_is_exception_pending(env, &pending);
    if (pending) {
      napi_value ex;
      napi_get_and_clear_last_exception(env, &ex);
    }
    napi_get_null(env, &result);
    return result;
  }
  int64_t total = 0;
  napi_adjust_external_memory(env, static_cast<int64_t>(bytes), &total);  // the GC counts it like an ordinary buffer
#endif
  return result;
}

napi_value init(napi_env env, napi_value exports) {
  const napi_property_descriptor props[] = {
      {"info", nullptr, info, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"alignOffset", nullptr, align_offset, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"hugeBuffer", nullptr, huge_buffer, nullptr, nullptr, nullptr, napi_default, nullptr},
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
