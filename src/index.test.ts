// src/index.test.ts — the built package as a consumer sees it: imported by name from another folder (its
// node_modules/r1ts links here), through the "exports" map, in JavaScript and in type-checked TypeScript; and what
// `npm pack` would publish (no tests, no test fixtures; the addon's sources to build it on install).

import test from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from './util/package-root.js';

const root = packageRoot();

/** A consumer folder whose node_modules/r1ts links to this package; removed after fn. */
function withConsumer(fn: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'r1ts-consumer-'));
  try {
    mkdirSync(join(dir, 'node_modules'));
    symlinkSync(root, join(dir, 'node_modules', 'r1ts'), 'dir');
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', type: 'module', private: true }));
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("import ... from 'r1ts' works from another package, with the layer subpaths; internals stay private", () => {
  assert.ok(existsSync(join(root, 'dist', 'src', 'index.js')), 'build first (npm run build)');
  withConsumer((dir) => {
    writeFileSync(join(dir, 'main.js'), `
      import * as r1 from 'r1ts';
      import { Engine, matmul } from 'r1ts/tensor';
      import { compareAnswers } from 'r1ts/verify/math';
      const engine = new Engine(r1.createRefBackend());
      const a = engine.tensor(Float32Array.from([1, 2, 3, 4]), [2, 2]);
      const out = { product: Array.from(matmul(a, a).data) };
      for (const name of ['createNativeBackend', 'Transformer', 'preset', 'trainTokenizer', 'generate', 'MathVerifier', 'runTests', 'getTask', 'accuracyReward', 'compositeReward', 'runEval', 'passAtK', 'trainGrpo', 'trainSft', 'runPipeline', 'Rng', 'mean', 'meanOf', 'engineFacts', 'nativeBlasStatus']) out[name] = typeof r1[name];
      out.sameEngine = r1.Engine === Engine;
      out.verdict = compareAnswers('1/2', '\\\\frac{2}{4}').correct;
      try { await import('r1ts/dist/src/util/rng.js'); out.deep = 'importable'; } catch (e) { out.deep = e.code; }
      console.log(JSON.stringify(out));`);
    const r = spawnSync(process.execPath, ['main.js'], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, unknown>;
    assert.deepEqual(out.product, [7, 10, 15, 22]);
    for (const [k, v] of Object.entries(out)) if (!['product', 'sameEngine', 'verdict', 'deep'].includes(k)) assert.equal(v, 'function', k);
    assert.equal(out.sameEngine, true, 'the root and the subpath are one module instance');
    assert.equal(out.verdict, true);
    assert.equal(out.deep, 'ERR_PACKAGE_PATH_NOT_EXPORTED');
  });
});

test("a TypeScript consumer type-checks against the published types ('types' conditions of the exports map)", () => {
  withConsumer((dir) => {
    writeFileSync(join(dir, 'main.ts'), `
      import { createRefBackend, Engine, type Backend, type BlasStatus, type GenerateOptions } from 'r1ts';
      import { passAtK } from 'r1ts/eval';
      const b: Backend = createRefBackend();
      const e = new Engine(b);
      const k: number = passAtK(10, 3, 1);
      const opts: GenerateOptions = { maxNewTokens: 4 };
      const s: BlasStatus | null = null;
      // @ts-expect-error the types are real: a number is no Backend
      const bad: Backend = 42;
      export { e, k, opts, s, bad };`);
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: false, types: ['node'], typeRoots: [join(root, 'node_modules', '@types')] }, files: ['main.ts'] }));
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    const r = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
    assert.equal(r.status, 0, r.stdout + r.stderr);
  });
});

test('the published types of every subpath check without @types/node (skipLibCheck off)', () => {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { exports: Record<string, unknown> };
  const subpaths = Object.keys(pkg.exports).filter((k) => k !== './package.json').map((k) => `r1ts${k.slice(1)}`);
  withConsumer((dir) => {
    writeFileSync(join(dir, 'main.ts'), subpaths.map((s, i) => `import * as m${i} from '${s}';\nexport { m${i} };\n`).join(''));
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: false, types: [] }, files: ['main.ts'] }));
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    const r = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
    assert.equal(r.status, 0, r.stdout + r.stderr);
  });
});

test('npm pack ships the compiled library, the CLI and the addon sources, and no tests or test fixtures', () => {
  const r = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr);
  const files = (JSON.parse(r.stdout) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path);
  for (const need of ['package.json', 'README.md', 'binding.gyp', 'native/addon.cc', 'native/detect-blas.cjs', 'dist/src/index.js', 'dist/src/index.d.ts', 'dist/src/cli/main.js', 'dist/src/verify/math/worker.js', 'dist/src/contract/kernels.d.ts', 'src/serve/page/index.html', 'src/serve/page/chat.js']) {
    assert.ok(files.includes(need), `${need} ships`);
  }
  // src/ ships only the chat page's static files (served as they are, no build step). Test fixtures (the GGUF
  // written by the serve tests, the crashing math worker) and what only tests and benchmarks read (the code task's
  // reference solutions, benchmark statistics) stay out.
  const testOnly = files.filter((f) => /\.test\.|\.cases\.|\/fixtures\.|fixture|fake-endpoint|equiv-cases|code\/references\.|util\/stats\.|^src\/(?!serve\/page\/)|^bench\/|\.map$/.test(f));
  assert.deepEqual(testOnly, []);
});
