// Runs every ```js and ```ts example in docs/companions.md as a program that
// does `require('ephemdir')` / `import ... from 'ephemdir'`. The package is
// the real one (node_modules/ephemdir -> the repository, whose main is
// dist/index.js) once dist/index.js exports the companions; until then a shim
// package re-exports the compiled companions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { scratch } from '../helpers/scratch';

const repoRoot = path.resolve(__dirname, '../../..');
const companionsModule = path.resolve(__dirname, '../../src/companions/index.js');
// Every ```js and ```ts block in these files is a program that must run.
const DOCS = [path.join(repoRoot, 'docs', 'companions.md'), path.join(repoRoot, 'README.md')];
const tsx = path.join(repoRoot, 'node_modules', '.bin', 'tsx');
const NAMES = ['createTempDir', 'root', 'Root', 'TemporaryDirectory', 'TempFiles', 'defaultTempFiles', 'FileStore'];

function examples(only?: string): Array<{ lang: 'js' | 'ts'; code: string; line: number; doc: string }> {
  const out: Array<{ lang: 'js' | 'ts'; code: string; line: number; doc: string }> = [];
  for (const doc of DOCS.filter((d) => !only || d === only)) {
    const text = fs.readFileSync(doc, 'utf8');
    const re = /^```(js|ts)\n([\s\S]*?)^```$/gm;
    for (let m = re.exec(text); m; m = re.exec(text)) {
      out.push({ lang: m[1] as 'js' | 'ts', code: m[2]!, line: text.slice(0, m.index).split('\n').length, doc: path.relative(repoRoot, doc) });
    }
  }
  return out;
}

function packageExportsCompanions(): boolean {
  const main = path.join(repoRoot, 'dist', 'index.js');
  if (!fs.existsSync(main)) return false;
  const r = spawnSync(process.execPath, ['-e', `const m = require(${JSON.stringify(main)}); process.exit(${JSON.stringify(NAMES)}.every((n) => n in m) ? 0 : 1)`], {
    stdio: 'ignore',
  });
  return r.status === 0;
}

function installPackage(dir: string): string {
  const modules = path.join(dir, 'node_modules');
  fs.mkdirSync(modules);
  if (packageExportsCompanions()) {
    fs.symlinkSync(repoRoot, path.join(modules, 'ephemdir'));
    return 'package';
  }
  const shim = path.join(modules, 'ephemdir');
  fs.mkdirSync(shim);
  fs.writeFileSync(path.join(shim, 'package.json'), JSON.stringify({ name: 'ephemdir-docs-shim', main: 'index.js' }));
  fs.writeFileSync(path.join(shim, 'index.js'), `module.exports = require(${JSON.stringify(companionsModule)});\n`);
  return 'shim';
}

/**
 * Our environment minus the variable that makes a node:test file report to
 * this test runner instead of running (and failing) on its own: an example
 * that uses node:test must fail this test when its test fails.
 */
function exampleEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.NODE_TEST_CONTEXT;
  return env;
}

test('docs/companions.md has an example for every companion', () => {
  const all = examples(DOCS[0]);
  assert.ok(all.length >= 5, `found ${all.length} examples`);
  const code = all.map((e) => e.code).join('\n');
  for (const n of ['createTempDir', 'root(', 'TempFiles', 'FileStore', 'await using']) assert.ok(code.includes(n), n);
});

for (const ex of examples()) {
  test(`${ex.doc} example at line ${ex.line} (${ex.lang}) runs`, () => {
    using s = scratch('docs');
    using state = scratch('docs-state'); // the examples' registry, never the user's
    const how = installPackage(s.dir);
    const file = path.join(s.dir, `example.${ex.lang === 'ts' ? 'ts' : 'js'}`);
    fs.writeFileSync(file, ex.code);
    const cmd = ex.lang === 'ts' ? tsx : process.execPath;
    try {
      execFileSync(cmd, [file], {
        cwd: s.dir,
        stdio: 'pipe',
        encoding: 'utf8',
        timeout: 60_000,
        env: {
          ...exampleEnv(),
          TMPDIR: s.dir, // os.tmpdir() is the scratch dir
          EPHEMDIR_DATA_DIR: path.join(state.dir, 'data'),
          EPHEMDIR_CONFIG_DIR: path.join(state.dir, 'config'),
        },
      });
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string };
      assert.fail(`${ex.doc} example at line ${ex.line} failed (${how}):\n${e.stderr ?? ''}${e.stdout ?? ''}`);
    }
    // the examples clean up after themselves: only the program and the package remain
    const left = fs.readdirSync(s.dir).filter((n) => !n.startsWith('tsx-')); // tsx's own cache
    assert.deepEqual(left.sort(), [path.basename(file), 'node_modules'].sort());
  });
}
