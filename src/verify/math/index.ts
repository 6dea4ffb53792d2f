// src/verify/math/index.ts — public API of the math verifier: extraction, equivalence, the time-bounded verifier.

export { DEFAULT_REL_TOL, EXTRACT_METHODS, GOLD_EXTRACT_MODES } from './types.js';
export type { EquivOptions, ExtractMethod, ExtractOptions, GoldExtract, MathVerdict, MathVerifierOptions } from './types.js';
export { extractAnswer, lastBoxed, type Extracted } from './extract.js';
export { normalizeAnswer } from './normalize.js';
export { compareAnswers, describeAnswer, goldAnswer, isEquivalent, verbatimAnswer, verifyCompletion } from './equiv.js';
export { MathVerifier, type PoolStats, type VerifyCallOptions } from './verifier.js';
