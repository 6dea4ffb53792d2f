// src/cli/commands.ts — the list of subcommands, one import each (no registration by import side effect).

import type { Command } from 'commander';

export type RegisterCommand = (program: Command) => void;

export const commands: RegisterCommand[] = [];
