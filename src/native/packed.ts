// Decoders of the batch calls' packed results (native/fs_batch.cc). Each
// record is `stride` numbers of one Float64Array; where each field sits is
// read from the addon's `layouts` export (defined once, in native/packed.h),
// never written here: reorder or add a slot there and this follows.
import { native, type PackedLayout, type PackedLayouts, type SmallFilesPacked } from './binding';

/** One file of readFilesAt. */
export interface SmallFile {
  /** The raw name (a view into a buffer shared by the whole result). */
  name: Buffer;
  /**
   * The content (a view into a shared buffer), or null when not read: errno
   * set, not a regular file, or over maxBytes. Longer than `size` when the
   * file grew while read.
   */
  data: Buffer | null;
  /** From fstat of the opened file; 0 when errno is set. */
  mode: number;
  uid: number;
  size: number;
  /** 0, or the negative errno of the open/fstat/read (-ELOOP: a symlink, never followed). */
  errno: number;
  /** From the same fstat; 0 when errno is set. */
  ino: number;
  mtimeMs: number;
  ctimeMs: number;
}

/** What statNamesAt says of one name. */
export interface ShallowStat {
  /** 0, or a negative errno (-ENOENT; -EINVAL for a name that is not one component). */
  errno: number;
  /** st_mode; 0 on error. */
  mode: number;
  /** st_ino; 0 on error. */
  ino: number;
  /** st_size, st_mtime, st_ctime (as Stat has them); 0 on error. */
  size: number;
  mtimeMs: number;
  ctimeMs: number;
}

/** What probeMarkedDirsAt says of one name. */
export interface MarkedDir {
  /** 0, or the negative errno of the lstat. */
  errno: number;
  mode: number;
  ino: number;
  /** The marker's content, or the negative errno that kept it from being read. */
  marker: Buffer | number;
}

/** The addon's record layouts (read once). */
export function layouts(): PackedLayouts {
  return native().layouts;
}

export function decodeSmallFiles({ names, data, meta }: SmallFilesPacked): SmallFile[] {
  const L = layouts().smallFiles;
  const files: SmallFile[] = [];
  for (let o = 0; o < meta.length; o += L.stride) {
    const dataStart = meta[o + L.dataStart]!;
    files.push({
      name: names.subarray(meta[o + L.nameStart]!, meta[o + L.nameEnd]!),
      data: dataStart < 0 ? null : data.subarray(dataStart, meta[o + L.dataEnd]!),
      mode: meta[o + L.mode]!,
      uid: meta[o + L.uid]!,
      size: meta[o + L.size]!,
      errno: meta[o + L.errno]!,
      ino: meta[o + L.ino]!,
      mtimeMs: meta[o + L.mtimeMs]!,
      ctimeMs: meta[o + L.ctimeMs]!,
    });
  }
  return files;
}

const STAT_FIELDS = ['errno', 'mode', 'ino', 'size', 'mtimeMs', 'ctimeMs'] as const;

/** The numbers of one record, by field name. */
function record<F extends string>(meta: Float64Array, o: number, layout: PackedLayout<F>, fields: readonly F[]): Record<F, number> {
  const out = {} as Record<F, number>;
  for (const f of fields) out[f] = meta[o + layout[f]]!;
  return out;
}

export function decodeStatNames(r: Float64Array): ShallowStat[] {
  const L = layouts().statNames;
  const out: ShallowStat[] = [];
  for (let o = 0; o < r.length; o += L.stride) out.push(record(r, o, L, STAT_FIELDS));
  return out;
}

/** `maxBytes` as passed to probeMarkedDirsAt: each name's marker sits in a slot of maxBytes + 1 bytes. */
export function decodeMarkedDirs(r: { meta: Float64Array; markers: Buffer }, maxBytes: number): MarkedDir[] {
  const L = layouts().markedDirs;
  const out: MarkedDir[] = [];
  const slot = maxBytes + 1;
  for (let i = 0, o = 0; o < r.meta.length; i++, o += L.stride) {
    const len = r.meta[o + L.marker]!;
    out.push({
      errno: r.meta[o + L.errno]!,
      mode: r.meta[o + L.mode]!,
      ino: r.meta[o + L.ino]!,
      marker: len >= 0 ? r.markers.subarray(i * slot, i * slot + len) : len,
    });
  }
  return out;
}
