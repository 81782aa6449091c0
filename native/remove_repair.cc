// Permission repair for the removal walker: a directory the caller owns but
// cannot read, search or write is chmodded 0700 -- only after its identity
// (inode as listed, owner, same mount) is checked through an anchoring fd,
// so a name swapped in by someone else is never chmodded.
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>

#include "remove_walker.h"

namespace ephem {
namespace tree {
namespace detail {

// chmod 0700 of frame `fi`'s own directory, once, if the caller owns it.
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

// Opening a subdirectory failed with EACCES: if it is a directory of ours
// (same inode as listed, same mount), chmod it 0700 through an anchoring
// fd and open it again. Returns an fd or -errno; *syscall names the step.
int Walker::RepairOpen(size_t fi, const Pending& p, const char** syscall) {
  *syscall = "open";
  if (!sh_.opts.repair_permissions) return -EACCES;
  const char* name = p.name.c_str();
  auto open_dir = [&] { return st_.WithFds([&] { return sys::OpenDirAt(st_.frames[fi].fd, name, true); }); };
#if defined(__linux__)
  int pfd = st_.WithFds([&] { return sys::OpenPathAt(st_.frames[fi].fd, name, true); });
  if (pfd == -EACCES && RepairSelf(fi)) {
    // Our own directory lacked search permission.
    int fd = open_dir();
    if (fd != -EACCES) return fd;
    pfd = st_.WithFds([&] { return sys::OpenPathAt(st_.frames[fi].fd, name, true); });
  }
  if (pfd < 0) return pfd;
  sys::Stat s;
  int r = sys::StatFd(pfd, &s);
  if (r < 0 || !S_ISDIR(s.mode) || s.uid != sh_.euid || (p.ino != 0 && s.ino != p.ino) ||
      OtherMount(sh_.root, s)) {
    CloseFd(pfd);
    return -EACCES;  // not ours to repair
  }
  r = sys::FchmodFd(pfd, 0700);
  if (r < 0) {
    CloseFd(pfd);
    *syscall = "chmod";
    return r;
  }
  int fd = open_dir();
  if (fd >= 0) {
    sys::Stat s2;
    if (sys::StatFd(fd, &s2) < 0 || s2.dev != s.dev || s2.ino != s.ino) {
      CloseFd(fd);
      fd = -ESTALE;  // replaced between the repair and the open
    }
  }
  CloseFd(pfd);
  return fd;
#else
  // macOS has no O_PATH: an unreadable directory cannot be anchored. Only
  // inside a parent that the caller owns and nobody else may write (so no
  // one else can swap the name between the check and the chmod) is the
  // name chmodded, without following a symlink, then re-checked.
  sys::Stat ps;
  if (sys::StatFd(st_.frames[fi].fd, &ps) < 0 || ps.uid != sh_.euid || (ps.mode & 022) != 0) {
    if (RepairSelf(fi)) return open_dir();
    return -EACCES;
  }
  sys::Stat s;
  int r = sys::StatAt(st_.frames[fi].fd, name, &s);
  if (r < 0) return r;
  if (!S_ISDIR(s.mode) || s.uid != sh_.euid || (p.ino != 0 && s.ino != p.ino)) return -EACCES;
  if (fchmodat(st_.frames[fi].fd, name, 0700, AT_SYMLINK_NOFOLLOW) < 0) {
    *syscall = "chmod";
    return -errno;
  }
  int fd = open_dir();
  if (fd >= 0) {
    sys::Stat s2;
    if (sys::StatFd(fd, &s2) < 0 || s2.dev != s.dev || s2.ino != s.ino) {
      CloseFd(fd);
      fd = -ESTALE;
    }
  }
  return fd;
#endif
}

}  // namespace detail
}  // namespace tree
}  // namespace ephem
