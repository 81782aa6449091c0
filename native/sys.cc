// Linux and macOS implementations of the syscall surface in sys.h.
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "sys.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#if defined(__linux__)
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <linux/types.h>
#elif defined(__APPLE__)
#include <stdio.h>
#include <sys/mount.h>
#include <sys/param.h>
#endif

namespace ephem {
namespace sys {

namespace {

// Retry a syscall-shaped expression on EINTR; yields the result or -errno.
#define EPHEM_RETRY(expr)                  \
  ({                                       \
    long r_;                               \
    do {                                   \
      r_ = (long)(expr);                   \
    } while (r_ == -1 && errno == EINTR);  \
    r_ == -1 ? -errno : r_;                \
  })

// A single path component: no '/', not "", ".", "..". Multi-component names
// would let the openat fallback follow an intermediate symlink.
bool IsComponent(const char* name) {
  if (name == nullptr || name[0] == '\0') return false;
  if (std::strchr(name, '/') != nullptr) return false;
  if (std::strcmp(name, ".") == 0 || std::strcmp(name, "..") == 0) return false;
  return true;
}

#if defined(__linux__)

#ifndef SYS_openat2
#define SYS_openat2 437
#endif
#ifndef SYS_statx
#if defined(__x86_64__)
#define SYS_statx 332
#elif defined(__aarch64__)
#define SYS_statx 291
#endif
#endif
#ifndef SYS_renameat2
#if defined(__x86_64__)
#define SYS_renameat2 316
#elif defined(__aarch64__)
#define SYS_renameat2 276
#endif
#endif
#define EPHEM_SYS_fchmodat2 452

// Kernel ABI structs, defined here so old libc headers cannot disagree.
struct OpenHow {
  uint64_t flags;
  uint64_t mode;
  uint64_t resolve;
};
constexpr uint64_t kResolveNoXdev = 0x01;
constexpr uint64_t kResolveNoMagiclinks = 0x02;
constexpr uint64_t kResolveNoSymlinks = 0x04;
constexpr uint64_t kResolveBeneath = 0x08;

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
  out->dev = s.st_dev;
  out->ino = s.st_ino;
  out->mode = s.st_mode;
  out->uid = s.st_uid;
  out->gid = s.st_gid;
  out->nlink = s.st_nlink;
  out->size = s.st_size;
  out->blocks = s.st_blocks;
  out->atime_ns = s.st_atim.tv_sec * 1000000000LL + s.st_atim.tv_nsec;
  out->mtime_ns = s.st_mtim.tv_sec * 1000000000LL + s.st_mtim.tv_nsec;
  out->ctime_ns = s.st_ctim.tv_sec * 1000000000LL + s.st_ctim.tv_nsec;
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
    int fd = extra == AT_EMPTY_PATH ? dirfd : (int)EPHEM_RETRY(openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC));
    if (fd >= 0) {
      uint64_t id;
      if (FdinfoMountId(fd, &id) == 0) {
        out->has_mnt_id = true;
        out->mnt_id = id;
      }
      if (fd != dirfd) close(fd);
    }
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
  out->dev = (uint64_t)s.st_dev;
  out->ino = s.st_ino;
  out->mode = s.st_mode;
  out->uid = s.st_uid;
  out->gid = s.st_gid;
  out->nlink = s.st_nlink;
  out->size = s.st_size;
  out->blocks = s.st_blocks;
  out->atime_ns = s.st_atimespec.tv_sec * 1000000000LL + s.st_atimespec.tv_nsec;
  out->mtime_ns = s.st_mtimespec.tv_sec * 1000000000LL + s.st_mtimespec.tv_nsec;
  out->ctime_ns = s.st_ctimespec.tv_sec * 1000000000LL + s.st_ctimespec.tv_nsec;
  out->btime_ns = s.st_birthtimespec.tv_sec * 1000000000LL + s.st_birthtimespec.tv_nsec;
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
    int fd = extra ? dirfd : (int)EPHEM_RETRY(openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (fd >= 0) {
      MountId m;
      if (GetMountId(fd, &m) == 0) {
        out->has_mnt_id = true;
        out->mnt_id = m.id;
      }
      if (fd != dirfd) close(fd);
    }
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

int OpenDirAt(int dirfd, const char* name, bool no_xdev) {
  if (!IsComponent(name)) return -EINVAL;
#if defined(__linux__)
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
#endif
  (void)no_xdev;
  return (int)EPHEM_RETRY(openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK));
}

int OpenPathAt(int dirfd, const char* name, bool directory) {
  if (!IsComponent(name)) return -EINVAL;
#if defined(__linux__)
  return (int)EPHEM_RETRY(openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC | (directory ? O_DIRECTORY : 0)));
#else
  return (int)EPHEM_RETRY(openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | (directory ? O_DIRECTORY : 0)));
#endif
}

int OpenAt(int dirfd, const char* name, int flags, int mode) {
  if (!IsComponent(name)) return -EINVAL;
  return (int)EPHEM_RETRY(openat(dirfd, name, flags | O_NOFOLLOW | O_CLOEXEC, mode));
}

int UnlinkAt(int dirfd, const char* name, bool remove_dir) {
  if (!IsComponent(name)) return -EINVAL;
  long r = EPHEM_RETRY(unlinkat(dirfd, name, remove_dir ? AT_REMOVEDIR : 0));
  return r < 0 ? (int)r : 0;
}

int MkdirAt(int dirfd, const char* name, int mode) {
  if (!IsComponent(name)) return -EINVAL;
  long r = EPHEM_RETRY(mkdirat(dirfd, name, (mode_t)mode));
  return r < 0 ? (int)r : 0;
}

int RenameAt(int olddir, const char* oldname, int newdir, const char* newname, int flags) {
  if (!IsComponent(oldname) || !IsComponent(newname)) return -EINVAL;
  if (flags & ~(kRenameNoReplace | kRenameExchange)) return -EINVAL;
  if ((flags & kRenameNoReplace) && (flags & kRenameExchange)) return -EINVAL;
#if defined(__linux__)
  unsigned kflags = (flags & kRenameNoReplace ? RENAME_NOREPLACE : 0) |
                    (flags & kRenameExchange ? RENAME_EXCHANGE : 0);
  long r = EPHEM_RETRY(syscall(SYS_renameat2, olddir, oldname, newdir, newname, kflags));
  if (r == -ENOSYS && kflags == 0) r = EPHEM_RETRY(renameat(olddir, oldname, newdir, newname));
  return r < 0 ? (int)r : 0;
#else
  unsigned kflags = (flags & kRenameNoReplace ? RENAME_EXCL : 0) |
                    (flags & kRenameExchange ? RENAME_SWAP : 0);
  long r = EPHEM_RETRY(renameatx_np(olddir, oldname, newdir, newname, kflags));
  return r < 0 ? (int)r : 0;
#endif
}

int Flock(int fd, int op) {
  long r = EPHEM_RETRY(flock(fd, op));
  if (r == -EAGAIN) return -EWOULDBLOCK;
  return r < 0 ? (int)r : 0;
}

int Fsync(int fd) {
  long r = EPHEM_RETRY(fsync(fd));
  // Some filesystems refuse fsync on directories; nothing more durable exists.
  if (r == -EINVAL) return 0;
  return r < 0 ? (int)r : 0;
}

int Close(int fd) {
  // Never retry close on EINTR: the fd is already released on Linux.
  int r = close(fd);
  return (r < 0 && errno != EINTR) ? -errno : 0;
}

int FchmodFd(int fd, int mode) {
#if defined(__linux__)
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
#else
  long r = EPHEM_RETRY(fchmod(fd, (mode_t)mode));
  return r < 0 ? (int)r : 0;
#endif
}

int Dup(int fd) { return (int)EPHEM_RETRY(fcntl(fd, F_DUPFD_CLOEXEC, 0)); }

int ReadlinkAt(int dirfd, const char* name, std::string* out) {
  if (!IsComponent(name)) return -EINVAL;
  char buf[4096];
  long n = EPHEM_RETRY(readlinkat(dirfd, name, buf, sizeof buf));
  if (n < 0) return (int)n;
  if ((size_t)n >= sizeof buf) return -ENAMETOOLONG;
  out->assign(buf, (size_t)n);
  return 0;
}

// ---- DirReader ----

DirReader* DirReader::Open(int fd, int* err) {
  int d = Dup(fd);
  if (d < 0) {
    *err = d;
    return nullptr;
  }
  DirReader* r = new DirReader();
  r->fd_ = d;
#if defined(__linux__)
  // The dup shares the file offset with `fd`; start from the beginning.
  lseek(d, 0, SEEK_SET);
  r->buf_ = static_cast<char*>(std::malloc(64 * 1024));
  if (r->buf_ == nullptr) {
    delete r;
    *err = -ENOMEM;
    return nullptr;
  }
#else
  DIR* dir = fdopendir(d);
  if (dir == nullptr) {
    *err = -errno;
    delete r;
    return nullptr;
  }
  rewinddir(dir);
  r->dir_ = dir;
#endif
  *err = 0;
  return r;
}

DirReader::~DirReader() {
#if defined(__linux__)
  std::free(buf_);
  if (fd_ >= 0) close(fd_);
#else
  if (dir_ != nullptr) {
    closedir(static_cast<DIR*>(dir_));  // closes fd_
  } else if (fd_ >= 0) {
    close(fd_);
  }
#endif
}

int DirReader::Rewind() {
#if defined(__linux__)
  len_ = pos_ = 0;
  return lseek(fd_, 0, SEEK_SET) < 0 ? -errno : 0;
#else
  rewinddir(static_cast<DIR*>(dir_));
  return 0;
#endif
}

int DirReader::Next(DirEntry* out, int max) {
  int n = 0;
#if defined(__linux__)
  struct KDirent64 {
    uint64_t d_ino;
    int64_t d_off;
    unsigned short d_reclen;
    unsigned char d_type;
    char d_name[];
  };
  while (n < max) {
    if (pos_ >= len_) {
      long r = EPHEM_RETRY(syscall(SYS_getdents64, fd_, buf_, 64 * 1024));
      if (r == -ENOENT) r = 0;  // directory removed under us: treat as end
      if (r < 0) return n > 0 ? n : (int)r;
      if (r == 0) break;
      len_ = r;
      pos_ = 0;
    }
    auto* d = reinterpret_cast<KDirent64*>(buf_ + pos_);
    pos_ += d->d_reclen;
    const char* nm = d->d_name;
    if (nm[0] == '.' && (nm[1] == '\0' || (nm[1] == '.' && nm[2] == '\0'))) continue;
    out[n].name.assign(nm);
    out[n].type = d->d_type;
    out[n].ino = d->d_ino;
    n++;
  }
#else
  DIR* dir = static_cast<DIR*>(dir_);
  while (n < max) {
    errno = 0;
    struct dirent* d = readdir(dir);
    if (d == nullptr) {
      if (errno != 0 && errno != ENOENT) return n > 0 ? n : -errno;
      break;
    }
    const char* nm = d->d_name;
    if (nm[0] == '.' && (nm[1] == '\0' || (nm[1] == '.' && nm[2] == '\0'))) continue;
    out[n].name.assign(nm);
    out[n].type = d->d_type;
    out[n].ino = d->d_ino;
    n++;
  }
#endif
  return n;
}

}  // namespace sys
}  // namespace ephem
