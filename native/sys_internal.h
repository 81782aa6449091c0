// Internal to the sys layer: the EINTR-retry helper, the one-component
// check, and what the portable files (sys_ops.cc, sys_stat.cc) share with
// the per-OS ones. Each OS has its own files, chosen in binding.gyp:
//
//   sys_linux.cc, dir_reader_linux.cc (+ linux_abi.h)   Linux
//   sys_darwin.cc, dir_reader_darwin.cc                 macOS
//
// and each defines what sys.h declares but the portable files do not:
// kPlatform, Caps' probe, OpenDirAt, OpenChildAt, OpenPathAt, RenameAt,
// FchmodFd, StatAt, StatFd, GetMountId, InodeOrderHelps, Anchor, DirReader.
// A new platform is one more such pair and a condition in binding.gyp.
#pragma once

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <sys/stat.h>

#include <cerrno>
#include <cstdint>

#include "sys.h"

// Retry a syscall-shaped expression on EINTR; yields the result or -errno.
#define EPHEM_RETRY(expr)                  \
  ({                                       \
    long r_;                               \
    do {                                   \
      r_ = (long)(expr);                   \
    } while (r_ == -1 && errno == EINTR);  \
    r_ == -1 ? -errno : r_;                \
  })

namespace ephem {
namespace sys {
namespace detail {

// A single path component: no '/', not "", ".", "..". Multi-component names
// would let the openat fallback follow an intermediate symlink.
bool IsComponent(const char* name);

// What this kernel offers (per OS; Caps() calls it once).
Capabilities Probe();

// Nanoseconds of a struct timespec.
inline int64_t TimespecNs(const struct timespec& t) { return t.tv_sec * 1000000000LL + t.tv_nsec; }

// The struct stat fields every platform names alike; each OS adds the times.
void FromStatCommon(const struct stat& s, Stat* out);

// The stat fallbacks have no mount id of their own: read it from an fd of
// the object (`dirfd` itself when `self`, else `name` opened with
// `open_flags`) through GetMountId.
void FillMountIdFromFd(int dirfd, const char* name, bool self, int open_flags, Stat* out);

// Fills `out` from one directory record; false for "." and "..", which
// no reader returns.
inline bool FillEntry(const char* name, unsigned char type, uint64_t ino, DirEntry* out) {
  if (name[0] == '.' && (name[1] == '\0' || (name[1] == '.' && name[2] == '\0'))) return false;
  out->name.assign(name);
  out->type = type;
  out->ino = ino;
  return true;
}

}  // namespace detail
}  // namespace sys
}  // namespace ephem
