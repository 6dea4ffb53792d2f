// src/report/html.ts — a self-contained HTML page (inline CSS, inline SVG; nothing fetched at view time) and
// markdown/HTML tables from the same rows. Rendering only.

import { esc } from './chart.js';

export type Cell = string | number | null;

export interface Table {
  caption?: string;
  head: string[];
  rows: Cell[][];
}

const cellText = (c: Cell): string => (c === null ? '–' : typeof c === 'number' ? (Number.isInteger(c) ? String(c) : c.toFixed(3)) : c);

export function markdownTable(t: Table): string {
  const line = (cells: string[]): string => `| ${cells.map((c) => c.replace(/\|/g, '\\|').replace(/\n/g, ' ')).join(' | ')} |`;
  return [t.caption ? `**${t.caption}**\n` : '', line(t.head), line(t.head.map(() => '---')), ...t.rows.map((r) => line(r.map(cellText)))].filter(Boolean).join('\n');
}

export function htmlTable(t: Table): string {
  return `<table>${t.caption ? `<caption>${esc(t.caption)}</caption>` : ''}<thead><tr>${t.head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${t.rows.map((r) => `<tr>${r.map((c) => `<td>${esc(cellText(c))}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
}

/** A section: a heading, paragraphs of text, and raw HTML blocks (charts, tables) in order. */
export interface Section {
  title: string;
  blocks: ({ kind: 'text'; text: string } | { kind: 'html'; html: string } | { kind: 'pre'; text: string })[];
}

export function htmlPage(title: string, sections: readonly Section[]): string {
  const body = sections.map((s) => `<section><h2>${esc(s.title)}</h2>${s.blocks.map((b) => (b.kind === 'text' ? `<p>${esc(b.text)}</p>` : b.kind === 'pre' ? `<pre>${esc(b.text)}</pre>` : `<div class="fig">${b.html}</div>`)).join('\n')}</section>`).join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>
body{font-family:system-ui,sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;color:#222}
h1{font-size:1.6em}h2{border-bottom:1px solid #ddd;padding-bottom:.2em;margin-top:1.6em}
table{border-collapse:collapse;margin:.8em 0}td,th{border:1px solid #ccc;padding:.25em .6em;text-align:right}th{background:#f4f4f4}
td:first-child,th:first-child{text-align:left}caption{font-weight:bold;text-align:left;padding:.3em 0}
pre{background:#f7f7f7;padding:.6em;white-space:pre-wrap;font-size:.85em;border-left:3px solid #ccc}
.fig{display:inline-block;margin:.4em .8em .4em 0;vertical-align:top}
</style></head><body><h1>${esc(title)}</h1>
${body}
</body></html>
`;
}
