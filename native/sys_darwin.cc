// sys.h on macOS (documented APIs only; this file is not compiled on the
// Linux CI and is kept correct by reading): openat with O_NOFOLLOW (macOS has
// neither openat2 nor O_PATH), O_SEARCH for search-only handles where the
// SDK has it, renameatx_np for exclusive and swapping renames, fstatat /
// fstat / fstatfs for stat and the mount identity, and repair anchors that
// are a name in a directory only we may write.
#include "sys_internal.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/param.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

namespace ephem {
namespace sys {

using namespace detail;

const char kPlatform[] = "darwin";

namespace {

#ifndef O_NOFOLLOW_ANY
#define O_NOFOLLOW_ANY 0x20000000
#endif

void FromStat(const struct stat& s, Stat* out) {
  FromStatCommon(s, out);
  out->atime_ns = TimespecNs(s.st_atimespec);
  out->mtime_ns = TimespecNs(s.st_mtimespec);
  out->ctime_ns = TimespecNs(s.st_ctimespec);
  out->btime_ns = TimespecNs(s.st_birthtimespec);
  out->has_btime = true;
}

// `self`: stat dirfd itself (fstat), else `name` in it (fstatat, no follow).
int StatImpl(int dirfd, const char* name, bool self, Stat* out) {
  *out = Stat{};
  struct stat st;
  long r = self ? EPHEM_RETRY(fstat(dirfd, &st)) : EPHEM_RETRY(fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW));
  if (r < 0) return (int)r;
  FromStat(st, out);
  // macOS has no bind mounts; the filesystem id plus device identifies the
  // mount well enough (APFS volumes each get their own fsid).
  if (self || S_ISDIR(st.st_mode)) {
    FillMountIdFromFd(dirfd, name, self, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, out);
  }
  return 0;
}

}  // namespace

namespace detail {

Capabilities Probe() {
  Capabilities c;
  c.renameat2_noreplace = true;  // renameatx_np(RENAME_EXCL), macOS 10.12+
  int fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW_ANY);
  if (fd >= 0) {
    c.nofollow_any = true;
    close(fd);
  }
  return c;
}

}  // namespace detail

int OpenDirAt(int dirfd, const char* name, bool /*no_xdev*/) {
  if (!IsComponent(name)) return -EINVAL;
  // No RESOLVE_NO_XDEV here: the caller compares mount ids itself.
  return (int)EPHEM_RETRY(openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK));
}

int OpenChildAt(int dirfd, const char* name, const char* child, int /*flags*/) {
  if (!IsComponent(name) || !IsComponent(child)) return -EINVAL;
  return -ENOSYS;  // no openat2: the caller opens the directory first
}

int OpenPathAt(int dirfd, const char* name, bool directory) {
  if (!IsComponent(name)) return -EINVAL;
#if defined(O_SEARCH)
  // A directory opened for search only needs no read permission (a 0711
  // ancestor); fall back to reading where the filesystem refuses O_SEARCH.
  if (directory) {
    int fd = (int)EPHEM_RETRY(openat(dirfd, name, O_SEARCH | O_NOFOLLOW | O_CLOEXEC | O_DIRECTORY));
    if (fd != -EINVAL && fd != -ENOTSUP) return fd;
  }
#endif
  return (int)EPHEM_RETRY(openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | (directory ? O_DIRECTORY : 0)));
}

int RenameAt(int olddir, const char* oldname, int newdir, const char* newname, int flags) {
  if (!IsComponent(oldname) || !IsComponent(newname)) return -EINVAL;
  if (flags & ~(kRenameNoReplace | kRenameExchange)) return -EINVAL;
  if ((flags & kRenameNoReplace) && (flags & kRenameExchange)) return -EINVAL;
  unsigned kflags = (flags & kRenameNoReplace ? RENAME_EXCL : 0) | (flags & kRenameExchange ? RENAME_SWAP : 0);
  long r = EPHEM_RETRY(renameatx_np(olddir, oldname, newdir, newname, kflags));
  return r < 0 ? (int)r : 0;
}

int FchmodFd(int fd, int mode) {
  long r = EPHEM_RETRY(fchmod(fd, (mode_t)mode));
  return r < 0 ? (int)r : 0;
}

int StatAt(int dirfd, const char* name, Stat* out) {
  if (!IsComponent(name)) return -EINVAL;
  return StatImpl(dirfd, name, false, out);
}

int StatFd(int fd, Stat* out) { return StatImpl(fd, "", true, out); }

int GetMountId(int fd, MountId* out) {
  struct statfs sfs;
  struct stat st;
  long r = EPHEM_RETRY(fstatfs(fd, &sfs));
  if (r < 0) return (int)r;
  r = EPHEM_RETRY(fstat(fd, &st));
  if (r < 0) return (int)r;
  uint64_t fsid = ((uint64_t)(uint32_t)sfs.f_fsid.val[0] << 32) | (uint32_t)sfs.f_fsid.val[1];
  out->id = fsid ^ ((uint64_t)(uint32_t)st.st_dev * 0x9E3779B97F4A7C15ULL);
  out->unique = false;
  return 0;
}

bool InodeOrderHelps(int /*fd*/) { return true; }

// No O_PATH: an unreadable directory cannot be held open. The name stands
// in for it, only inside a parent that `owner` owns and nobody else may
// write, so nobody else can swap the name between the check and the chmod.
int RepairAnchor::Open(int dirfd, const char* name, uint32_t owner) {
  if (!IsComponent(name)) return -EINVAL;
  Stat ps;
  int r = StatFd(dirfd, &ps);
  if (r < 0) return r;
  if (ps.uid != owner || (ps.mode & 022) != 0) return -EACCES;
  dirfd_ = dirfd;
  name_ = name;
  return 0;
}

int RepairAnchor::StatIt(Stat* out) const { return dirfd_ < 0 ? -EBADF : StatAt(dirfd_, name_.c_str(), out); }

int RepairAnchor::Chmod(int mode) const {
  if (dirfd_ < 0) return -EBADF;
  long r = EPHEM_RETRY(fchmodat(dirfd_, name_.c_str(), (mode_t)mode, AT_SYMLINK_NOFOLLOW));
  return r < 0 ? (int)r : 0;
}

RepairAnchor::~RepairAnchor() = default;  // holds no fd of its own

}  // namespace sys
}  // namespace ephem
