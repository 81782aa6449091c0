// The linter runs as part of `npm test`: ESLint (eslint.config.js: the
// recommended JavaScript and typescript-eslint rules) over src/, test/,
// scripts/ and bench/ must report nothing, every eslint-disable comment must
// say why after `--`, and a disable comment that no longer suppresses
// anything is an error (so stale ones are removed, not kept).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { repoRoot } from './packing';

const root = repoRoot(__dirname);
const eslint = path.join(root, 'node_modules', 'eslint', 'bin', 'eslint.js');

function lint(args: string[], input?: string): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, [eslint, '--max-warnings', '0', ...args], {
    cwd: root,
    encoding: 'utf8',
    input,
    timeout: 120_000,
  });
  if (r.error) throw r.error;
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

/** Lints `text` as if it were the file src/`name` (never written to disk). */
const lintText = (name: string, text: string) => lint(['--stdin', '--stdin-filename', path.join('src', name)], text);

test('npm run lint: src/, test/, scripts/ and bench/ pass the configured rules', { timeout: 120_000 }, () => {
  const r = lint(['src', 'test', 'scripts', 'bench', 'eslint.config.js']);
  assert.equal(r.status, 0, `eslint reported problems (fix them, or disable the rule for that line with a reason after --):\n${r.out}`);
});

test('an eslint-disable comment without a reason is an error; with one it passes', () => {
  const body = "const x = require('node:os');\nexport { x };\n";
  const bare = lintText('lint-probe.ts', `// eslint-disable-next-line @typescript-eslint/no-require-imports\n${body}`);
  assert.equal(bare.status, 1, bare.out);
  assert.match(bare.out, /ephemdir\/disable-says-why/);
  const why = lintText('lint-probe.ts', `// eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy: a probe\n${body}`);
  assert.equal(why.status, 0, why.out);
});

test('a disable comment that suppresses nothing is an error', () => {
  const r = lintText('lint-probe.ts', '// eslint-disable-next-line @typescript-eslint/no-require-imports -- stale\nexport const x = 1;\n');
  assert.equal(r.status, 1, r.out);
  assert.match(r.out, /Unused eslint-disable directive/);
});

test('the rules are really applied to TypeScript sources (an unused variable is reported)', () => {
  const r = lintText('lint-probe.ts', 'const unused = 1;\nexport const x = 2;\n');
  assert.equal(r.status, 1, r.out);
  assert.match(r.out, /'unused' is assigned a value but never used/);
});
