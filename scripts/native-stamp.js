'use strict';
// The source stamp of the native addon: a hash of the package version and of
// every file the addon is built from. binding.gyp compiles it into the binary;
// the loader recomputes it and refuses a binary built from other sources.
//
// Hashing means loading node:crypto and reading every source, a few ms on
// each start. So the install step (and `npm run build:native`) also records
// the stamp with the identity (inode, size, mtime, ctime) of each file it
// was computed from, in build/native-stamp.json; while every file still has
// exactly that identity the record stands for the hash. Files changed less
// than SETTLE_MS before recording are never recorded (a change within the
// same clock tick would keep its identity).
const fs = require('node:fs');
const path = require('node:path');

const RECORD = path.join('build', 'native-stamp.json');
const RECORD_FORMAT = 1;
const SETTLE_MS = 2000;

function nativeSources(root) {
  const dir = path.join(root, 'native');
  const files = fs.readdirSync(dir).filter((f) => /\.(cc|h)$/.test(f)).sort();
  return ['binding.gyp', ...files.map((f) => path.join('native', f))];
}

function computeStamp(root) {
  // eslint-disable-next-line global-require -- only when no record stands
  const crypto = require('node:crypto');
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

/** [relative path, ino, size, mtimeMs, ctimeMs] of every input of the stamp. */
function identities(root) {
  return ['package.json', ...nativeSources(root)].map((rel) => {
    const st = fs.lstatSync(path.join(root, rel));
    if (!st.isFile()) throw new Error(`${rel} is not a regular file`);
    return [rel.split(path.sep).join('/'), st.ino, st.size, st.mtimeMs, st.ctimeMs];
  });
}

/** The stamp of the sources as they are now: from the record while it stands, else hashed. */
function expectedStamp(root) {
  try {
    const rec = JSON.parse(fs.readFileSync(path.join(root, RECORD), 'utf8'));
    if (rec.format === RECORD_FORMAT && typeof rec.stamp === 'string' && JSON.stringify(rec.files) === JSON.stringify(identities(root))) {
      return rec.stamp;
    }
  } catch {
    // no record, or one that cannot be read: hash
  }
  return computeStamp(root);
}

/** Writes the record, or removes a stale one when the sources are too fresh (or change while hashed). */
function recordStamp(root) {
  const file = path.join(root, RECORD);
  const started = Date.now();
  const before = identities(root);
  const stamp = computeStamp(root);
  const after = identities(root);
  const settled = after.every(([, , , mtimeMs, ctimeMs]) => mtimeMs < started - SETTLE_MS && ctimeMs < started - SETTLE_MS);
  if (!settled || JSON.stringify(before) !== JSON.stringify(after)) {
    fs.rmSync(file, { force: true });
    return null;
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify({ format: RECORD_FORMAT, stamp, files: after })}\n`);
  fs.renameSync(tmp, file);
  return stamp;
}

module.exports = { computeStamp, expectedStamp, recordStamp, RECORD, SETTLE_MS };

if (require.main === module) {
  const root = path.resolve(__dirname, '..');
  if (process.argv[2] === '--record') recordStamp(root);
  else process.stdout.write(computeStamp(root));
}
