// src/verify/code/sandbox.hide.test.ts — folders inside a tree bound into the sandbox (an interpreter's prefix,
// /usr) can be hidden: how this package's expected outputs stay out of reach when it is installed under /usr.

import test from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { runTests, sandboxInfo, type TestCase } from './index.js';

for (const isolation of ['bubblewrap', 'unshare'] as const) {
  test(`${isolation}: a hidden folder inside an interpreter's bound prefix is empty to the program`, async () => {
    const info = await sandboxInfo({ isolation });
    assert.equal(info.isolation, isolation, `${isolation} must work for this suite: ${info.reason ?? ''}`);
    const python = info.interpreters.python;
    assert.ok(python, 'a python3 interpreter');
    // The prefix must lie outside /tmp: the sandbox's own scratch /tmp covers the host's.
    const prefix = mkdtempSync('/var/tmp/r1-prefix-');
    try {
      chmodSync(prefix, 0o755);
      mkdirSync(join(prefix, 'bin'), { mode: 0o755 });
      mkdirSync(join(prefix, 'data'), { mode: 0o755 });
      symlinkSync(python, join(prefix, 'bin', 'python3'));
      const secret = `expected-${randomBytes(8).toString('hex')}`;
      const file = join(prefix, 'data', 'expected.txt');
      writeFileSync(file, secret);
      const tests: TestCase[] = [{ kind: 'stdio', input: '', output: secret }];
      const src = `print(open(${JSON.stringify(file)}).read())\n`;
      const opts = { isolation, interpreters: { python: join(prefix, 'bin', 'python3') } };
      // The prefix is bound read-only so the interpreter runs: without hiding, the file is in reach.
      const open = await runTests('python', src, tests, opts);
      assert.equal(open.score, 1, `the set-up exposes the file: ${JSON.stringify(open.results)}`);
      const hidden = await runTests('python', src, tests, { ...opts, hide: [join(prefix, 'data')] });
      assert.equal(hidden.score, 0);
      assert.match(hidden.results[0]?.reason ?? '', /FileNotFoundError/);
    } finally {
      rmSync(prefix, { recursive: true, force: true });
    }
  });
}
