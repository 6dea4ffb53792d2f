// src/cli/commands.ts — the list of subcommands, one import each (no registration by import side effect).

import type { Command } from 'commander';
import { register as registerDemo } from './demo.js';
import { register as registerDoctor } from './doctor.js';
import { register as registerEval } from './eval.js';
import { register as registerInit } from './init.js';
import { register as registerModel } from './model.js';
import { register as registerPipeline } from './pipeline.js';
import { register as registerServe } from './serve.js';
import { register as registerServeRewards } from './serve-rewards.js';
import { register as registerTasks } from './tasks.js';
import { register as registerTokenizer } from './tokenizer.js';
import { register as registerTrain } from './train.js';
import { register as registerVerify } from './verify.js';

export type RegisterCommand = (program: Command) => void;

export const commands: RegisterCommand[] = [registerDemo, registerDoctor, registerEval, registerModel, registerPipeline, registerServe, registerServeRewards, registerTasks, registerTokenizer, registerTrain, registerInit, registerVerify];
