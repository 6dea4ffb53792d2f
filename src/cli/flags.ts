// src/cli/flags.ts — flag validation errors as users read them: commander hands a command's options over as
// camelCase keys (topP, maxBatch) and zod reports issues at those keys, several lines each; a usage error should be
// one line that names each flag as it is typed on the command line (--top-p, --max-batch, -n).

import type { z } from 'zod';

/** The flag of a camelCase option key, as typed: maxBatch → --max-batch, topP → --top-p; one letter → -n, -k. */
export function flagName(key: string): string {
  if (key.length === 1) return `-${key}`;
  return `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

type Issue = z.ZodError['issues'][number];

/**
 * One issue, without the flag: what the value must be, and what was given when it is known (`given` is null when
 * the issue is about a part of the flag's value, e.g. one item of a list).
 */
function describe(issue: Issue, given: { value: unknown } | null): string {
  const value = given?.value;
  const got = value === undefined ? '' : `, got ${typeof value === 'string' ? JSON.stringify(value) : String(value)}`;
  // A number out of range: the value as typed, unquoted.
  const gotNumber = value === undefined ? '' : `, got ${String(value)}`;
  switch (issue.code) {
    case 'too_small':
      if (issue.origin === 'string' && Number(issue.minimum) === 1) return 'must not be empty';
      if (issue.origin !== 'number' && issue.origin !== 'bigint') return issue.message;
      return `must be ${issue.inclusive ? 'at least' : 'more than'} ${issue.minimum}${gotNumber}`;
    case 'too_big':
      if (issue.origin !== 'number' && issue.origin !== 'bigint') return issue.message;
      return `must be ${issue.inclusive ? 'at most' : 'less than'} ${issue.maximum}${gotNumber}`;
    case 'invalid_type':
      if (given !== null && value === undefined) return 'is required';
      if (issue.expected === 'int') return `must be a whole number${got}`;
      if (issue.expected === 'number') return `must be a number${got}`;
      return `must be a ${issue.expected}${got}`;
    case 'invalid_value':
      return `must be one of ${issue.values.map((v) => String(v)).join(', ')}${got}`;
    default:
      return issue.message;
  }
}

/**
 * A zod failure of a command's flags as one line: each issue as `--flag: problem, got value` (the value from `raw`,
 * the options as commander gave them), joined with '; '. An issue without a path (a rule across flags) or whose
 * message starts with a flag (a schema's own wording, which names the flags itself) is kept as written.
 */
export function flagErrors(err: z.ZodError, raw: Record<string, unknown> = {}): string {
  const lines = err.issues.map((issue) => {
    const key = issue.path[0];
    if (typeof key !== 'string') return issue.message;
    const flag = flagName(key);
    if (issue.message.startsWith('-')) return issue.message;
    return `${flag}: ${describe(issue, issue.path.length === 1 ? { value: raw[key] } : null)}`;
  });
  return [...new Set(lines)].join('; ').replace(/\s*\n\s*/g, ' ');
}
