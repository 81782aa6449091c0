// The fd-relative operations of sys.h that every platform does alike:
// open a file, unlink, mkdir, flock, fsync, close, dup, readlink. Each takes
// a single name component and never follows a symlink in it. Opening a
// directory, renaming and chmod through an anchor differ per OS
// (sys_linux.cc, sys_darwin.cc).
#include "sys_internal.h"

#include <cstdio>
#include <cstring>
#include <string>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "sys.h"

namespace ephem {
namespace sys {

using namespace detail;

namespace detail {

bool IsComponent(const char* name) {
  if (name == nullptr || name[0] == '\0') return false;
  if (std::strchr(name, '/') != nullptr) return false;
  if (std::strcmp(name, ".") == 0 || std::strcmp(name, "..") == 0) return false;
  return true;
}

}  // namespace detail

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
