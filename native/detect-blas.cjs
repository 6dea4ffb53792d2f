// native/detect-blas.cjs — prints "true" when OpenBLAS's cblas.h and library are present (binding.gyp condition),
// "false" otherwise, so the addon falls back to its portable GEMM. R1_NO_BLAS=1 forces the fallback.
const fs = require('node:fs');

const headers = [
  '/usr/include/x86_64-linux-gnu/cblas.h',
  '/usr/include/aarch64-linux-gnu/cblas.h',
  '/usr/include/cblas.h',
  '/usr/include/openblas/cblas.h',
  '/usr/local/include/cblas.h',
];
const libs = [
  '/usr/lib/x86_64-linux-gnu/libopenblas.so',
  '/usr/lib/aarch64-linux-gnu/libopenblas.so',
  '/usr/lib/libopenblas.so',
  '/usr/lib64/libopenblas.so',
  '/usr/local/lib/libopenblas.so',
];
const mode = process.argv[2] ?? 'have';
const header = headers.find((p) => fs.existsSync(p));
const lib = libs.find((p) => fs.existsSync(p));
const have = process.env.R1_NO_BLAS !== '1' && header !== undefined && lib !== undefined;
if (mode === 'have') process.stdout.write(have ? 'true' : 'false');
else if (mode === 'include') process.stdout.write(have ? require('node:path').dirname(header) : '');
