#!/usr/bin/env node
// The bin (dist/cli/main.js, built from this file by scripts/build-cli.js):
// compiles the bundled command line, dist/cli/bundle.js, with the V8 code
// cache that the same build wrote beside it (bundle.js.cache), so that a
// start-up deserializes compiled code instead of parsing ~370 KiB.
//
// The cache is made only at build time (`compile`/`prepare`), in dist/
// beside the bundle: it is exactly as trusted as the bundle itself and is
// never written at run time. It is used only when it belongs to these very
// bytes of the bundle (V8 itself checks little more than the source's length,
// and would crash on a damaged cache, so its header carries the bundle's
// length and hash and its own). A cache made by another Node (V8
// version or flags) is rejected by V8; a missing, damaged or foreign one
// means a plain compile: slower, never different.
//
// Node >= 22.1 has module.enableCompileCache(); it is not used: it writes at
// run time to a folder (by default under os.tmpdir(), shared with other
// users) that would have to be proven private on every start, and the bundle
// is the only JavaScript file of ours the CLI loads, which this cache covers.
/* eslint-disable @typescript-eslint/no-require-imports -- plain require(): an `import * as` becomes a namespace copy of every export in the bundled bin (~1 ms of start-up for node:fs) */
const fs = require('node:fs') as typeof import('node:fs');
const path = require('node:path') as typeof import('node:path');
const vm = require('node:vm') as typeof import('node:vm');
/* eslint-enable @typescript-eslint/no-require-imports */

/** What a cache file starts with: format name and version (padded to 24 bytes). */
export const CACHE_MAGIC = 'ephemdir-v8cache-3\n\0\0\0\0\0';
/** The V8 version and architecture a cache was made by (32 bytes, zero-padded in the header). */
export const ENGINE = `${process.versions.v8} ${process.arch}`;
const ENGINE_BYTES = 32;
/**
 * Magic; engine; bundle length, data length (uint32 LE); bundle hash, data
 * hash (int64 LE); then V8's data. The engine is compared first, so that
 * under another Node nothing is hashed for a cache V8 would refuse anyway.
 */
export const CACHE_HEADER_BYTES = CACHE_MAGIC.length + ENGINE_BYTES + 24;

/*
 * The hash: FNV-1a's offset and prime over 64-bit little-endian words (the
 * last one zero-padded), h = (h ^ word) * prime mod 2^64. Each step is a
 * bijection of h, so any change confined to one word always changes the
 * result. It guards against a damaged or stale file, not against someone
 * who can write dist/ (who can change the bundle itself). WebAssembly rather
 * than a JS loop (interpreted at start-up: ~10x slower) or zlib.crc32 (loads
 * node:stream, which the bin otherwise never loads). The module, as text:
 *   (module (memory (export "m") 1)
 *     (func (export "h") (param $p i32) (param $n i32) (result i64)
 *       (local $h i64) (local $e i32)
 *       (local.set $h (i64.const 0xcbf29ce484222325))
 *       (local.set $e (i32.add (local.get $p) (i32.shl (local.get $n) (i32.const 3))))
 *       (block (loop
 *         (br_if 1 (i32.ge_u (local.get $p) (local.get $e)))
 *         (local.set $h (i64.mul (i64.xor (local.get $h) (i64.load (local.get $p))) (i64.const 0x100000001b3)))
 *         (local.set $p (i32.add (local.get $p) (i32.const 8)))
 *         (br 0)))
 *       (local.get $h)))
 */
const HASH_WASM =
  'AGFzbQEAAAABBwFgAn9/AX4DAgEABQMBAAEHCQIBbQIAAWgAAApIAUYCAX4Bf0KlxoihyJyn+UshAiAAIAFBA3RqIQMCQANAIAAgA08NASACIAApAwCFQrODgICAIH4hAiAAQQhqIQAMAAsLIAIL';

/** The part of the WebAssembly API used here (the project compiles without the DOM types that declare it). */
interface Wasm {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: { m: WasmMemory; h: Hasher['h'] } };
}
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

interface Hasher {
  memory: WasmMemory;
  h(at: number, words: number): bigint;
}

function hasher(): Hasher {
  const wasm = (globalThis as unknown as { WebAssembly: Wasm }).WebAssembly;
  const i = new wasm.Instance(new wasm.Module(Buffer.from(HASH_WASM, 'base64')));
  return { memory: i.exports.m, h: i.exports.h };
}

const align8 = (n: number): number => (n + 7) & ~7;

/** Memory of `h` holding `sizes` bytes one after another, each at an 8-byte boundary; the views on it. */
function regions(h: Hasher, sizes: readonly number[]): Uint8Array[] {
  let total = 0;
  for (const n of sizes) total += align8(n);
  const have = h.memory.buffer.byteLength;
  if (total > have) h.memory.grow(Math.ceil((total - have) / 65536));
  const out: Uint8Array[] = [];
  let at = 0;
  for (const n of sizes) {
    const view = new Uint8Array(h.memory.buffer, at, align8(n));
    view.fill(0, n); // the padding of the last word
    out.push(view.subarray(0, n));
    at += align8(n);
  }
  return out;
}

/** The hash of `view`, which must be a region made by regions() (8-byte aligned, zero-padded). */
function hashRegion(h: Hasher, view: Uint8Array): bigint {
  return h.h(view.byteOffset, align8(view.length) / 8);
}

/** The hash above of any bytes (the build and the tests; the bin hashes in place). */
export function hash64(bytes: Uint8Array): bigint {
  const h = hasher();
  const [view] = regions(h, [bytes.length]);
  view!.set(bytes);
  return hashRegion(h, view!);
}

/** The cache file's bytes for `data`, V8's code cache made from `bundle` (used by the build). */
export function encodeCache(bundle: Uint8Array, data: Uint8Array, engine: string = ENGINE): Buffer {
  const head = Buffer.alloc(CACHE_HEADER_BYTES);
  head.write(CACHE_MAGIC, 0, 'latin1');
  if (Buffer.byteLength(engine, 'latin1') > ENGINE_BYTES) throw new Error(`engine name too long: ${engine}`);
  head.write(engine, CACHE_MAGIC.length, 'latin1');
  const at = CACHE_MAGIC.length + ENGINE_BYTES;
  head.writeUInt32LE(bundle.length, at);
  head.writeUInt32LE(data.length, at + 4);
  head.writeBigInt64LE(hash64(bundle), at + 8);
  head.writeBigInt64LE(hash64(data), at + 16);
  return Buffer.concat([head, data]);
}

/** Whether a cache file's header (`head`) describes exactly `bundle` and the data after it (`data`), by lengths and hashes. */
function matches(head: Buffer, bundleLength: number, dataLength: number, bundleHash: () => bigint, dataHash: () => bigint): boolean {
  if (head.length < CACHE_HEADER_BYTES || head.toString('latin1', 0, CACHE_MAGIC.length) !== CACHE_MAGIC) return false;
  const engine = head.toString('latin1', CACHE_MAGIC.length, CACHE_MAGIC.length + ENGINE_BYTES);
  if (engine !== ENGINE.padEnd(ENGINE_BYTES, '\0')) return false;
  const at = CACHE_MAGIC.length + ENGINE_BYTES;
  if (head.readUInt32LE(at) !== bundleLength || head.readUInt32LE(at + 4) !== dataLength || dataLength === 0) return false;
  return head.readBigInt64LE(at + 16) === dataHash() && head.readBigInt64LE(at + 8) === bundleHash();
}

/** V8's data from a cache file's bytes when it was made from exactly `bundle` and is intact, else undefined. */
export function cacheFor(file: Buffer, bundle: Uint8Array): Buffer | undefined {
  const data = file.subarray(CACHE_HEADER_BYTES);
  return matches(file, bundle.length, data.length, () => hash64(bundle), () => hash64(data)) ? data : undefined;
}

/** The size of a regular file open as `fd`. */
function sizeOf(fd: number, what: string): number {
  const st = fs.fstatSync(fd);
  if (!st.isFile()) throw new Error(`${what} is not a regular file`);
  return st.size;
}

export interface Loaded {
  exports: { runBin?: () => void; main?: unknown };
  /** true: V8 used the cache; false: no usable cache (missing, damaged, foreign, refused by V8). */
  cacheUsed: boolean;
}

/**
 * The bundle's text, and V8's data from its cache when that cache is intact
 * and was made from exactly this text. Both files are read straight into the
 * hasher's memory (no copies); a cache that cannot be read, checked or
 * matched is no cache (nor is any cache without WebAssembly, e.g. under
 * `node --jitless`, whose other flags V8 would refuse the cache for anyway).
 */
function readBundle(bundlePath: string): { source: string; cachedData: Buffer | undefined } {
  const bfd = fs.openSync(bundlePath, 'r');
  let cfd = -1;
  try {
    const bundleSize = sizeOf(bfd, bundlePath);
    try {
      // Non-blocking: a FIFO in its place must not hang the start (it is then refused as no regular
      // file). libuv adds O_CLOEXEC to every open.
      cfd = fs.openSync(`${bundlePath}.cache`, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
      const cacheSize = sizeOf(cfd, `${bundlePath}.cache`);
      if (cacheSize > CACHE_HEADER_BYTES) {
        const h = hasher();
        const [text, head, data] = regions(h, [bundleSize, CACHE_HEADER_BYTES, cacheSize - CACHE_HEADER_BYTES]) as [Uint8Array, Uint8Array, Uint8Array];
        if (readAt(bfd, text, 0)) {
          const source = Buffer.from(text.buffer, text.byteOffset, text.length).toString('utf8');
          // The header and the data land in regions of their own (the data 8-byte aligned for the hash).
          const got = readAt(cfd, head, 0) && readAt(cfd, data, CACHE_HEADER_BYTES);
          const headBuf = Buffer.from(head.buffer, head.byteOffset, head.length);
          const ok = got && matches(headBuf, bundleSize, data.length, () => hashRegion(h, text), () => hashRegion(h, data));
          return { source, cachedData: ok ? Buffer.from(data.buffer, data.byteOffset, data.length) : undefined };
        }
      }
    } catch {
      // no cache beside the bundle, not a file, unreadable, no WebAssembly: compile without one
    }
    const text = Buffer.alloc(bundleSize);
    if (!readAt(bfd, text, 0)) throw new Error(`${bundlePath} changed while it was read`);
    return { source: text.toString('utf8'), cachedData: undefined };
  } finally {
    fs.closeSync(bfd);
    if (cfd >= 0) fs.closeSync(cfd);
  }
}

/** `into.length` bytes of `fd` from `position`; false when the file ended first. */
function readAt(fd: number, into: Uint8Array, position: number): boolean {
  let off = 0;
  while (off < into.length) {
    const n = fs.readSync(fd, into, off, into.length - off, position + off);
    if (n === 0) return false;
    off += n;
  }
  return true;
}

/** Compiles and evaluates the bundle at `bundlePath` (its cache read from `bundlePath + '.cache'`). */
export function loadBundle(bundlePath: string, req: NodeJS.Require): Loaded {
  const { source, cachedData } = readBundle(bundlePath);
  const script = new vm.Script(source, { filename: bundlePath, cachedData });
  const fn = script.runInThisContext() as (...args: unknown[]) => void;
  const mod = { exports: {} as Loaded['exports'], filename: bundlePath, id: bundlePath, loaded: false };
  fn.call(mod.exports, mod.exports, req, mod, bundlePath, path.dirname(bundlePath));
  mod.loaded = true;
  return { exports: mod.exports, cacheUsed: cachedData !== undefined && script.cachedDataRejected === false };
}

if (require.main === module) {
  const loaded = loadBundle(path.join(__dirname, 'bundle.js'), require);
  if (typeof loaded.exports.runBin !== 'function') throw new Error(`${path.join(__dirname, 'bundle.js')} is not the ephemdir command line`);
  loaded.exports.runBin();
}
