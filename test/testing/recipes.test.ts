// The README's vitest and jest fixture recipes (```js vitest and ```js jest
// blocks) run with the versions in devDependencies, once each, in a
// throwaway project that resolves ephemdir from this checkout (a symlink in
// its node_modules). Each recipe's tests check their directory exists; this
// test checks the runner passed every one of them and that nothing is left:
// no directory in the project's TMPDIR, nothing tracked in the registry.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { isolatedEnv } from '../helpers/api-env';
import { registered } from '../../src/index';

const repoRoot = path.resolve(__dirname, '../../..');
const env = isolatedEnv('recipes');
after(() => env.cleanup());

function recipe(tool: 'vitest' | 'jest'): string {
  const text = fs.readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
  const blocks = [...text.matchAll(new RegExp(`^\`\`\`js ${tool}\\n([\\s\\S]*?)^\`\`\`$`, 'gm'))].map((m) => m[1]!);
  assert.equal(blocks.length, 1, `README.md should have exactly one \`\`\`js ${tool} block`);
  return blocks[0]!;
}

const distBuilt = fs.existsSync(path.join(repoRoot, 'dist', 'index.js')) && fs.existsSync(path.join(repoRoot, 'dist', 'testing.js'));

/** A project folder with node_modules/ephemdir -> this checkout and node_modules/<tool> -> ours. */
function project(tool: string, specName: string, code: string, packageJson: object): { dir: string; tmp: string } {
  const dir = path.join(env.root, tool);
  const tmp = path.join(dir, 'tmp');
  fs.mkdirSync(path.join(dir, 'node_modules'), { recursive: true });
  fs.mkdirSync(tmp);
  fs.symlinkSync(repoRoot, path.join(dir, 'node_modules', 'ephemdir'));
  fs.symlinkSync(path.join(repoRoot, 'node_modules', tool), path.join(dir, 'node_modules', tool));
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: `recipe-${tool}`, private: true, ...packageJson }));
  fs.writeFileSync(path.join(dir, specName), code);
  return { dir, tmp };
}

function run(cmd: string[], cwd: string, tmp: string): { status: number | null; output: string } {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, TMPDIR: tmp, CI: '1', NO_COLOR: '1', FORCE_COLOR: '0' };
  delete childEnv.NODE_TEST_CONTEXT;
  const r = spawnSync(process.execPath, cmd, { cwd, env: childEnv, encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, output: `${r.stdout}\n${r.stderr}` };
}

/** Nothing the recipe made is left: no ephemdir-named directory in TMPDIR, nothing tracked. */
async function assertNothingLeft(tmp: string): Promise<void> {
  const made = fs.readdirSync(tmp).filter((n) => /-[0-9a-f]{16}$/.test(n));
  assert.deepEqual(made, [], 'directories left in TMPDIR');
  assert.deepEqual((await registered()).map((e) => e.path), [], 'directories still tracked');
}

test('the vitest recipe runs: a dir fixture per test, removed after it', { skip: !distBuilt && 'needs dist/ (npm run compile)' }, async () => {
  const { dir, tmp } = project('vitest', 'recipe.test.mjs', recipe('vitest'), { type: 'module' });
  const r = run([path.join(repoRoot, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--root', dir, '--reporter', 'verbose'], dir, tmp);
  assert.equal(r.status, 0, r.output);
  assert.match(r.output, /Tests\s+2 passed \(2\)/, r.output);
  await assertNothingLeft(tmp);
});

test('the jest recipe runs: beforeEach / afterEach per test', { skip: !distBuilt && 'needs dist/ (npm run compile)' }, async () => {
  // No transform: the recipe is plain CommonJS, and ephemdir is loaded as built.
  const { dir, tmp } = project('jest', 'recipe.test.js', recipe('jest'), { jest: { transform: {}, testEnvironment: 'node' } });
  const r = run([path.join(repoRoot, 'node_modules', 'jest', 'bin', 'jest.js'), '--ci', '--watchman=false', '--rootDir', dir], dir, tmp);
  assert.equal(r.status, 0, r.output);
  assert.match(r.output, /Tests:\s+2 passed, 2 total/, r.output);
  await assertNothingLeft(tmp);
});
