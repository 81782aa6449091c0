// Permission repair for the removal engine: a directory the caller owns but
// cannot read, search or write is chmodded 0700, only after its identity
// (owner, inode as listed, same mount) is checked through a sys::RepairAnchor,
// so a name swapped in by someone else is never chmodded. The per-OS part
// (O_PATH on Linux, a name in a directory only we may write on macOS) is the
// anchor's; everything here is the same on every platform.
#include <sys/stat.h>

#include <cerrno>

#include "remove_walker.h"

namespace ephem {
namespace tree {
namespace detail {

bool Walker::RepairSelf(size_t fi) {
  if (!sh_.opts.repair_permissions) return false;
  Frame& f = st_.frames[fi];
  if (f.repaired || f.fd < 0) return false;
  f.repaired = true;
  sys::Stat s;
  if (sys::StatFd(f.fd, &s) < 0) return false;
  if (!S_ISDIR(s.mode) || s.uid != sh_.euid || s.dev != f.dev || s.ino != f.ino) return false;
  return sys::FchmodFd(f.fd, 0700) == 0;
}

int Walker::RepairOpen(size_t fi, const Pending& p, const char** syscall) {
  *syscall = "open";
  if (!sh_.opts.repair_permissions) return -EACCES;
  const char* name = p.name.c_str();
  auto open_dir = [&] { return st_.WithFds([&] { return sys::OpenDirAt(st_.frames[fi].fd, name, true); }); };
  sys::RepairAnchor anchor;
  auto anchor_it = [&] { return st_.WithFds([&] { return anchor.Open(st_.frames[fi].fd, name, sh_.euid); }); };
  int r = anchor_it();
  if (r == -EACCES && RepairSelf(fi)) {
    // Our own directory lacked search permission (or, on macOS, was
    // writable by others): repaired, the child may open as it is.
    int fd = open_dir();
    if (fd != -EACCES) return fd;
    r = anchor_it();
  }
  if (r < 0) return r;
  auto listed = [&](const sys::Stat& s) { return (p.ino == 0 || s.ino == p.ino) && !OtherMount(sh_.root, s); };
  return RepairAnchored(anchor, sh_.euid, listed, open_dir, syscall);
}

}  // namespace detail
}  // namespace tree
}  // namespace ephem
