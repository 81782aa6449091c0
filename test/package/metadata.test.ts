// What a registry user expects of package.json and the tarball: a LICENSE,
// runtime dependencies as caret ranges, a bin path npm does not rewrite, no
// invented links, and `npm publish --dry-run` without warnings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { repoRoot } from './packing';

const root = repoRoot(__dirname);
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  license: string;
  bin: Record<string, string>;
  files: string[];
  dependencies: Record<string, string>;
  [k: string]: unknown;
};

test('LICENSE is the MIT license of the ephemdir authors, and ships', () => {
  const text = fs.readFileSync(path.join(root, 'LICENSE'), 'utf8');
  assert.equal(pkg.license, 'MIT');
  assert.match(text, /^MIT License\n\nCopyright \(c\) 2026 The ephemdir authors\n/);
  assert.match(text, /Permission is hereby granted, free of charge/);
  assert.ok(pkg.files.includes('LICENSE'));
});

test('runtime dependencies are caret ranges', () => {
  for (const [name, range] of Object.entries(pkg.dependencies)) {
    assert.match(range, /^\^\d+\.\d+\.\d+$/, `${name}@${range}`);
  }
});

test('bin paths have no leading ./ and point at files the package ships', () => {
  for (const [name, file] of Object.entries(pkg.bin)) {
    assert.doesNotMatch(file, /^\.\//, name);
    assert.ok(pkg.files.some((f) => file.startsWith(f)), `${file} is in files`);
    assert.ok(fs.existsSync(path.join(root, file)), `${file} exists once compiled`);
  }
});

test('no invented repository, bugs or homepage', () => {
  for (const k of ['repository', 'bugs', 'homepage']) assert.equal(pkg[k], undefined, k);
});

test('npm publish --dry-run warns about nothing but the missing login', () => {
  const r = spawnSync('npm', ['publish', '--dry-run', '--ignore-scripts', '--offline'], { cwd: root, encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr);
  const warnings = (r.stdout + r.stderr)
    .split('\n')
    .filter((l) => /^npm (warn|WARN|ERR)/.test(l))
    .filter((l) => !/requires you to be logged in/.test(l));
  assert.deepEqual(warnings, []);
});
