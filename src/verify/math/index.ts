// src/verify/math/index.ts — public API of the math verifier: extraction, equivalence, the time-bounded verifier.

export { DEFAULT_REL_TOL, EXTRACT_METHODS } from './types.js';
export type { EquivOptions, ExtractMethod, ExtractOptions, MathVerdict, MathVerifierOptions } from './types.js';
export { extractAnswer, lastBoxed } from './extract.js';
export { normalizeAnswer } from './normalize.js';
export { compareAnswers, describeAnswer, isEquivalent, verifyCompletion } from './equiv.js';
export { MathVerifier, type VerifyCallOptions } from './verifier.js';
