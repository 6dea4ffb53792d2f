// src/backend/native/native.test.ts — the native backend against the conformance suite.
import { runConformance } from '../conformance.case.test.js';
import { createNativeBackend } from './index.js';
runConformance('native', createNativeBackend);
