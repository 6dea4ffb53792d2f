// src/verify/math/index.ts — public API of the math verifier: extraction, equivalence, the time-bounded verifier.

export { EXTRACT_METHODS } from './types.js';
export type { EquivOptions, ExtractMethod, ExtractOptions, MathVerdict, MathVerifierOptions } from './types.js';
export { extractAnswer, lastBoxed } from './extract.js';
export { normalizeAnswer } from './normalize.js';
export { compareAnswers, DEFAULT_REL_TOL, describeAnswer, isEquivalent, verifyCompletion } from './equiv.js';
export { MathVerifier } from './verifier.js';
