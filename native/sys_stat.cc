// Capability probing, stat and mount identity (sys.h): statx where the
// kernel has it (unique mount ids, mount-root attribute, birth time), plain
// fstatat plus /proc/self/fdinfo otherwise; fstat/fstatfs on macOS.
#include "sys_internal.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#if defined(__linux__)
#include <sys/sysmacros.h>
#include <sys/vfs.h>
#elif defined(__APPLE__)
#include <sys/mount.h>
#include <sys/param.h>
#endif

#include "sys.h"

namespace ephem {
namespace sys {

using namespace detail;

namespace {

// Nanoseconds of a struct stat time (the fields are named differently on
// Linux and macOS, the timespec is the same).
int64_t TimespecNs(const struct timespec& t) { return t.tv_sec * 1000000000LL + t.tv_nsec; }

// The struct stat fields both platforms name alike; each FromStat adds the times.
void FromStatCommon(const struct stat& s, Stat* out) {
  out->dev = (uint64_t)s.st_dev;
  out->ino = s.st_ino;
  out->mode = s.st_mode;
  out->uid = s.st_uid;
  out->gid = s.st_gid;
  out->nlink = s.st_nlink;
  out->size = s.st_size;
  out->blocks = s.st_blocks;
}

// The stat fallbacks have no mount id of their own: read it from an fd of
// the object (`dirfd` itself when `self`, else `name` opened with
// `open_flags`). Without statx, GetMountId is the fdinfo read on Linux.
void FillMountIdFromFd(int dirfd, const char* name, bool self, int open_flags, Stat* out) {
  int fd = self ? dirfd : (int)EPHEM_RETRY(openat(dirfd, name, open_flags));
  if (fd < 0) return;
  MountId m;
  if (GetMountId(fd, &m) == 0) {
    out->has_mnt_id = true;
    out->mnt_id = m.id;
  }
  if (fd != dirfd) close(fd);
}

#if defined(__linux__)

#ifndef SYS_statx
#if defined(__x86_64__)
#define SYS_statx 332
#elif defined(__aarch64__)
#define SYS_statx 291
#endif
#endif

// Kernel ABI structs, defined here so old libc headers cannot disagree.
struct KStatxTimestamp {
  int64_t tv_sec;
  uint32_t tv_nsec;
  int32_t reserved;
};
struct KStatx {
  uint32_t stx_mask;
  uint32_t stx_blksize;
  uint64_t stx_attributes;
  uint32_t stx_nlink;
  uint32_t stx_uid;
  uint32_t stx_gid;
  uint16_t stx_mode;
  uint16_t spare0;
  uint64_t stx_ino;
  uint64_t stx_size;
  uint64_t stx_blocks;
  uint64_t stx_attributes_mask;
  KStatxTimestamp stx_atime, stx_btime, stx_ctime, stx_mtime;
  uint32_t stx_rdev_major, stx_rdev_minor;
  uint32_t stx_dev_major, stx_dev_minor;
  uint64_t stx_mnt_id;
  uint64_t spare2[13];
};
static_assert(sizeof(KStatx) == 256, "statx ABI");

constexpr uint32_t kStatxBasic = 0x07ffU;
constexpr uint32_t kStatxBtime = 0x0800U;
constexpr uint32_t kStatxMntId = 0x1000U;
constexpr uint32_t kStatxMntIdUnique = 0x4000U;
constexpr uint64_t kStatxAttrMountRoot = 0x2000;
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

#elif defined(__APPLE__)

#ifndef O_NOFOLLOW_ANY
#define O_NOFOLLOW_ANY 0x20000000
#endif

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

void FromStat(const struct stat& s, Stat* out) {
  FromStatCommon(s, out);
  out->atime_ns = TimespecNs(s.st_atimespec);
  out->mtime_ns = TimespecNs(s.st_mtimespec);
  out->ctime_ns = TimespecNs(s.st_ctimespec);
  out->btime_ns = TimespecNs(s.st_birthtimespec);
  out->has_btime = true;
}

int StatImpl(int dirfd, const char* name, int extra, Stat* out) {
  *out = Stat{};
  struct stat st;
  long r = extra ? EPHEM_RETRY(fstat(dirfd, &st))
                 : EPHEM_RETRY(fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW));
  if (r < 0) return (int)r;
  FromStat(st, out);
  // macOS has no bind mounts; the filesystem id plus device identifies the
  // mount well enough (APFS volumes each get their own fsid).
  if (extra || S_ISDIR(st.st_mode)) {
    FillMountIdFromFd(dirfd, name, extra != 0, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, out);
  }
  return 0;
}

#endif

}  // namespace

const Capabilities& Caps() {
  static const Capabilities caps = Probe();  // thread-safe static init
  return caps;
}

int GetMountId(int fd, MountId* out) {
#if defined(__linux__)
  const Capabilities& c = Caps();
  if (c.mnt_id) {
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
#else
  struct statfs sfs;
  struct stat st;
  if (EPHEM_RETRY(fstatfs(fd, &sfs)) < 0) return -errno;
  if (EPHEM_RETRY(fstat(fd, &st)) < 0) return -errno;
  uint64_t fsid = ((uint64_t)(uint32_t)sfs.f_fsid.val[0] << 32) | (uint32_t)sfs.f_fsid.val[1];
  out->id = fsid ^ ((uint64_t)(uint32_t)st.st_dev * 0x9E3779B97F4A7C15ULL);
  out->unique = false;
  return 0;
#endif
}

bool InodeOrderHelps(int fd) {
#if defined(__linux__)
  // f_type magic numbers of in-memory filesystems (linux/magic.h).
  constexpr unsigned long kTmpfsMagic = 0x01021994UL;
  constexpr unsigned long kRamfsMagic = 0x858458f6UL;
  struct statfs sfs;
  if (EPHEM_RETRY(fstatfs(fd, &sfs)) < 0) return true;
  unsigned long type = (unsigned long)sfs.f_type;
  return type != kTmpfsMagic && type != kRamfsMagic;
#else
  (void)fd;
  return true;
#endif
}

int StatAt(int dirfd, const char* name, Stat* out) {
  if (!IsComponent(name)) return -EINVAL;
  return StatImpl(dirfd, name, 0, out);
}

int StatFd(int fd, Stat* out) {
#if defined(__linux__)
  return StatImpl(fd, "", AT_EMPTY_PATH, out);
#else
  return StatImpl(fd, "", 1, out);
#endif
}

}  // namespace sys
}  // namespace ephem
