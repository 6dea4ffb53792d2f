// src/tasks/functions/extract.test.ts — where the program of a functions answer is found (no sandbox needed).

import test from 'node:test';
import assert from 'node:assert/strict';
import { extractFunctionCode, plainDef } from './extract.js';

test('plainDef: the last def, to the end of its line, with the indented lines after it', () => {
  assert.equal(plainDef(' def f(x): return x * 3 + 2 '), 'def f(x): return x * 3 + 2');
  assert.equal(plainDef('So the code is def f(x): return x + 1\nThat is all.'), 'def f(x): return x + 1');
  assert.equal(plainDef('def f(x): return 0\ndef f(x): return 1'), 'def f(x): return 1');
  assert.equal(plainDef('def f(x):\n    y = x + 1\n\treturn y\nDone.\n    stray'), 'def f(x):\n    y = x + 1\n\treturn y');
  assert.equal(plainDef('`def f(x): return x`'), 'def f(x): return x');
  assert.equal(plainDef('def f(x): return x * 2。'), 'def f(x): return x * 2');
  assert.equal(plainDef('def f(x): return x\r\n  \r\n'), 'def f(x): return x');
  assert.equal(plainDef('undef f(x) and obj.def g(x)'), null);
  assert.equal(plainDef('define f(x) as x + 1'), null);
  assert.equal(plainDef('no code here'), null);
});

test('extractFunctionCode: after the reasoning only; the answer block first; a python fence before a plain def', () => {
  assert.deepEqual(extractFunctionCode('<think> def f(x): return 1 </think> <answer> def f(x): return 2 </answer>'), { code: 'def f(x): return 2', source: 'plain' });
  assert.deepEqual(extractFunctionCode('<think> a </think> def f(x): return 3 <answer> 4 </answer> def f(x): return 5'), null);
  assert.equal(extractFunctionCode('<think> def f(x): return 1 </think> <answer> 1 </answer>'), null);
  assert.deepEqual(extractFunctionCode('<think>a</think>\n```py\ndef f(x): return 6\n```\n'), { code: 'def f(x): return 6', source: 'fenced' });
  // A block in another language is not Python: it is skipped, and a plain def (if any) is read instead.
  assert.equal(extractFunctionCode('<answer>\n```javascript\nfunction f(x) { return x }\n```\n</answer>'), null);
  assert.deepEqual(extractFunctionCode('def f(x): return 7'), { code: 'def f(x): return 7', source: 'plain' });
  assert.equal(extractFunctionCode('```python\n\n```'), null);
  // A chat-template token ends the answer: a plain def glued to it stops before it.
  assert.deepEqual(extractFunctionCode('<think>a</think> def f(x): return x * 3<|im_end|>'), { code: 'def f(x): return x * 3', source: 'plain' });
});
