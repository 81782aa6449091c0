// RemoveTreeAt (tree.h), in the steps rm-rf.c's rm_rf takes: check the
// arguments, open the root without following a symlink (OpenRoot: a
// non-directory goes as an entry, an unreadable root of ours is repaired
// the way the walker repairs any directory), refuse before anything is
// touched (RefuseBeforeTouching: `expect`, protected paths, a mount, a
// locked root), then pass over the root until it is gone, emptied
// (keepRoot) or blocked (RunPasses), and say what happened (Collect).
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <utility>

#include "remove_walker.h"
#include "sys.h"
#include "tree.h"

namespace ephem {
namespace tree {

using namespace detail;

namespace {

struct Ident {
  uint64_t dev, ino;
};

// (dev, ino) of each protected path and of each of its ancestors.
std::vector<Ident> ProtectedChain(const std::vector<std::string>& paths) {
  std::vector<Ident> out;
  struct stat st;
  for (const std::string& p : paths) {
    char* rp = realpath(p.c_str(), nullptr);
    if (rp == nullptr) {
      if (stat(p.c_str(), &st) == 0) out.push_back({(uint64_t)st.st_dev, (uint64_t)st.st_ino});
      continue;
    }
    std::string s(rp);
    std::free(rp);
    if (stat("/", &st) == 0) out.push_back({(uint64_t)st.st_dev, (uint64_t)st.st_ino});
    for (size_t pos = 1; pos <= s.size(); pos++) {
      if (pos == s.size() || s[pos] == '/') {
        if (stat(s.substr(0, pos).c_str(), &st) == 0) out.push_back({(uint64_t)st.st_dev, (uint64_t)st.st_ino});
      }
    }
  }
  return out;
}

// Refusals that must come before anything is touched: `expect` and
// protected paths. `raw` is a plain fstat of the target (the same
// numbering as stat(2) of the protected paths); `s` is sys.h's view.
bool RefuseRoot(const RemoveOptions& opts, const sys::Stat& s, const struct stat& raw,
                const std::string& display, RemoveResult* res) {
  if (opts.expect.set && ((double)s.dev != opts.expect.dev || (double)s.ino != opts.expect.ino)) {
    res->status = Status::kNotOurs;
    res->path = display;
    res->message = "refusing to remove " + display + ": it is not the directory expected (dev " +
                   std::to_string(s.dev) + ", ino " + std::to_string(s.ino) + ")";
    return true;
  }
  for (const Ident& id : ProtectedChain(opts.protect)) {
    if (id.dev == (uint64_t)raw.st_dev && id.ino == (uint64_t)raw.st_ino) {
      res->status = Status::kProtected;
      res->path = display;
      res->message = "refusing to remove " + display + ": it is / , the home directory, a protected path, or an ancestor of one";
      return true;
    }
  }
  return false;
}

// "Never crosses a mount" holds for the root too: a root that is a mount
// point, or on another mount than the directory holding it, is refused
// before anything is touched unless the caller asked to empty a mount.
// Fails closed when the parent cannot be stat'ed.
bool RefuseMountRoot(int parent_fd, const RemoveOptions& opts, const sys::Stat& s, const std::string& display,
                     RemoveResult* res) {
  if (opts.empty_mount) return false;
  sys::Stat ps;
  int r = sys::StatFd(parent_fd, &ps);
  if (r < 0) {
    SetSystemError(res, r, "fstat", display);
    return true;
  }
  if (!OtherMount(RootInfoOf(ps), s)) return false;
  res->status = Status::kMount;
  res->path = display;
  res->message = "refusing to remove " + display +
                 ": it is a mount point (or on another mount than its parent); pass emptyMount: true to empty it";
  return true;
}

// The root is not a directory (a file, a symlink: never followed): it goes
// as an entry, after the same refusals. True when that settled the call;
// false when it turned out to be a directory after all (open it again).
bool RemoveRootEntry(int parent_fd, const std::string& name, const std::string& display,
                     const RemoveOptions& opts, bool may_retry, RemoveResult* res) {
  sys::Stat s;
  int r = sys::StatAt(parent_fd, name.c_str(), &s);
  if (r == -ENOENT) return true;
  if (r < 0) {
    SetSystemError(res, r, "lstat", display);
    return true;
  }
  if (S_ISDIR(s.mode) && may_retry) return false;
  struct stat raw;
  if (fstatat(parent_fd, name.c_str(), &raw, AT_SYMLINK_NOFOLLOW) < 0) {
    if (errno != ENOENT) SetSystemError(res, -errno, "lstat", display);
    return true;
  }
  if (RefuseRoot(opts, s, raw, display, res) || RefuseMountRoot(parent_fd, opts, s, display, res)) return true;
  if (opts.keep_root) {
    // "Empty it but keep it" means nothing for a file or a symlink.
    SetSystemError(res, -ENOTDIR, "scandir", display);
    return true;
  }
  r = sys::UnlinkAt(parent_fd, name.c_str(), false);
  if (r == 0) {
    res->entries_removed = 1;
    return true;
  }
  if (r == -ENOENT) return true;
  if ((r == -EISDIR || r == -EPERM) && may_retry) {
    sys::Stat again;
    if (sys::StatAt(parent_fd, name.c_str(), &again) == 0 && S_ISDIR(again.mode)) return false;
  }
  SetSystemError(res, r, "unlink", display);
  return true;
}

// Our own root without read or search permission: repaired like any
// directory of the walk (RepairAnchored), after the refusals of a root.
// The root's parent is the caller's, never repaired. An fd, -EACCES when
// it is not ours (or the repair failed), or kSettled when a refusal set *res.
constexpr int kSettled = -100000;
int RepairRoot(int parent_fd, const std::string& name, const std::string& display, const RemoveOptions& opts,
               RemoveResult* res) {
  uid_t euid = geteuid();
  sys::RepairAnchor anchor;
  if (anchor.Open(parent_fd, name.c_str(), euid) < 0) return -EACCES;
  bool refused = false;
  auto may_repair = [&](const sys::Stat& s) {
    struct stat raw;  // stat(2)'s numbering, which RefuseRoot compares protected paths in
    if (fstatat(parent_fd, name.c_str(), &raw, AT_SYMLINK_NOFOLLOW) < 0 || (uint64_t)raw.st_ino != s.ino) {
      return false;  // changed under us: not repaired
    }
    refused = RefuseRoot(opts, s, raw, display, res) || RefuseMountRoot(parent_fd, opts, s, display, res);
    return !refused;
  };
  auto open_dir = [&] { return sys::OpenDirAt(parent_fd, name.c_str(), false); };
  const char* syscall = "open";
  int fd = RepairAnchored(anchor, euid, may_repair, open_dir, &syscall);
  if (refused) return kSettled;
  return fd >= 0 ? fd : -EACCES;
}

// The root cannot be opened for reading (EACCES) and permission repair is
// off, not ours to do, or failed: rmdir needs no read permission, so an empty root
// goes at once, after the same refusals as any root. True when that settled
// the call (removed, gone, or refused) with *res set.
bool RemoveUnreadableRoot(int parent_fd, const std::string& name, const std::string& display,
                          const RemoveOptions& opts, RemoveResult* res) {
  if (opts.keep_root || opts.skip_locked) return false;  // nothing to do, or a lock we cannot check
  sys::Stat s;
  if (sys::StatAt(parent_fd, name.c_str(), &s) < 0 || !S_ISDIR(s.mode)) return false;
  struct stat raw;
  if (fstatat(parent_fd, name.c_str(), &raw, AT_SYMLINK_NOFOLLOW) < 0) return false;
  if (RefuseRoot(opts, s, raw, display, res) || RefuseMountRoot(parent_fd, opts, s, display, res)) return true;
  int r = sys::UnlinkAt(parent_fd, name.c_str(), true);
  if (r == 0) {
    res->entries_removed = 1;
    res->directories_removed = 1;
    return true;
  }
  return r == -ENOENT;
}

// Opens the root directory without following a symlink. A name that is not
// a directory goes as an entry; one that flips between the two is chased
// kMaxFlips times. An fd, or -1 when that settled the call (*res says how).
int OpenRoot(int parent_fd, const std::string& name, const std::string& display, const RemoveOptions& opts,
             RemoveResult* res) {
  for (int attempt = 0;; attempt++) {
    int fd = sys::OpenDirAt(parent_fd, name.c_str(), false);
    if (fd >= 0) return fd;
    if (fd == -ENOENT) return -1;  // already gone: nothing to do
    if (fd == -ENOTDIR) {
      if (RemoveRootEntry(parent_fd, name, display, opts, attempt < kMaxFlips, res)) return -1;
      continue;  // a directory by now
    }
    if (fd == -EACCES && opts.repair_permissions) {
      fd = RepairRoot(parent_fd, name, display, opts, res);
      if (fd >= 0) return fd;
      if (fd == kSettled) return -1;
    }
    if (fd == -EACCES && RemoveUnreadableRoot(parent_fd, name, display, opts, res)) return -1;
    SetSystemError(res, fd, "open", display);
    return -1;
  }
}

// Everything that must hold before the first entry goes, on the opened root
// `fd` (stat `rs`): `expect`, protected paths, a mount, and with skipLocked a
// lock held by someone else. Closes `fd` and returns false when refused.
// With skipLocked, *lock_fd keeps our own lock for the whole removal,
// whatever the ring closes.
bool RefuseBeforeTouching(int parent_fd, int fd, const sys::Stat& rs, const std::string& display,
                          const RemoveOptions& opts, int* lock_fd, RemoveResult* res) {
  struct stat raw;  // plain fstat: the numbering RefuseRoot compares protected paths in
  if (fstat(fd, &raw) < 0) {
    int err = -errno;
    CloseFd(fd);
    SetSystemError(res, err, "fstat", display);
    return false;
  }
  if (RefuseRoot(opts, rs, raw, display, res) || RefuseMountRoot(parent_fd, opts, rs, display, res)) {
    CloseFd(fd);
    return false;
  }
  if (!opts.skip_locked) return true;
  int lr = sys::Flock(fd, LOCK_EX | LOCK_NB);
  if (lr == -EWOULDBLOCK) {
    CloseFd(fd);
    res->status = Status::kBusy;
    res->path = display;
    res->message = "refusing to remove " + display + ": another process holds a lock on it";
    return false;
  }
  if (lr == 0) *lock_fd = sys::Dup(fd);
  return true;
}

// Passes over the root (frame 0 of `w`) until it is gone, emptied
// (keepRoot), blocked by something that could not be removed, or stopped.
// True once done.
bool RunPasses(Shared& sh, Walker& w, int parent_fd, const std::string& name, const std::string& display,
               int threads, int ring) {
  const RemoveOptions& opts = sh.opts;
  const int max_rescans = opts.max_rescans < 0 ? 0 : opts.max_rescans;
  auto blocked = [&] {
    const Frame& rf = w.stack().frames[0];  // re-read: pushes move frames
    return rf.blocked_fail || rf.blocked_skip;
  };
  int rescans = 0;
  for (int pass = 1; !sh.Stopped(); pass++) {
    uint64_t seen = w.ReadPass(true);
    if (threads > 1 && w.stack().frames[0].subdirs.size() > 1) {
      RunParallel(sh, w, threads, ring);
    } else {
      w.Drain();
    }
    if (sh.Stopped() || blocked()) return false;
    if (opts.keep_root && seen > 0) {
      // Look once more to be sure it is empty; later passes count as rescans.
      if (pass > 1 && ++rescans > max_rescans) {
        sh.Fatal(Status::kConcurrent, -ENOTEMPTY, "scandir", display, RescanLimitMessage(display, true, rescans - 1));
        return false;
      }
      continue;
    }
    // The budget never stops the finish: the marker goes only right before
    // the root, and a stop between them would leave a root without its marker.
    sh.finishing.store(true);
    if (opts.has_remove_last) {
      Pending last;
      last.name = opts.remove_last;
      w.UnlinkNonDir(0, std::move(last));
      w.Drain();
      if (sh.abort.load() || blocked()) return false;
    }
    if (opts.keep_root) return true;
    int rr = sys::UnlinkAt(parent_fd, name.c_str(), true);
    if (rr == 0) {
      sh.Removed(true);
      return true;
    }
    if (rr == -ENOENT) return true;
    if (rr == -ENOTEMPTY || rr == -EEXIST) {
      if (++rescans > max_rescans) {
        sh.Fatal(Status::kConcurrent, rr, "rmdir", display, RescanLimitMessage(display, false, rescans - 1));
        return false;
      }
      continue;
    }
    if (rr == -EBUSY) w.mounts.Add(display);
    Failure f{display, rr, "rmdir"};
    f.concurrent = rr == -ENOTDIR;  // the root's name now holds a symlink or a file
    w.failures.Add(std::move(f));
    return false;
  }
  return false;
}

// The result of a walk: counts, what was left, and the status (the first
// fatal one, else a swap seen among the failures, else incomplete).
void Collect(Shared& sh, Walker& w, bool done, const std::string& display, RemoveResult* res) {
  res->entries_removed = sh.entries.load();
  res->directories_removed = sh.dirs.load();
  res->complete = done;
  res->mounts = std::move(w.mounts);
  res->locked = std::move(w.locked);
  res->failures = std::move(w.failures);
  if (sh.fatal != Status::kOk) {
    res->status = sh.fatal;
    res->err = sh.fatal_err;
    res->syscall = sh.fatal_syscall;
    res->path = sh.fatal_path;
    res->message = sh.fatal_msg;
  } else if (res->failures.count > 0) {
    res->status = Status::kIncomplete;
    res->path = display;
    if (res->failures.has_concurrent) {
      const Failure& f = res->failures.first_concurrent;
      res->status = Status::kConcurrent;
      res->err = f.err;
      res->syscall = f.syscall;
      res->path = f.path;
      res->message = f.path + " was replaced by another entry while it was being removed (" + f.syscall +
                     " found something else there)";
    }
  }
}

}  // namespace

RemoveResult RemoveTreeAt(int parent_fd, const std::string& name, const std::string& display,
                          const RemoveOptions& opts) {
  RemoveResult res;
  if (!IsComponent(name)) {
    res.status = Status::kInvalid;
    res.message = "the name to remove must be a single path component: " + DisplayName(name);
    return res;
  }
  if (opts.has_remove_last && !IsComponent(opts.remove_last)) {
    res.status = Status::kInvalid;
    res.message = "removeLast must be a single path component: " + DisplayName(opts.remove_last);
    return res;
  }
  int fd = OpenRoot(parent_fd, name, display, opts, &res);
  if (fd < 0) return res;
  sys::Stat rs;
  if (!StatOpenedRoot(fd, display, &rs, &res)) return res;
  int lock_fd = -1;
  if (!RefuseBeforeTouching(parent_fd, fd, rs, display, opts, &lock_fd, &res)) return res;

  Shared sh(opts, RootInfoOf(rs));
  const int threads = opts.parallel < 1 ? 1 : (opts.parallel > 64 ? 64 : opts.parallel);
  const int ring = opts.max_open_dirs > 0 ? opts.max_open_dirs : AutoRing(threads);
  sh.spare.store(threads - 1);
  Walker w(sh, ring);
  w.stack().PushRoot(name, display, rs, fd);
  bool done = RunPasses(sh, w, parent_fd, name, display, threads, ring);
  CloseFd(lock_fd);
  if (opts.on_progress && sh.fatal != Status::kAborted) sh.Tick(true);
  Collect(sh, w, done, display, &res);
  return res;
}

}  // namespace tree
}  // namespace ephem
