import test from 'node:test';
import assert from 'node:assert/strict';
import { htmlPage, htmlTable, lineChart, markdownTable } from './index.js';
import { textWidth } from './chart.js';

test('lineChart: one path per series, ticks from the data, gaps for missing values, text escaped', () => {
  const svg = lineChart([{ name: 'a<b', points: [[1, 0.1], [2, 0.5], [3, NaN], [4, 0.9]] }, { name: 'c', points: [[1, 1], [4, 2]] }], { title: 'Reward & length', xLabel: 'step', yLabel: 'r' });
  assert.ok(svg.startsWith('<svg ') && svg.endsWith('</svg>'));
  assert.equal((svg.match(/<path d="M/g) ?? []).length, 2);
  // The NaN point splits the first series' path into two pieces.
  const first = /<path d="([^"]*)"/.exec(svg)![1]!;
  assert.equal((first.match(/M/g) ?? []).length, 2);
  assert.ok(svg.includes('Reward &amp; length') && svg.includes('a&lt;b') && !svg.includes('a<b'));
  assert.ok(svg.includes('>2<') && svg.includes('>4<'), 'x ticks span the steps');
  assert.ok(lineChart([], { title: 't', xLabel: 'x', yLabel: 'y' }).includes('</svg>'), 'an empty chart still renders');
});

test('tables render the same rows as markdown and HTML; the page is self-contained', () => {
  const t = { caption: 'Results', head: ['model', 'pass@1'], rows: [['base | v1', 0.25], ['zero', null]] };
  assert.equal(markdownTable(t), '**Results**\n\n| model | pass@1 |\n| --- | --- |\n| base \\| v1 | 0.250 |\n| zero | – |');
  assert.ok(htmlTable(t).includes('<td>base | v1</td><td>0.250</td>'));
  const page = htmlPage('T <1>', [{ title: 'S', blocks: [{ kind: 'text', text: 'x < y' }, { kind: 'html', html: '<b>ok</b>' }] }]);
  assert.ok(page.includes('<title>T &lt;1&gt;</title>') && page.includes('<p>x &lt; y</p>') && page.includes('<b>ok</b>'));
  assert.ok(!/<script|<link|src=/.test(page));
});

test('lineChart: a legend too long for one row wraps, its entries never overlap, and the plot starts below it', () => {
  const names = ['R1-Zero', 'R1-Zero + language reward', 'R1 reasoning RL', 'R1 final RL', 'student RL'];
  const svg = lineChart(names.map((name, i) => ({ name, points: [[1, i], [2, i + 1]] as [number, number][] })), { title: 't', xLabel: 'x', yLabel: 'y' });
  const entries = [...svg.matchAll(/<g transform="translate\(([\d.]+),(\d+)\)"><rect[^>]*\/><text x="14">([^<]*)<\/text><\/g>/g)].map((m) => ({ x: Number(m[1]), y: Number(m[2]), name: m[3]! }));
  assert.deepEqual(entries.map((e) => e.name), names, 'every series has an entry');
  const rows = [...new Set(entries.map((e) => e.y))];
  assert.ok(rows.length >= 2, `wrapped into ${rows.length} rows`);
  for (const r of rows) {
    const inRow = entries.filter((e) => e.y === r);
    for (let i = 1; i < inRow.length; i++) assert.ok(inRow[i]!.x >= inRow[i - 1]!.x + 14 + textWidth(inRow[i - 1]!.name), `${inRow[i - 1]!.name} overlaps ${inRow[i]!.name}`);
    assert.ok(inRow.at(-1)!.x + 14 + textWidth(inRow.at(-1)!.name) <= 560, 'inside the chart');
  }
  // The plot's y axis starts below the last legend row.
  const axisTop = Number(/<line x1="56" x2="56" y1="([\d.]+)"/.exec(svg)![1]);
  assert.ok(axisTop > Math.max(...rows) + 4, `axis top ${axisTop}, legend rows at ${rows.join(', ')}`);
  assert.ok(textWidth('语言') > textWidth('ab'), 'wide characters count wider');
});
