// src/backend/types.ts — the kernel contract's former home, kept so that imports of '../backend/types.js' keep
// working; the contract lives in src/contract/kernels.ts, above both tensor/ and backend/.
export * from '../contract/kernels.js';
