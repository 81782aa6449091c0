// The portable half of stat and capability probing (sys.h): the probe run
// once per process, and the helpers the per-OS stat code shares
// (sys_linux.cc: statx, with fstatat plus /proc/self/fdinfo as fallback;
// sys_darwin.cc: fstatat, fstatfs).
#include "sys_internal.h"

#include <fcntl.h>
#include <unistd.h>

namespace ephem {
namespace sys {

const Capabilities& Caps() {
  static const Capabilities caps = detail::Probe();  // thread-safe static init
  return caps;
}

namespace detail {

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

}  // namespace detail

}  // namespace sys
}  // namespace ephem
