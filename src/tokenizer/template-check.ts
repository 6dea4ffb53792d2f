// src/tokenizer/template-check.ts — chat-template parity with transformers' apply_chat_template: the fixture
// checkpoints of template.cases.ts written to folders, rendered by Python (bench/check-chat-template-hf.py) and by
// r1ts, and compared string for string and id for id. Run by `npm run check:interop`; the unit tests compare
// against the stored renderings (template-expected.cases.ts) instead, so they need no Python.

import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../util/package-root.js';
import { loadTokenizer } from './io.js';
import { TEMPLATE_CHECKPOINTS, TEMPLATE_CONVERSATIONS, templateCheckpointFiles } from './template.cases.js';
import { chatTemplateOf } from './template.js';

/** One rendering: the string and ids, or the message of the error the template raised. */
export interface TemplateRendering {
  checkpoint: string;
  conversation: string;
  text?: string;
  ids?: number[];
  error?: string;
}

/** Write every fixture checkpoint under `dir` (one folder per checkpoint name); returns the folders by name. */
export function writeTemplateCheckpoints(dir: string, tokenizerJson: Record<string, unknown>): Map<string, string> {
  const out = new Map<string, string>();
  for (const ck of TEMPLATE_CHECKPOINTS) {
    const d = join(dir, ck.name);
    mkdirSync(d, { recursive: true });
    for (const [file, text] of Object.entries(templateCheckpointFiles(ck, tokenizerJson))) writeFileSync(join(d, file), text);
    out.set(ck.name, d);
  }
  return out;
}

/** r1ts's renderings of every conversation with each checkpoint's own template (loaded from its folder). */
export function renderWithR1ts(folders: ReadonlyMap<string, string>): TemplateRendering[] {
  const rows: TemplateRendering[] = [];
  for (const [checkpoint, dir] of folders) {
    const tok = loadTokenizer(dir);
    const template = chatTemplateOf(tok);
    for (const c of TEMPLATE_CONVERSATIONS) {
      try {
        const r = template.encode(tok, c.messages, { addGenerationPrompt: c.addGenerationPrompt });
        // Parity is with transformers, which encodes the whole rendered string (the built-in R1 template encodes
        // message text literally, which differs only when a message spells an added token).
        rows.push({ checkpoint, conversation: c.name, text: r.text, ids: tok.encode(r.text) });
      } catch (e) {
        rows.push({ checkpoint, conversation: c.name, error: (e as Error).message });
      }
    }
  }
  return rows;
}

export type TransformersRenderings = { status: 'skipped'; reason: string } | { status: 'ok'; transformers: string; jinja2: string; rows: TemplateRendering[] };

/** transformers' renderings of the same cases (`python` must import transformers; otherwise 'skipped'). */
export function renderWithTransformers(python: string, folders: ReadonlyMap<string, string>, workDir: string): TransformersRenderings {
  const casesFile = join(workDir, 'template-cases.json');
  writeFileSync(casesFile, JSON.stringify({
    checkpoints: [...folders].map(([name, dir]) => ({ name, dir })),
    conversations: TEMPLATE_CONVERSATIONS.map((c) => ({ name: c.name, messages: c.messages, add_generation_prompt: c.addGenerationPrompt })),
  }));
  const r = spawnSync(python, [join(packageRoot(), 'bench', 'check-chat-template-hf.py'), 'render', casesFile], { encoding: 'utf8', maxBuffer: 1 << 26, timeout: 600_000 });
  if (r.error) return { status: 'skipped', reason: `cannot run ${python} (${r.error.message})` };
  let j: { status: string; reason?: string; transformers?: string; jinja2?: string; results?: Record<string, { rows: Omit<TemplateRendering, 'checkpoint' | 'conversation'>[] }> };
  try {
    j = JSON.parse(r.stdout.trim().split('\n').pop() ?? '') as typeof j;
  } catch {
    throw new Error(`check-chat-template-hf.py failed (exit ${r.status}): ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  }
  if (j.status === 'skipped') return { status: 'skipped', reason: String(j.reason) };
  const rows: TemplateRendering[] = [];
  for (const name of folders.keys()) {
    j.results![name]!.rows.forEach((row, i) => rows.push({ checkpoint: name, conversation: TEMPLATE_CONVERSATIONS[i]!.name, ...row }));
  }
  return { status: 'ok', transformers: String(j.transformers), jinja2: String(j.jinja2), rows };
}

/**
 * Where r1ts's renderings differ from the expected ones (string, ids, or error): a raised error matches when r1ts's
 * message contains the template's own message. Empty when they agree.
 */
export function templateMismatches(expected: readonly TemplateRendering[], got: readonly TemplateRendering[]): string[] {
  const out: string[] = [];
  expected.forEach((e) => {
    const g = got.find((x) => x.checkpoint === e.checkpoint && x.conversation === e.conversation);
    const where = `${e.checkpoint} / ${e.conversation}`;
    if (!g) return out.push(`${where}: not rendered by r1ts`);
    if (e.error !== undefined) {
      if (g.error === undefined || !g.error.includes(e.error)) out.push(`${where}: expected the error ${JSON.stringify(e.error)}, got ${g.error !== undefined ? JSON.stringify(g.error) : JSON.stringify(g.text)}`);
      return;
    }
    if (g.error !== undefined) return out.push(`${where}: r1ts raised ${JSON.stringify(g.error)}`);
    if (g.text !== e.text) return out.push(`${where}: text ${JSON.stringify(g.text)} vs ${JSON.stringify(e.text)}`);
    if (JSON.stringify(g.ids) !== JSON.stringify(e.ids)) out.push(`${where}: ids ${JSON.stringify(g.ids)} vs ${JSON.stringify(e.ids)}`);
  });
  return out;
}
