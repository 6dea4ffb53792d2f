// src/backend/ref/ref.test.ts — the reference backend against the conformance suite (finite differences).
import { runConformance } from '../conformance.case.test.js';
import { createRefBackend } from './index.js';
runConformance('ref', createRefBackend);
