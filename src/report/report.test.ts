import test from 'node:test';
import assert from 'node:assert/strict';
import { htmlPage, htmlTable, lineChart, markdownTable } from './index.js';

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
