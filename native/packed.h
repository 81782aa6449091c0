// The packed record layouts of the batch calls (fs_batch.cc): each record is
// `stride` doubles in one Float64Array, one field per slot. Each list below
// is the single definition of a layout: the slot enums come from it, and so
// does the `layouts` object the addon exports (InitFsBatch), which
// src/native/packed.ts reads; no offset is written anywhere else.
#pragma once

// readFilesAt's `meta`, per file: name [start, end) in `names`, data
// [start, end) in `data` (-1, -1 when not read), mode/uid/size from fstat,
// errno, then ino and times from the same fstat.
#define EPHEM_SMALL_FILE_FIELDS(X) \
  X(nameStart) X(nameEnd) X(dataStart) X(dataEnd) X(mode) X(uid) X(size) X(errno) X(ino) X(mtimeMs) X(ctimeMs)

// statNamesAt's result, per name (lstat semantics).
#define EPHEM_STAT_NAME_FIELDS(X) X(errno) X(mode) X(ino) X(size) X(mtimeMs) X(ctimeMs)

// probeMarkedDirsAt's `meta`, per name: lstat's errno, mode and ino, then the
// marker's length or a negative errno.
#define EPHEM_MARKED_DIR_FIELDS(X) X(errno) X(mode) X(ino) X(marker)

namespace ephem {
namespace packed {

// Token-pasted (k_errno, k_mode...): a pasted argument is not macro-expanded,
// which matters for `errno`.
#define EPHEM_SLOT(name) k_##name,
namespace file {
enum Slot { EPHEM_SMALL_FILE_FIELDS(EPHEM_SLOT) kStride };
}
namespace statnames {
enum Slot { EPHEM_STAT_NAME_FIELDS(EPHEM_SLOT) kStride };
}
namespace marked {
enum Slot { EPHEM_MARKED_DIR_FIELDS(EPHEM_SLOT) kStride };
}
#undef EPHEM_SLOT

}  // namespace packed
}  // namespace ephem
