// src/verify/code/extract.test.ts — the last fenced block of a language is the program.

import test from 'node:test';
import assert from 'node:assert/strict';
import { beforeTemplateToken, extractCode, extractCodeBlock, fencedBlocks } from './extract.js';

test('extractCode takes the last block of the requested language', () => {
  const c = 'Think...\n```python\nprint(1)\n```\nBetter:\n```py\nprint(2)\n```\n```js\nconsole.log(3)\n```\n';
  assert.equal(extractCode(c, 'python'), 'print(2)');
  assert.equal(extractCode(c, 'javascript'), 'console.log(3)');
  assert.equal(extractCode(c), 'console.log(3)');
  assert.equal(extractCodeBlock(c)?.lang, 'javascript');
});

test('untagged blocks are used only when no tagged block exists; other languages are ignored', () => {
  assert.equal(extractCode('```\nx = 1\n```', 'python'), 'x = 1');
  assert.equal(extractCode('```\nx = 1\n```\n```python\ny = 2\n```', 'python'), 'y = 2');
  assert.equal(extractCode('```bash\nls\n```', 'python'), null);
  assert.equal(extractCode('```cpp\nint main(){}\n```'), null);
});

test('fences: tildes, longer fences containing ```, indentation, CRLF, info after the language', () => {
  assert.equal(extractCode('~~~python\na = 1\n~~~', 'python'), 'a = 1');
  assert.equal(extractCode('````python\ns = """\n```\n"""\n````', 'python'), 's = """\n```\n"""');
  // An indented fence (a block inside a list item) loses that indentation from its body, as in CommonMark: the
  // program must not start with an indented line (a Python IndentationError).
  assert.equal(extractCode('  ```python\n  a = 1\n  ```', 'python'), 'a = 1');
  assert.equal(extractCode('1. Code:\n    ```python\n    def f(x):\n        return x\n\n    print(f(1))\n    ```', 'python'), 'def f(x):\n    return x\n\nprint(f(1))');
  assert.equal(extractCode('   ```python\n a = 1\nb = 2\n   ```', 'python'), 'a = 1\nb = 2', 'lines indented less lose what they have');
  assert.equal(extractCode('```python\r\na = 1\r\n```\r\n', 'python'), 'a = 1');
  assert.equal(extractCode('```python title="sol.py"\nb = 2\n```', 'python'), 'b = 2');
  assert.equal(extractCode('```Python\nc = 3\n```', 'python'), 'c = 3');
});

test('no block, an unclosed block, or an empty block gives null', () => {
  assert.equal(extractCode('print(1)'), null);
  assert.equal(extractCode('```python\nprint(1)\n'), null);
  assert.equal(extractCode('```python\n\n```'), null);
  assert.equal(extractCode('```python\nprint(1)\n```\n```python\nprint(2)', 'python'), 'print(1)');
  assert.equal(fencedBlocks('a ```python b``` c').length, 0);
});

test('only the text before a chat-template token counts: a fence glued to it closes, a made-up next turn is not read', () => {
  const code = '```python\nprint(1)\n```';
  assert.equal(extractCode(`${code}<|im_end|>`), 'print(1)');
  assert.equal(extractCode(`${code}<｜end▁of▁sentence｜>`), 'print(1)');
  assert.equal(extractCode(`${code}\n<|im_end|>\n<|im_start|>user\nagain\n<|im_start|>assistant\n\`\`\`python\nprint(2)\n\`\`\``), 'print(1)');
  assert.equal(extractCode('```python\nprint("<s>x</s>")\n```'), 'print("<s>x</s>")', 'HTML in a program is not a template token');
  assert.equal(beforeTemplateToken('no token'), 'no token');
});
