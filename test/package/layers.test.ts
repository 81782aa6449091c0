// The layers and what each may import (ARCHITECTURE.md): native/ (syscalls)
// -> src/native (typed binding) -> src/fs (handles) -> src/store, src/policy
// -> src/api, src/companions -> src/cli. Read from the sources with the
// TypeScript parser: every import, export-from, require(), import() and
// `typeof import()` counts, type-only ones too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';

const repoRoot = path.resolve(__dirname, '../../..');
const SRC = path.join(repoRoot, 'src');

/** The layers by height: a file may import its own layer's and lower layers' folders only. */
const RANK: Record<string, number> = { native: 0, fs: 1, store: 2, policy: 2, api: 3, companions: 3, cli: 4 };
/** Folders only some layers may reach, whatever their height. */
const ONLY_FROM: Record<string, string[]> = {
  // The addon is reached through src/fs's handles, never directly.
  native: ['native', 'fs'],
};
/** Folders a layer may not import from although they are lower: the CLI goes through src/api. */
const NEVER_FROM: Record<string, string[]> = { cli: ['fs', 'store', 'native'] };

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const ent of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, ent.name);
    if (ent.isDirectory()) out.push(...sourceFiles(p));
    else if (ent.name.endsWith('.ts')) out.push(p);
  }
  return out;
}

/** Every module specifier in `file`: import/export from, require(), import(), import types. */
function specifiers(file: string, text = fs.readFileSync(file, 'utf8')): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const out: string[] = [];
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      out.push(node.moduleSpecifier.text);
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference) && ts.isStringLiteral(node.moduleReference.expression)) {
      out.push(node.moduleReference.expression.text);
    } else if (ts.isCallExpression(node) && node.arguments.length > 0 && ts.isStringLiteralLike(node.arguments[0]!)) {
      const callee = node.expression;
      if (callee.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(callee) && callee.text === 'require')) out.push((node.arguments[0] as ts.StringLiteral).text);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      out.push(node.argument.literal.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}

/** The src/ folder a file is in (null for src/index.ts, src/errors.ts and the like, and for packages). */
function folderOf(file: string): string | null {
  const rel = path.relative(SRC, file).split(path.sep);
  return rel.length > 1 ? rel[0]! : null;
}

/** The rules a file's imports break, as "from -> to" lines. */
function violations(file: string, text?: string): string[] {
  const from = folderOf(file);
  if (from === null || !(from in RANK)) return [];
  const out: string[] = [];
  for (const spec of specifiers(file, text)) {
    if (!spec.startsWith('.')) continue;
    const to = folderOf(path.resolve(path.dirname(file), spec));
    if (to === null || to === from || !(to in RANK)) continue;
    const shown = `${path.relative(repoRoot, file)} -> ${spec}`;
    if (RANK[to]! > RANK[from]!) out.push(`${shown} (upward: ${from} is below ${to})`);
    else if (ONLY_FROM[to] && !ONLY_FROM[to]!.includes(from)) out.push(`${shown} (${to} is reached only from ${ONLY_FROM[to]!.join(', ')})`);
    else if (NEVER_FROM[from]?.includes(to)) out.push(`${shown} (${from} goes through src/api, not ${to})`);
  }
  return out;
}

test('imports point down the layers; only src/fs reaches src/native; the CLI reaches the library through src/api', () => {
  const files = sourceFiles(SRC);
  assert.ok(files.length > 50, `read ${files.length} files under ${SRC}`);
  assert.deepEqual(files.flatMap((f) => violations(f)), []);
});

test('the check sees every form of import (so a bypass cannot hide in a lazy require or a type)', () => {
  const forms = [
    "import { native } from '../native/binding';",
    "import type { NativeFs } from '../native/binding';",
    "export { capabilities } from '../native/binding';",
    "const n = require('../native/binding');",
    "const n = await import('../native/binding');",
    "type L = typeof import('../native/loader');",
    "import n = require('../native/binding');",
  ];
  for (const folder of ['store', 'policy', 'api', 'companions', 'cli']) {
    const file = path.join(SRC, folder, 'probe.ts');
    for (const line of forms) assert.equal(violations(file, line).length, 1, `${folder}: ${line}`);
  }
  for (const line of forms) assert.deepEqual(violations(path.join(SRC, 'fs', 'probe.ts'), line), [], `fs may: ${line}`);
  for (const to of ['fs/walk', 'store/paths']) assert.equal(violations(path.join(SRC, 'cli', 'probe.ts'), `import { x } from '../${to}';`).length, 1, to);
  assert.deepEqual(violations(path.join(SRC, 'cli', 'probe.ts'), "import { x } from '../api/diagnostics';"), []);
  assert.equal(violations(path.join(SRC, 'fs', 'probe.ts'), "import { x } from '../store/paths';").length, 1, 'upward');
});
