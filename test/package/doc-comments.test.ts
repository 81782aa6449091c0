// Every export of the published entry points (dist/index.d.ts and
// dist/testing.d.ts, as an editor sees them) carries a doc comment, which is
// what hover shows. Read with the TypeScript compiler API: each export is
// followed through its re-exports to the declaration, and the text the
// language service would show must be non-empty. A second test checks that
// a consumer resolves both entry points' types through the package's
// `exports` (node16, bundler) and `typesVersions` (node10), and that every
// ```ts example in the README type-checks against the built package.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';
import { scratch } from '../helpers/scratch';

const repoRoot = path.resolve(__dirname, '../../..');
const ENTRY_POINTS = ['dist/index.d.ts', 'dist/testing.d.ts'].map((f) => path.join(repoRoot, f));
const built = ENTRY_POINTS.every((f) => fs.existsSync(f));
const skip = !built && 'needs dist/ (npm run compile)';

/** Exports of a declaration file whose hover text would be empty. */
function undocumented(file: string): { all: string[]; missing: string[] } {
  const program = ts.createProgram([file], { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, noEmit: true, types: ['node'] });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(file);
  assert.ok(source, file);
  const moduleSymbol = checker.getSymbolAtLocation(source);
  assert.ok(moduleSymbol, `${file} is not a module`);
  const all: string[] = [];
  const missing: string[] = [];
  for (const exported of checker.getExportsOfModule(moduleSymbol)) {
    all.push(exported.name);
    const target = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
    const text = ts.displayPartsToString(target.getDocumentationComment(checker)).trim();
    if (text === '') missing.push(`${exported.name} (${path.relative(repoRoot, target.declarations?.[0]?.getSourceFile().fileName ?? file)})`);
  }
  return { all, missing };
}

for (const file of ENTRY_POINTS) {
  test(`every export of ${path.relative(repoRoot, file)} has a doc comment`, { skip }, () => {
    const { all, missing } = undocumented(file);
    assert.ok(all.length > (file.endsWith('index.d.ts') ? 60 : 2), `only ${all.length} exports found`);
    assert.deepEqual(missing, [], `${missing.length} of ${all.length} exports have no doc comment`);
  });
}

const s = scratch('types');
after(() => s.cleanup());

function consumerOptions(moduleResolution: 'node16' | 'bundler' | 'node10'): ts.CompilerOptions {
  return {
    strict: true,
    noEmit: true,
    types: ['node'],
    typeRoots: [path.join(repoRoot, 'node_modules', '@types')],
    target: ts.ScriptTarget.ES2022,
    lib: ['lib.es2023.d.ts', 'lib.esnext.disposable.d.ts'],
    skipLibCheck: true,
    ...(moduleResolution === 'node16'
      ? { module: ts.ModuleKind.Node16, moduleResolution: ts.ModuleResolutionKind.Node16 }
      : moduleResolution === 'bundler'
        ? { module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler }
        : { module: ts.ModuleKind.CommonJS, moduleResolution: ts.ModuleResolutionKind.Node10 }),
  };
}

test('every ```ts example in README.md type-checks against the built package (strict)', { skip }, () => {
  const dir = path.join(s.dir, 'readme');
  fs.mkdirSync(path.join(dir, 'node_modules'), { recursive: true });
  fs.symlinkSync(repoRoot, path.join(dir, 'node_modules', 'ephemdir'));
  const text = fs.readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
  const files: string[] = [];
  for (const m of text.matchAll(/^```ts\n([\s\S]*?)^```$/gm)) {
    const file = path.join(dir, `example${files.length}.ts`);
    fs.writeFileSync(file, `${m[1]}\nexport {};\n`);
    files.push(file);
  }
  assert.ok(files.length >= 2, `found ${files.length} examples`);
  const program = ts.createProgram(files, consumerOptions('node16'));
  const diagnostics = ts.getPreEmitDiagnostics(program).map((d) => `${path.basename(d.file?.fileName ?? '')}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
  assert.deepEqual(diagnostics, []);
});

for (const moduleResolution of ['node16', 'bundler', 'node10'] as const) {
  test(`a TypeScript consumer resolves ephemdir and ephemdir/testing (moduleResolution ${moduleResolution})`, { skip }, () => {
    const dir = path.join(s.dir, moduleResolution);
    fs.mkdirSync(path.join(dir, 'node_modules'), { recursive: true });
    fs.symlinkSync(repoRoot, path.join(dir, 'node_modules', 'ephemdir'));
    const file = path.join(dir, 'consumer.ts');
    fs.writeFileSync(
      file,
      [
        "import { withTempdir, isEphemdirError, type ErrorCode } from 'ephemdir';",
        "import { testTempdir, type TestContextLike } from 'ephemdir/testing';",
        'export async function f(t: TestContextLike, err: unknown): Promise<number> {',
        '  const dir = testTempdir(t, { lifetime: 60 });',
        "  const code: ErrorCode = 'EPHEMDIR_BUSY';",
        "  if (isEphemdirError(err, 'EPHEMDIR_AMBIGUOUS')) return err.matches.length;",
        '  return withTempdir(async (d) => d.path.length + dir.path.length + code.length);',
        '}',
        '',
      ].join('\n'),
    );
    const options = consumerOptions(moduleResolution);
    const program = ts.createProgram([file], options);
    const diagnostics = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    assert.deepEqual(diagnostics, []);
    const resolved = program.getSourceFiles().map((f) => path.relative(repoRoot, fs.realpathSync(f.fileName)));
    assert.ok(resolved.includes(path.join('dist', 'index.d.ts')), resolved.join('\n'));
    assert.ok(resolved.includes(path.join('dist', 'testing.d.ts')), resolved.join('\n'));
  });
}
