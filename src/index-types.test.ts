// src/index-types.test.ts — the published types are usable: every named type that a public declaration refers to
// (a parameter, a return type, a property, a base class, transitively) is itself exported from the package root or
// one of its subpaths, so a consumer can name it; and no public declaration says `any`. Read from the built .d.ts
// files through the exports map, with the TypeScript compiler API.

import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, sep } from 'node:path';
import ts from 'typescript';
import { packageRoot } from './util/package-root.js';

const root = packageRoot();
const dist = join(root, 'dist', 'src') + sep;

function entryPoints(): string[] {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { exports: Record<string, string | { types?: string }> };
  return Object.values(pkg.exports).flatMap((e) => (typeof e === 'object' && e.types ? [join(root, e.types)] : []));
}

test('every type a public declaration names is exported (root or subpath), and none is `any`', () => {
  const entries = entryPoints();
  assert.ok(entries.length > 10, 'the exports map lists the layers');
  const program = ts.createProgram(entries, { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, strict: true, noEmit: true, types: [] });
  const checker = program.getTypeChecker();
  const resolve = (s: ts.Symbol): ts.Symbol => (s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s);
  const ours = (d: ts.Node): boolean => d.getSourceFile().fileName.startsWith(dist.split(sep).join('/'));

  const exported = new Set<ts.Symbol>();
  for (const file of entries) {
    const sf = program.getSourceFile(file.split(sep).join('/'));
    assert.ok(sf, `${file} is built`);
    const mod = checker.getSymbolAtLocation(sf);
    assert.ok(mod, `${file} is a module`);
    for (const s of checker.getExportsOfModule(mod)) exported.add(resolve(s));
  }

  const missing = new Map<string, string>();
  const anys: string[] = [];
  const seen = new Set<ts.Symbol>();
  const where = (n: ts.Node): string => {
    const sf = n.getSourceFile();
    return `${sf.fileName.slice(dist.length)}:${sf.getLineAndCharacterOfPosition(n.getStart()).line + 1}`;
  };
  const visit = (n: ts.Node, path: string): void => {
    if (n.kind === ts.SyntaxKind.AnyKeyword) anys.push(`${path} (${where(n)})`);
    // Named references; `typeof x` of a value (a zod schema behind z.infer) is left out: the type it gives is usable.
    if (ts.isTypeReferenceNode(n) || ts.isExpressionWithTypeArguments(n)) {
      const at = ts.isTypeReferenceNode(n) ? n.typeName : n.expression;
      const found = checker.getSymbolAtLocation(at);
      const s = found && resolve(found);
      if (s && !(s.flags & ts.SymbolFlags.TypeParameter) && s.declarations?.some(ours) && !exported.has(s)) {
        if (!missing.has(s.name)) missing.set(s.name, `${path} (${where(n)})`);
        if (!seen.has(s)) {
          seen.add(s);
          for (const d of s.declarations) visit(d, `${path} > ${s.name}`);
        }
      }
    }
    ts.forEachChild(n, (c) => visit(c, path));
  };
  for (const s of exported) for (const d of s.declarations ?? []) if (ours(d)) visit(d, s.name);

  assert.deepEqual([...missing].map(([name, from]) => `${name}, named by ${from}`), []);
  assert.deepEqual(anys, []);
});
