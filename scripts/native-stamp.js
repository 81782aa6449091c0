'use strict';
// The source stamp of the native addon: a hash of the package version and of
// every file the addon is built from. binding.gyp compiles it into the binary;
// the loader recomputes it and refuses a binary built from other sources.
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

function nativeSources(root) {
  const dir = path.join(root, 'native');
  const files = fs.readdirSync(dir).filter((f) => /\.(cc|h)$/.test(f)).sort();
  return ['binding.gyp', ...files.map((f) => path.join('native', f))];
}

function computeStamp(root) {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  const h = crypto.createHash('sha256');
  h.update(`ephemdir@${pkg.version}\0`);
  for (const rel of nativeSources(root)) {
    h.update(rel.split(path.sep).join('/'));
    h.update('\0');
    h.update(fs.readFileSync(path.join(root, rel)));
    h.update('\0');
  }
  // A letter first keeps it a valid preprocessor token when stringified.
  return 's' + h.digest('hex').slice(0, 32);
}

module.exports = { computeStamp };

if (require.main === module) {
  process.stdout.write(computeStamp(path.resolve(__dirname, '..')));
}
