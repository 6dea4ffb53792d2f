# binding.gyp — builds native/ into build/Release/r1_native.node. OpenBLAS is used when detect-blas finds it
# (else a portable GEMM); R1_SANITIZE=1 in the environment adds AddressSanitizer + UBSan (for the conformance
# suite under sanitizers; build it in a separate checkout or copy).
{
  "variables": {
    "r1_have_blas%": "<!(node native/detect-blas.cjs have)",
    "r1_blas_include%": "<!(node native/detect-blas.cjs include)",
    "r1_sanitize%": "<!(node -p \"process.env.R1_SANITIZE === '1' ? 'true' : 'false'\")",
  },
  "targets": [
    {
      "target_name": "r1_native",
      "sources": [
        "native/addon.cc",
        "native/pool.cc",
        "native/gemm.cc",
        "native/gemm_packed.cc",
        "native/elementwise.cc",
        "native/reduce.cc",
        "native/layers.cc",
        "native/attention.cc",
        "native/decode.cc",
        "native/decode_attention.cc",
        "native/sample.cc",
        "native/convert.cc",
      ],
      "cflags_cc!": ["-fno-exceptions"],
      "cflags_cc": ["-std=c++17", "-O3", "-march=native", "-fno-math-errno", "-fno-trapping-math", "-fopenmp-simd", "-fexceptions", "-Wall", "-Wno-unknown-pragmas"],
      "libraries": ["-lpthread"],
      "conditions": [
        # GCC's tuning for recent Intel cores keeps auto-vectorized loops at 256 bits; the GEMMs (OpenBLAS's SkylakeX
        # kernels, the packed and attention tiles) already run at 512, so the element-wise loops may as well
        # (measured +1.5% on the reference training step of an AVX-512 Xeon). No effect where AVX-512 is absent.
        ["target_arch=='x64'", {
          "cflags_cc": ["-mprefer-vector-width=512"],
        }],
        ["r1_have_blas=='true'", {
          "defines": ["R1_HAVE_CBLAS"],
          "include_dirs": ["<(r1_blas_include)"],
          "libraries": ["-lopenblas"],
        }],
        ["r1_sanitize=='true'", {
          "cflags_cc": ["-fsanitize=address,undefined", "-fno-omit-frame-pointer", "-O1"],
          "ldflags": ["-fsanitize=address,undefined"],
        }],
      ],
    },
  ],
}
