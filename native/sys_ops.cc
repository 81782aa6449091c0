// The fd-relative operations of sys.h: open, unlink, mkdir, rename, flock,
// fsync, close, chmod through an anchoring fd, dup, readlink. Each takes a
// single name component and never follows a symlink in it.
#include "sys_internal.h"

#include <cstdio>
#include <cstring>
#include <string>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#if defined(__APPLE__)
#include <stdio.h>
#endif

#include "sys.h"

namespace ephem {
namespace sys {

using namespace detail;

#if defined(__linux__)
const char kPlatform[] = "linux";
#else
const char kPlatform[] = "darwin";
#endif

namespace detail {

bool IsComponent(const char* name) {
  if (name == nullptr || name[0] == '\0') return false;
  if (std::strchr(name, '/') != nullptr) return false;
  if (std::strcmp(name, ".") == 0 || std::strcmp(name, "..") == 0) return false;
  return true;
}

}  // namespace detail

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

int OpenChildAt(int dirfd, const char* name, const char* child, int flags) {
  if (!IsComponent(name) || !IsComponent(child)) return -EINVAL;
#if defined(__linux__)
  if (Caps().openat2) {
    std::string rel = std::string(name) + "/" + child;
    OpenHow how{};
    how.flags = (uint64_t)(flags | O_NOFOLLOW | O_CLOEXEC);
    how.resolve = kResolveNoSymlinks | kResolveNoMagiclinks | kResolveBeneath | kResolveNoXdev;
    return (int)EPHEM_RETRY(syscall(SYS_openat2, dirfd, rel.c_str(), &how, sizeof how));
  }
#endif
  (void)flags;
  return -ENOSYS;
}

int OpenPathAt(int dirfd, const char* name, bool directory) {
  if (!IsComponent(name)) return -EINVAL;
#if defined(__linux__)
  return (int)EPHEM_RETRY(openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC | (directory ? O_DIRECTORY : 0)));
#else
#if defined(O_SEARCH)
  // A directory opened for search only needs no read permission (a 0711
  // ancestor); fall back to reading where the filesystem refuses O_SEARCH.
  if (directory) {
    int fd = (int)EPHEM_RETRY(openat(dirfd, name, O_SEARCH | O_NOFOLLOW | O_CLOEXEC | O_DIRECTORY));
    if (fd != -EINVAL && fd != -ENOTSUP) return fd;
  }
#endif
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

}  // namespace sys
}  // namespace ephem
