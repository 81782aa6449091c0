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
//
// A package installed with no install step (npm 12 blocks them, and so does
// --ignore-scripts) has no such record, and its files get new inodes and
// times when unpacked. For it, `--pack` (run at pack time, after the
// prebuilds are built) writes prebuilds/stamp.json: the stamp with the
// version and the size of every input. It stands for the hash while the
// version and every size match and no input changed (ctime, which no one can
// set back) more than PACKED_SLACK_MS after the record itself was written:
// unpacking writes them all within moments, an edit made later does not
// qualify. Only a same-size edit within that window could pass unseen. When
// a record does not stand the sources are hashed: slower, never wrong.
const fs = require('node:fs');
const path = require('node:path');

const RECORD = path.join('build', 'native-stamp.json');
const RECORD_FORMAT = 1;
const SETTLE_MS = 2000;
const PACKED = path.join('prebuilds', 'stamp.json');
const PACKED_FORMAT = 1;
const PACKED_SLACK_MS = 2000;

function nativeSources(root) {
  const dir = path.join(root, 'native');
  const files = fs.readdirSync(dir).filter((f) => /\.(cc|h)$/.test(f)).sort();
  return ['binding.gyp', ...files.map((f) => path.join('native', f))];
}

function computeStamp(root) {
  // Loaded only when no record stands.
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

function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return null; // none, or unreadable: it does not stand
  }
}

/** The build record's stamp while every input keeps its identity, else null. */
function recordedStamp(root) {
  const rec = readJson(path.join(root, RECORD));
  if (!rec || rec.format !== RECORD_FORMAT || typeof rec.stamp !== 'string') return null;
  return JSON.stringify(rec.files) === JSON.stringify(identities(root)) ? rec.stamp : null;
}

/** The packed record's stamp while it stands for these sources (see the top of this file), else null. */
function packedStamp(root) {
  const file = path.join(root, PACKED);
  const rec = readJson(file);
  if (!rec || rec.format !== PACKED_FORMAT || typeof rec.stamp !== 'string' || !Array.isArray(rec.files)) return null;
  const pkg = readJson(path.join(root, 'package.json'));
  if (!pkg || pkg.version !== rec.version) return null;
  const written = fs.statSync(file).ctimeMs;
  const sources = nativeSources(root);
  if (sources.length !== rec.files.length) return null;
  for (let i = 0; i < sources.length; i++) {
    const [rel, size] = rec.files[i];
    if (rel !== sources[i].split(path.sep).join('/')) return null;
    const st = fs.lstatSync(path.join(root, sources[i]), { throwIfNoEntry: false });
    if (!st || !st.isFile() || st.size !== size || st.ctimeMs > written + PACKED_SLACK_MS) return null;
  }
  return rec.stamp;
}

/** The stamp from a record that stands for the sources as they are now, or null (they must be hashed). */
function knownStamp(root) {
  try {
    return recordedStamp(root) || packedStamp(root);
  } catch {
    return null; // an input vanished or cannot be read: hashing says what is wrong
  }
}

/** The stamp of the sources as they are now: from a record while one stands, else hashed. */
function expectedStamp(root) {
  return knownStamp(root) || computeStamp(root);
}

/** Writes prebuilds/stamp.json for the package about to be packed; returns the stamp. */
function writePackedStamp(root) {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  const before = identities(root);
  const stamp = computeStamp(root);
  if (JSON.stringify(before) !== JSON.stringify(identities(root))) throw new Error('the native sources changed while being hashed');
  // The sizes the hash was computed over (identities() lists package.json first, then the sources).
  const files = before.slice(1).map(([rel, , size]) => [rel, size]);
  const file = path.join(root, PACKED);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify({ format: PACKED_FORMAT, stamp, version: pkg.version, files })}\n`);
  fs.renameSync(tmp, file);
  return stamp;
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

module.exports = { computeStamp, expectedStamp, knownStamp, recordStamp, writePackedStamp, RECORD, PACKED, SETTLE_MS, PACKED_SLACK_MS };

if (require.main === module) {
  const root = path.resolve(__dirname, '..');
  if (process.argv[2] === '--record') recordStamp(root);
  else if (process.argv[2] === '--pack') writePackedStamp(root);
  else process.stdout.write(computeStamp(root));
}
