// src/report/index.ts — rendering of run reports: SVG line charts, tables, a self-contained HTML page.

export { lineChart, esc, type Series, type LineChartOptions } from './chart.js';
export { htmlPage, htmlTable, markdownTable, type Cell, type Table, type Section } from './html.js';
