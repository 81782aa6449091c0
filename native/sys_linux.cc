// sys.h on Linux: capability probing, opening directories with openat2
// (no symlink, nothing outside dirfd, optionally no mount crossed) and the
// openat fallback, O_PATH anchors, renameat2, fchmodat2 (else the procfs
// link of an O_PATH fd), and stat through statx (unique mount ids, the
// mount-root attribute, birth time) with fstatat plus /proc/self/fdinfo as
// fallback on kernels before 4.11.
#include "sys_internal.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "linux_abi.h"

namespace ephem {
namespace sys {

using namespace detail;
using namespace linux_abi;

const char kPlatform[] = "linux";

namespace {

#ifndef AT_STATX_SYNC_AS_STAT
#define AT_STATX_SYNC_AS_STAT 0
#endif

long RawStatx(int dirfd, const char* name, int flags, unsigned mask, KStatx* out) {
  return EPHEM_RETRY(syscall(SYS_statx, dirfd, name, flags, mask, out));
}

int64_t Ns(const KStatxTimestamp& t) { return t.tv_sec * 1000000000LL + t.tv_nsec; }

int FdinfoMountId(int fd, uint64_t* id) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/self/fdinfo/%d", fd);
  int f = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (f < 0) return -errno;
  char buf[4096];
  ssize_t n = read(f, buf, sizeof buf - 1);
  int saved = errno;
  close(f);
  if (n < 0) return -saved;
  buf[n] = '\0';
  const char* p = std::strstr(buf, "\nmnt_id:");
  if (p == nullptr) return -ENOTSUP;
  *id = std::strtoull(p + 8, nullptr, 10);
  return 0;
}

void FromStatx(const KStatx& s, Stat* out) {
  out->dev = makedev(s.stx_dev_major, s.stx_dev_minor);
  out->ino = s.stx_ino;
  out->mode = s.stx_mode;
  out->uid = s.stx_uid;
  out->gid = s.stx_gid;
  out->nlink = s.stx_nlink;
  out->size = (int64_t)s.stx_size;
  out->blocks = (int64_t)s.stx_blocks;
  out->atime_ns = Ns(s.stx_atime);
  out->mtime_ns = Ns(s.stx_mtime);
  out->ctime_ns = Ns(s.stx_ctime);
  out->has_btime = (s.stx_mask & kStatxBtime) != 0;
  out->btime_ns = out->has_btime ? Ns(s.stx_btime) : 0;
  out->mnt_id_unique = (s.stx_mask & kStatxMntIdUnique) != 0;
  out->has_mnt_id = out->mnt_id_unique || (s.stx_mask & kStatxMntId) != 0;
  out->mnt_id = out->has_mnt_id ? s.stx_mnt_id : 0;
  out->mount_root = (s.stx_attributes_mask & kStatxAttrMountRoot)
                        ? ((s.stx_attributes & kStatxAttrMountRoot) ? 1 : 0)
                        : -1;
}

void FromStat(const struct stat& s, Stat* out) {
  FromStatCommon(s, out);
  out->atime_ns = TimespecNs(s.st_atim);
  out->mtime_ns = TimespecNs(s.st_mtim);
  out->ctime_ns = TimespecNs(s.st_ctim);
}

// `extra` is 0 (dirfd/name) or AT_EMPTY_PATH (dirfd itself).
int StatImpl(int dirfd, const char* name, int extra, Stat* out) {
  *out = Stat{};
  if (Caps().statx) {
    KStatx stx{};
    unsigned mask = kStatxBasic | kStatxBtime | kStatxMntId | kStatxMntIdUnique;
    long r = RawStatx(dirfd, name, AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | extra, mask, &stx);
    if (r < 0) return (int)r;
    FromStatx(stx, out);
    return 0;
  }
  struct stat st;
  long r = EPHEM_RETRY(fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | extra));
  if (r < 0) return (int)r;
  FromStat(st, out);
  if (S_ISDIR(st.st_mode) || extra == AT_EMPTY_PATH) {
    // The fdinfo fallback needs an fd of the object itself.
    FillMountIdFromFd(dirfd, name, extra == AT_EMPTY_PATH, O_PATH | O_NOFOLLOW | O_CLOEXEC, out);
  }
  return 0;
}

}  // namespace

namespace detail {

Capabilities Probe() {
  Capabilities c;
  OpenHow how{};
  how.flags = O_PATH | O_CLOEXEC | O_DIRECTORY;
  how.resolve = kResolveNoSymlinks;
  long fd = syscall(SYS_openat2, AT_FDCWD, "/", &how, sizeof how);
  if (fd >= 0) {
    c.openat2 = true;
    close((int)fd);
  }
  KStatx stx{};
  if (RawStatx(AT_FDCWD, "/", AT_SYMLINK_NOFOLLOW, kStatxBasic | kStatxMntId | kStatxMntIdUnique, &stx) == 0) {
    c.statx = true;
    c.mnt_id_unique = (stx.stx_mask & kStatxMntIdUnique) != 0;
    c.mnt_id = c.mnt_id_unique || (stx.stx_mask & kStatxMntId) != 0;
  }
  int root = open("/", O_PATH | O_CLOEXEC | O_DIRECTORY);
  if (root >= 0) {
    c.o_path = true;
    uint64_t id;
    c.mnt_id_fdinfo = FdinfoMountId(root, &id) == 0;
    close(root);
  }
  long r = syscall(SYS_renameat2, AT_FDCWD, "/.ephemdir-probe-nonexistent", AT_FDCWD,
                   "/.ephemdir-probe-nonexistent-2", RENAME_NOREPLACE);
  c.renameat2_noreplace = !(r == -1 && (errno == ENOSYS || errno == EINVAL));
  r = syscall(EPHEM_SYS_fchmodat2, -1, "", 0700, AT_EMPTY_PATH);
  c.fchmodat2 = !(r == -1 && (errno == ENOSYS || errno == EPERM));
  return c;
}

}  // namespace detail

int OpenDirAt(int dirfd, const char* name, bool no_xdev) {
  if (!IsComponent(name)) return -EINVAL;
  if (Caps().openat2) {
    OpenHow how{};
    how.flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK;
    how.resolve = kResolveNoSymlinks | kResolveNoMagiclinks | kResolveBeneath |
                  (no_xdev ? kResolveNoXdev : 0);
    long r = EPHEM_RETRY(syscall(SYS_openat2, dirfd, name, &how, sizeof how));
    // openat2 reports a symlink as ELOOP; normalise to what openat says.
    if (r == -ELOOP) return -ENOTDIR;
    return (int)r;
  }
  // Without openat2 the caller compares mount ids itself.
  return (int)EPHEM_RETRY(openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK));
}

int OpenChildAt(int dirfd, const char* name, const char* child, int flags) {
  if (!IsComponent(name) || !IsComponent(child)) return -EINVAL;
  if (!Caps().openat2) return -ENOSYS;
  std::string rel = std::string(name) + "/" + child;
  OpenHow how{};
  how.flags = (uint64_t)(flags | O_NOFOLLOW | O_CLOEXEC);
  how.resolve = kResolveNoSymlinks | kResolveNoMagiclinks | kResolveBeneath | kResolveNoXdev;
  return (int)EPHEM_RETRY(syscall(SYS_openat2, dirfd, rel.c_str(), &how, sizeof how));
}

int OpenPathAt(int dirfd, const char* name, bool directory) {
  if (!IsComponent(name)) return -EINVAL;
  return (int)EPHEM_RETRY(openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC | (directory ? O_DIRECTORY : 0)));
}

int RenameAt(int olddir, const char* oldname, int newdir, const char* newname, int flags) {
  if (!IsComponent(oldname) || !IsComponent(newname)) return -EINVAL;
  if (flags & ~(kRenameNoReplace | kRenameExchange)) return -EINVAL;
  if ((flags & kRenameNoReplace) && (flags & kRenameExchange)) return -EINVAL;
  unsigned kflags = (flags & kRenameNoReplace ? RENAME_NOREPLACE : 0) |
                    (flags & kRenameExchange ? RENAME_EXCHANGE : 0);
  long r = EPHEM_RETRY(syscall(SYS_renameat2, olddir, oldname, newdir, newname, kflags));
  if (r == -ENOSYS && kflags == 0) r = EPHEM_RETRY(renameat(olddir, oldname, newdir, newname));
  return r < 0 ? (int)r : 0;
}

int FchmodFd(int fd, int mode) {
  if (Caps().fchmodat2) {
    long r = EPHEM_RETRY(syscall(EPHEM_SYS_fchmodat2, fd, "", mode, AT_EMPTY_PATH));
    if (r != -ENOSYS) return r < 0 ? (int)r : 0;
  }
  long r = EPHEM_RETRY(fchmod(fd, (mode_t)mode));
  if (r == -EBADF) {
    // An O_PATH fd on a kernel without fchmodat2: the procfs link names the
    // inode itself, so no path is resolved in the filesystem.
    char path[64];
    std::snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    r = EPHEM_RETRY(chmod(path, (mode_t)mode));
  }
  return r < 0 ? (int)r : 0;
}

int StatAt(int dirfd, const char* name, Stat* out) {
  if (!IsComponent(name)) return -EINVAL;
  return StatImpl(dirfd, name, 0, out);
}

int StatFd(int fd, Stat* out) { return StatImpl(fd, "", AT_EMPTY_PATH, out); }

int GetMountId(int fd, MountId* out) {
  if (Caps().mnt_id) {
    KStatx stx{};
    long r = RawStatx(fd, "", AT_EMPTY_PATH | AT_NO_AUTOMOUNT, kStatxMntId | kStatxMntIdUnique, &stx);
    if (r < 0) return (int)r;
    if (stx.stx_mask & (kStatxMntId | kStatxMntIdUnique)) {
      out->id = stx.stx_mnt_id;
      out->unique = (stx.stx_mask & kStatxMntIdUnique) != 0;
      return 0;
    }
  }
  uint64_t id;
  int r = FdinfoMountId(fd, &id);
  if (r < 0) return r;
  out->id = id;
  out->unique = false;
  return 0;
}

bool InodeOrderHelps(int fd) {
  // f_type magic numbers of in-memory filesystems (linux/magic.h).
  constexpr unsigned long kTmpfsMagic = 0x01021994UL;
  constexpr unsigned long kRamfsMagic = 0x858458f6UL;
  struct statfs sfs;
  if (EPHEM_RETRY(fstatfs(fd, &sfs)) < 0) return true;
  unsigned long type = (unsigned long)sfs.f_type;
  return type != kTmpfsMagic && type != kRamfsMagic;
}

// An O_PATH fd: needs only search permission on dirfd, and chmod through it
// (fchmodat2, else its procfs link) resolves no name.
int RepairAnchor::Open(int dirfd, const char* name, uint32_t /*owner*/) {
  int fd = OpenPathAt(dirfd, name, true);
  if (fd < 0) return fd;
  fd_ = fd;
  return 0;
}

int RepairAnchor::StatIt(Stat* out) const { return fd_ < 0 ? -EBADF : StatFd(fd_, out); }

int RepairAnchor::Chmod(int mode) const { return fd_ < 0 ? -EBADF : FchmodFd(fd_, mode); }

RepairAnchor::~RepairAnchor() {
  if (fd_ >= 0) Close(fd_);
}

}  // namespace sys
}  // namespace ephem
