// src/backend/index.ts — the Backend interface and the backends that implement it (each created explicitly).

export * from '../contract/kernels.js';
export { createRefBackend } from './ref/index.js';
export { createNativeBackend, loadNativeAddon, nativeAvailable, nativeBlasStatus, nativeEnvDefaults, packageRoot, setNativeNoticeSink, userEnv, type NativeAddon } from './native/index.js';
export type { BlasInfo, BlasStatus, CoreRequest, GuardResult } from './native/blas.js';
export type { CpuFacts, Tier } from './native/coretype.js';
export { describeBlas, engineFacts, formatEngineFacts, type EngineFacts } from './native/env-report.js';
