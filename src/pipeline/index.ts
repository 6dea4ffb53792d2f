// src/pipeline/index.ts — the R1 pipeline: presets, the base corpus, the stages, evaluation and the report.

export { pipelinePreset, pipelinePresetSchema, PIPELINE_PRESETS, type PipelinePreset } from './presets.js';
export { baseCorpus, chainSteps, problemDocument, everydayNote, workedAnswer, questionZh, type CorpusOptions } from './corpus.js';
export { evaluateModel, mixesLanguages, reflectiveRate, REFLECTIVE_WORDS, type EvalResult } from './evaluate.js';
export { stageBase, stageZero, stageR1, stageDistill, stageModel, rejectionSample, readableFromZero, requireCheckpoint, StageInterrupted, type StageContext } from './stages.js';
export { runPipeline, readStages, STAGES, EVALUATED, type StageName, type StageRecord, type EvalRecord } from './run.js';
export { writeReport, type ReportFiles } from './report.js';
