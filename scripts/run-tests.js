'use strict';
// Runs the compiled test suite with node's test runner. Test files live in
// .test-dist/test (compiled by `npm run build:test`, which `pretest` runs).
// Extra arguments select files or folders: `npm test -- test/fs`.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const base = path.join(root, '.test-dist', 'test');

function collect(dir, out) {
  for (const ent of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, ent.name);
    if (ent.isDirectory()) {
      if (ent.name !== 'fixtures' && ent.name !== 'helpers') collect(p, out);
    } else if (ent.name.endsWith('.test.js')) {
      out.push(p);
    }
  }
  return out;
}

const selected = process.argv.slice(2).map((a) => path.join(root, '.test-dist', a.replace(/\.ts$/, '.js')));
const files = (selected.length ? selected : [base]).flatMap((p) =>
  fs.statSync(p).isDirectory() ? collect(p, []) : [p],
).sort();

const args = ['--test', '--test-concurrency=2', '--test-timeout=300000', ...files];
const res = spawnSync(process.execPath, args, { stdio: 'inherit', cwd: root });
process.exit(res.status ?? 1);
