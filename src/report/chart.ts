// src/report/chart.ts — line charts as inline SVG strings: scales, ticks and paths from d3-scale and d3-shape, the
// markup written here. Rendering only: it knows nothing of training (see ARCHITECTURE.md, report/).

import { scaleLinear } from 'd3-scale';
import { line } from 'd3-shape';

export interface Series {
  name: string;
  /** [x, y] points; points with a non-finite y are gaps. */
  points: readonly (readonly [number, number])[];
}

export interface LineChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  width?: number;
  height?: number;
  /** Fixed y range (default: the data's, padded). */
  yDomain?: [number, number];
}

const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b'];

/** Escapes text for SVG/HTML. */
export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Estimated width in pixels of `text` at the charts' 11 px sans-serif (wide characters count double). */
export function textWidth(text: string): number {
  let w = 0;
  for (const ch of text) w += /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/.test(ch) ? 11 : /[il.,:;'|!]/.test(ch) ? 3 : /[mwMW]/.test(ch) ? 9 : 6.2;
  return w;
}

/** A self-contained <svg> line chart with axes, ticks, a legend and a title. */
export function lineChart(series: readonly Series[], o: LineChartOptions): string {
  const W = o.width ?? 560, H = o.height ?? 300;
  // The legend flows left to right and wraps into more rows when the names do not fit on one (widths estimated from
  // the font size: CJK characters about twice as wide); the plot starts below it.
  const place: { x: number; row: number }[] = [];
  let lx = 64, row = 0;
  for (const s of series) {
    const w = 14 + textWidth(s.name) + 14;
    if (lx + w > W - 16 && lx > 64) [lx, row] = [64, row + 1];
    place.push({ x: lx, row });
    lx += w;
  }
  const m = { top: 46 + 14 * row, right: 16, bottom: 42, left: 56 };
  const pts = series.flatMap((s) => s.points.filter(([, y]) => Number.isFinite(y)));
  const xs = pts.map(([x]) => x), ys = pts.map(([, y]) => y);
  const xDom: [number, number] = xs.length ? [Math.min(...xs), Math.max(...xs)] : [0, 1];
  if (xDom[0] === xDom[1]) xDom[1] = xDom[0] + 1;
  let yDom: [number, number] = o.yDomain ?? (ys.length ? [Math.min(...ys), Math.max(...ys)] : [0, 1]);
  if (yDom[0] === yDom[1]) yDom = [yDom[0] - 1, yDom[1] + 1];
  const x = scaleLinear().domain(xDom).range([m.left, W - m.right]);
  const y = scaleLinear().domain(yDom).nice().range([H - m.bottom, m.top]);
  const path = line<readonly [number, number]>().defined(([, v]) => Number.isFinite(v)).x(([a]) => x(a)).y(([, b]) => y(b));
  const fmt = (t: number): string => (Math.abs(t) >= 1000 ? t.toExponential(0) : String(Number(t.toPrecision(4))));
  const xTicks = x.ticks(6).map((t) => `<g transform="translate(${x(t)},${H - m.bottom})"><line y2="5" stroke="#444"/><text y="18" text-anchor="middle">${fmt(t)}</text></g>`).join('');
  const yTicks = y.ticks(5).map((t) => `<g transform="translate(${m.left},${y(t)})"><line x2="-5" stroke="#444"/><line x2="${W - m.left - m.right}" stroke="#eee"/><text x="-8" dy="0.32em" text-anchor="end">${fmt(t)}</text></g>`).join('');
  const lines = series.map((s, i) => `<path d="${path(s.points) ?? ''}" fill="none" stroke="${PALETTE[i % PALETTE.length]}" stroke-width="1.8"/>`).join('');
  const legend = series.map((s, i) => `<g transform="translate(${place[i]!.x},${30 + 14 * place[i]!.row})"><rect width="10" height="10" y="-9" fill="${PALETTE[i % PALETTE.length]}"/><text x="14">${esc(s.name)}</text></g>`).join('');
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" font-family="sans-serif" font-size="11" role="img" aria-label="${esc(o.title)}">`,
    `<text x="${W / 2}" y="14" text-anchor="middle" font-size="13" font-weight="bold">${esc(o.title)}</text>`,
    yTicks, xTicks,
    `<line x1="${m.left}" x2="${W - m.right}" y1="${H - m.bottom}" y2="${H - m.bottom}" stroke="#444"/>`,
    `<line x1="${m.left}" x2="${m.left}" y1="${m.top}" y2="${H - m.bottom}" stroke="#444"/>`,
    lines, legend,
    `<text x="${(m.left + W - m.right) / 2}" y="${H - 6}" text-anchor="middle">${esc(o.xLabel)}</text>`,
    `<text transform="translate(14,${(m.top + H - m.bottom) / 2}) rotate(-90)" text-anchor="middle">${esc(o.yLabel)}</text>`,
    '</svg>',
  ].join('');
}
