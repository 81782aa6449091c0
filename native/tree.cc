// The removal and size-scan engines (see tree.h).
//
// Shape of the walk: a heap stack of frames, one per directory level. A
// frame's directory is read once from start to end: non-directories are
// unlinked while streaming (trusting d_type; DT_UNKNOWN costs one lstat),
// subdirectory names are queued on the frame. Then the queued names are
// descended into one at a time, and a finished directory is removed from its
// parent. Only the deepest `ring` frames keep their fd open; climbing back to
// a frame whose fd was closed re-opens ".." from the child and checks that it
// is the same (dev, ino) as recorded on the way down (gnulib fts does the
// same), so depth costs neither stack nor file descriptors.
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "tree.h"

#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_set>
#include <utility>

#include "sys.h"

namespace ephem {
namespace tree {

namespace {

using Clock = std::chrono::steady_clock;

// How often a name may flip between "directory" and "not a directory" under
// us before we stop chasing it and report it.
constexpr int kMaxFlips = 4;
constexpr int kBatch = 256;
// Returned by Stack::PrepareParent when ".." is not the directory recorded.
constexpr int kMoved = 1;

bool IsComponent(const std::string& s) {
  return !s.empty() && s != "." && s != ".." && s.find('/') == std::string::npos &&
         s.find('\0') == std::string::npos;
}

bool ValidUtf8(const std::string& s) {
  const unsigned char* p = reinterpret_cast<const unsigned char*>(s.data());
  size_t n = s.size(), i = 0;
  while (i < n) {
    unsigned c = p[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    size_t len;
    unsigned min;
    if ((c & 0xE0) == 0xC0) {
      len = 2;
      min = 0x80;
      c &= 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      min = 0x800;
      c &= 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      min = 0x10000;
      c &= 0x07;
    } else {
      return false;
    }
    if (i + len > n) return false;
    for (size_t k = 1; k < len; k++) {
      if ((p[i + k] & 0xC0) != 0x80) return false;
      c = (c << 6) | (p[i + k] & 0x3F);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) return false;
    i += len;
  }
  return true;
}

int OpenDotDot(int fd) {
  int r;
  do {
    r = openat(fd, "..", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  } while (r < 0 && errno == EINTR);
  return r < 0 ? -errno : r;
}

int AutoRing(int threads) {
  struct rlimit rl;
  long soft = 1024;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
    soft = rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > (rlim_t)(1 << 20) ? (1 << 20) : (long)rl.rlim_cur;
  }
  long ring = soft / (4L * (threads < 1 ? 1 : threads));
  if (ring < 4) ring = 4;
  if (ring > 32) ring = 32;
  return (int)ring;
}

void CloseFd(int fd) {
  if (fd >= 0) sys::Close(fd);
}

struct RootInfo {
  uint64_t dev = 0;
  uint64_t ino = 0;
  bool has_mnt = false;
  uint64_t mnt = 0;
};

// A directory on another mount than the root: a different mount id, a mount
// root, or (when no mount id is known) a different device.
bool OtherMount(const RootInfo& root, const sys::Stat& s) {
  if (s.mount_root == 1) return true;
  if (s.has_mnt_id && root.has_mnt) return s.mnt_id != root.mnt;
  return s.dev != root.dev;
}

struct Pending {
  std::string name;
  uint64_t ino = 0;  // d_ino, 0 when unknown
  int tries = 0;     // directory/non-directory flips seen for this name
  int rescans = 0;   // ENOTEMPTY rescans of this directory so far
};

struct Frame {
  std::string name;  // in the parent frame
  size_t disp_len = 0;
  uint64_t dev = 0;
  uint64_t ino = 0;
  int fd = -1;  // -1 once evicted from the ring
  int rescans = 0;
  int64_t depth = 0;
  bool read_done = false;
  bool blocked_fail = false;  // something below could not be removed
  bool blocked_skip = false;  // something below was skipped on purpose (locked)
  bool repaired = false;      // its mode was already repaired once
  std::vector<Pending> subdirs;
  std::unique_ptr<std::unordered_set<std::string>> failed;
};

// The frames and the bounded ring of their open fds. Invariant: frames
// [lo_, top] have open fds, frames below lo_ do not; the top is always open.
class Stack {
 public:
  explicit Stack(int ring) : ring_(ring < 2 ? 2 : (size_t)ring) {}
  ~Stack() {
    for (Frame& f : frames) CloseFd(f.fd);
  }
  Stack(const Stack&) = delete;
  Stack& operator=(const Stack&) = delete;

  std::vector<Frame> frames;
  std::string path;  // display path of the top frame

  size_t top() const { return frames.size() - 1; }

  std::string ChildPath(const std::string& name) const {
    std::string p = path;
    if (p.empty() || p.back() != '/') p += '/';
    p += DisplayName(name);
    return p;
  }

  void Push(Frame&& f) {
    if (!frames.empty()) {
      path.resize(frames.back().disp_len);
      if (path.empty() || path.back() != '/') path += '/';
      path += DisplayName(f.name);
    }
    f.disp_len = path.size();
    frames.push_back(std::move(f));
    open_++;
    if (frames.size() == 1) lo_ = 0;
    while (open_ > ring_ && Evict()) {
    }
  }

  // Closes the oldest open ancestor fd; never the top one.
  bool Evict() {
    if (frames.empty() || lo_ >= top()) return false;
    CloseFd(frames[lo_].fd);
    frames[lo_].fd = -1;
    lo_++;
    open_--;
    return true;
  }

  // Runs `fn` (which opens something) again after closing an ancestor fd
  // for as long as it fails with EMFILE/ENFILE and there is one to close.
  template <class F>
  int WithFds(F fn) {
    for (;;) {
      int r = fn();
      if ((r == -EMFILE || r == -ENFILE) && Evict()) continue;
      return r;
    }
  }

  // Makes sure the parent of the top frame is open: re-opens ".." relative
  // to the top frame's fd and checks it is the directory recorded on the
  // way down. 0, -errno, or kMoved.
  int PrepareParent() {
    size_t pi = top() - 1;
    Frame& p = frames[pi];
    if (p.fd >= 0) return 0;
    int cfd = frames[top()].fd;
    int fd = OpenDotDot(cfd);
    if (fd < 0) return fd;
    sys::Stat st;
    int r = sys::StatFd(fd, &st);
    if (r < 0) {
      CloseFd(fd);
      return r;
    }
    if (st.dev != p.dev || st.ino != p.ino) {
      CloseFd(fd);
      return kMoved;
    }
    p.fd = fd;
    lo_ = pi;
    open_++;
    return 0;
  }

  // Closes and drops the top frame (its parent must be open, or it is the last).
  void PopTop() {
    Frame& c = frames.back();
    if (c.fd >= 0) {
      CloseFd(c.fd);
      open_--;
    }
    frames.pop_back();
    if (!frames.empty()) {
      path.resize(frames.back().disp_len);
      if (lo_ > top()) lo_ = top();
    }
  }

  std::string ParentPath() const { return path.substr(0, frames[top() - 1].disp_len); }

 private:
  size_t ring_;
  size_t lo_ = 0;
  size_t open_ = 0;
};

// State shared by the threads of one removal.
struct Shared {
  Shared(const RemoveOptions& o, const RootInfo& r) : opts(o), root(r), euid(geteuid()) {
    caller = std::this_thread::get_id();
    last_t = Clock::now();
  }
  const RemoveOptions& opts;
  RootInfo root;
  uid_t euid;
  std::atomic<uint64_t> entries{0};
  std::atomic<uint64_t> dirs{0};
  std::atomic<bool> abort{false};

  std::mutex mu;
  Status fatal = Status::kOk;
  int fatal_err = 0;
  const char* fatal_syscall = "";
  std::string fatal_path;
  std::string fatal_msg;

  std::mutex pmu;
  std::thread::id caller;
  uint64_t last_n = 0;
  Clock::time_point last_t;

  void Fatal(Status s, int err, const char* syscall, const std::string& path, const std::string& msg) {
    std::lock_guard<std::mutex> lk(mu);
    if (fatal == Status::kOk) {
      fatal = s;
      fatal_err = err;
      fatal_syscall = syscall;
      fatal_path = path;
      fatal_msg = msg;
    }
    abort.store(true);
  }

  void Removed(bool dir) {
    uint64_t n = entries.fetch_add(1, std::memory_order_relaxed) + 1;
    if (dir) dirs.fetch_add(1, std::memory_order_relaxed);
    if (opts.on_progress && (n & 127) == 0) Tick(false);
  }

  void Tick(bool force) {
    if (opts.progress_on_caller_thread && std::this_thread::get_id() != caller) return;
    if (!force && abort.load(std::memory_order_relaxed)) return;
    std::unique_lock<std::mutex> lk(pmu, std::defer_lock);
    if (force) {
      lk.lock();
    } else if (!lk.try_lock()) {
      return;
    }
    uint64_t n = entries.load(std::memory_order_relaxed);
    Clock::time_point now = Clock::now();
    if (n == last_n) return;
    if (!force && n - last_n < 10000 && now - last_t < std::chrono::milliseconds(100)) return;
    last_n = n;
    last_t = now;
    if (!opts.on_progress(n)) Fatal(Status::kAborted, 0, "", "", "the progress callback failed");
  }
};

class Walker {
 public:
  Walker(Shared& sh, int ring) : sh_(sh), st_(ring) {}

  Stack& stack() { return st_; }
  std::vector<Failure> failures;
  std::vector<std::string> mounts;
  std::vector<std::string> locked;

  // Reads the top frame from the start: unlinks what is not a directory,
  // queues subdirectories. Returns how many entries it saw.
  uint64_t ReadPass(bool is_root) {
    size_t fi = st_.top();
    int err = 0;
    sys::DirReader* rd = nullptr;
    int r = st_.WithFds([&] {
      rd = sys::DirReader::Open(st_.frames[fi].fd, &err);
      return rd != nullptr ? 0 : err;
    });
    st_.frames[fi].read_done = true;
    if (r < 0) {
      Fail(fi, st_.path, "", r, "opendir");
      return 0;
    }
    std::unique_ptr<sys::DirReader> guard(rd);
    if (batch_.empty()) batch_.resize(kBatch);
    uint64_t seen = 0;
    const bool skip_last = is_root && sh_.opts.has_remove_last;
    while (!sh_.abort.load(std::memory_order_relaxed)) {
      int n = rd->Next(batch_.data(), kBatch);
      if (n < 0) {
        Fail(fi, st_.path, "", n, "scandir");
        break;
      }
      if (n == 0) break;
      for (int i = 0; i < n && !sh_.abort.load(std::memory_order_relaxed); i++) {
        const sys::DirEntry& e = batch_[i];
        if (skip_last && e.name == sh_.opts.remove_last) continue;
        Frame& f = st_.frames[fi];
        if (f.failed && f.failed->count(e.name)) continue;
        seen++;
        HandleEntry(fi, e);
      }
    }
    return seen;
  }

  // Works the stack down until only the base frame is left with nothing
  // queued (the base frame itself is not removed).
  void Drain() {
    while (!sh_.abort.load(std::memory_order_relaxed)) {
      size_t ti = st_.top();
      Frame& f = st_.frames[ti];
      if (!f.read_done) {
        ReadPass(false);
        continue;
      }
      if (!f.subdirs.empty()) {
        Pending p = std::move(f.subdirs.back());
        f.subdirs.pop_back();
        if (f.subdirs.empty()) std::vector<Pending>().swap(f.subdirs);
        OpenChild(ti, std::move(p));
        continue;
      }
      if (ti == 0) return;
      PopDone();
    }
  }

  // Removes a non-directory entry of the top frame; a directory found
  // instead is queued.
  void UnlinkNonDir(size_t fi, Pending p) {
    int fd = st_.frames[fi].fd;
    int r = sys::UnlinkAt(fd, p.name.c_str(), false);
    if (r == -EACCES && RepairSelf(fi)) r = sys::UnlinkAt(fd, p.name.c_str(), false);
    if (r == 0) {
      sh_.Removed(false);
      return;
    }
    if (r == -ENOENT) return;
    if (r == -EISDIR || r == -EPERM) {
      // A directory (swapped in, or macOS saying EPERM for unlink(dir)).
      sys::Stat s;
      int sr = sys::StatAt(fd, p.name.c_str(), &s);
      if (sr == -ENOENT) return;
      if (sr == 0 && S_ISDIR(s.mode) && ++p.tries <= kMaxFlips) {
        p.ino = s.ino;
        st_.frames[fi].subdirs.push_back(std::move(p));
        return;
      }
    }
    Fail(fi, st_.ChildPath(p.name), p.name, r, "unlink");
  }

 private:
  Shared& sh_;
  Stack st_;
  std::vector<sys::DirEntry> batch_;

  void Fail(size_t fi, const std::string& path, const std::string& name, int err, const char* syscall) {
    failures.push_back(Failure{path, err, syscall});
    Frame& f = st_.frames[fi];
    f.blocked_fail = true;
    if (!name.empty()) {
      if (!f.failed) f.failed.reset(new std::unordered_set<std::string>());
      f.failed->insert(name);
    }
  }

  void HandleEntry(size_t fi, const sys::DirEntry& e) {
    unsigned char type = e.type;
    uint64_t ino = e.ino;
    if (type == DT_UNKNOWN) {
      sys::Stat s;
      int r = sys::StatAt(st_.frames[fi].fd, e.name.c_str(), &s);
      if (r == -ENOENT) return;
      if (r < 0) {
        Fail(fi, st_.ChildPath(e.name), e.name, r, "lstat");
        return;
      }
      type = S_ISDIR(s.mode) ? DT_DIR : DT_REG;
      ino = s.ino;
    }
    Pending p;
    p.name = e.name;
    p.ino = ino;
    if (type == DT_DIR) {
      st_.frames[fi].subdirs.push_back(std::move(p));
    } else {
      UnlinkNonDir(fi, std::move(p));
    }
  }

  void Mount(size_t fi, const std::string& name) {
    std::string path = st_.ChildPath(name);
    mounts.push_back(path);
    Fail(fi, path, name, -EXDEV, "open");
  }

  // chmod 0700 of the top frame's own directory, once, if the caller owns it.
  bool RepairSelf(size_t fi) {
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
  int RepairOpen(size_t fi, const Pending& p, const char** syscall) {
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

  void OpenChild(size_t fi, Pending p) {
    const char* name = p.name.c_str();
    int fd = st_.WithFds([&] { return sys::OpenDirAt(st_.frames[fi].fd, name, true); });
    const char* syscall = "open";
    if (fd == -ENOENT) return;
    if (fd == -ENOTDIR) {
      // A symlink or a file by now: the entry itself goes.
      if (++p.tries > kMaxFlips) {
        Fail(fi, st_.ChildPath(p.name), p.name, fd, "open");
        return;
      }
      UnlinkNonDir(fi, std::move(p));
      return;
    }
    if (fd == -EXDEV) {
      Mount(fi, p.name);
      return;
    }
    if (fd == -EACCES) fd = RepairOpen(fi, p, &syscall);
    if (fd == -ENOENT) return;
    if (fd < 0) {
      Fail(fi, st_.ChildPath(p.name), p.name, fd, syscall);
      return;
    }
    sys::Stat s;
    int r = sys::StatFd(fd, &s);
    if (r < 0 || !S_ISDIR(s.mode)) {
      CloseFd(fd);
      Fail(fi, st_.ChildPath(p.name), p.name, r < 0 ? r : -ENOTDIR, "fstat");
      return;
    }
    if (OtherMount(sh_.root, s)) {
      CloseFd(fd);
      Mount(fi, p.name);
      return;
    }
    if (sh_.opts.skip_locked && sys::Flock(fd, LOCK_EX | LOCK_NB) == -EWOULDBLOCK) {
      CloseFd(fd);
      locked.push_back(st_.ChildPath(p.name));
      Frame& f = st_.frames[fi];
      f.blocked_skip = true;
      if (!f.failed) f.failed.reset(new std::unordered_set<std::string>());
      f.failed->insert(p.name);
      return;
    }
    Frame c;
    c.name = std::move(p.name);
    c.dev = s.dev;
    c.ino = s.ino;
    c.fd = fd;
    c.rescans = p.rescans;
    c.depth = st_.frames[fi].depth + 1;
    st_.Push(std::move(c));
  }

  // The top frame is done: remove it from its parent (or pass its blocked
  // state up).
  void PopDone() {
    int r = st_.PrepareParent();
    if (r != 0) {
      std::string where = st_.ParentPath();
      if (r == kMoved) {
        sh_.Fatal(Status::kConcurrent, 0, "open", where,
                  "directory " + where + " was moved or replaced while its subtree was being removed");
      } else {
        sh_.Fatal(Status::kSystem, r, "open", where, "cannot re-open " + where + " through ..");
      }
      return;
    }
    size_t ti = st_.top();
    size_t pi = ti - 1;
    std::string name = std::move(st_.frames[ti].name);
    uint64_t ino = st_.frames[ti].ino;
    int rescans = st_.frames[ti].rescans;
    bool bfail = st_.frames[ti].blocked_fail;
    bool bskip = st_.frames[ti].blocked_skip;
    st_.PopTop();
    Frame& p = st_.frames[pi];
    if (bfail || bskip) {
      if (bfail) p.blocked_fail = true;
      if (bskip) p.blocked_skip = true;
      if (!p.failed) p.failed.reset(new std::unordered_set<std::string>());
      p.failed->insert(name);
      return;
    }
    int rr = sys::UnlinkAt(p.fd, name.c_str(), true);
    if (rr == -EACCES && RepairSelf(pi)) rr = sys::UnlinkAt(st_.frames[pi].fd, name.c_str(), true);
    if (rr == 0) {
      sh_.Removed(true);
      return;
    }
    if (rr == -ENOENT) return;
    if (rr == -ENOTEMPTY || rr == -EEXIST) {
      std::string path = st_.ChildPath(name);
      if (rescans + 1 > sh_.opts.max_rescans) {
        sh_.Fatal(Status::kConcurrent, rr, "rmdir", path,
                  "entries kept appearing in " + path + " while it was being removed (gave up after " +
                      std::to_string(rescans) + " rescans)");
        return;
      }
      Pending again;
      again.name = std::move(name);
      again.ino = ino;
      again.rescans = rescans + 1;
      st_.frames[pi].subdirs.push_back(std::move(again));
      return;
    }
    if (rr == -EBUSY) mounts.push_back(st_.ChildPath(name));
    Fail(pi, st_.ChildPath(name), name, rr, "rmdir");
  }
};

// ---- identity checks on the root ----

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

void SystemError(RemoveResult* res, int err, const char* syscall, const std::string& path) {
  res->status = Status::kSystem;
  res->err = err;
  res->syscall = syscall;
  res->path = path;
}

// Runs the queued subdirectories of the root frame on `threads` walkers.
struct WorkerArg {
  Walker* w;
  std::vector<Pending>* queue;
  std::atomic<size_t>* next;
  Shared* sh;
};

void WorkLoop(WorkerArg* a) {
  for (;;) {
    if (a->sh->abort.load()) return;
    size_t i = a->next->fetch_add(1);
    if (i >= a->queue->size()) return;
    a->w->stack().frames[0].subdirs.push_back(std::move((*a->queue)[i]));
    a->w->Drain();
  }
}

void* WorkerMain(void* arg) {
  WorkLoop(static_cast<WorkerArg*>(arg));
  return nullptr;
}

void RunParallel(Shared& sh, Walker& main, int threads, int ring) {
  Frame& root = main.stack().frames[0];
  std::vector<Pending> queue = std::move(root.subdirs);
  root.subdirs.clear();
  std::atomic<size_t> next{0};
  size_t n = (size_t)threads < queue.size() ? (size_t)threads : queue.size();
  std::vector<std::unique_ptr<Walker>> walkers;
  std::vector<WorkerArg> args(n);
  std::vector<pthread_t> tids;
  std::vector<size_t> started;
  for (size_t k = 1; k < n; k++) {
    int fd = sys::Dup(root.fd);
    if (fd < 0) break;
    std::unique_ptr<Walker> w(new Walker(sh, ring));
    Frame base;
    base.name = root.name;
    base.dev = root.dev;
    base.ino = root.ino;
    base.fd = fd;
    base.read_done = true;
    w->stack().path = main.stack().path;
    w->stack().Push(std::move(base));
    walkers.push_back(std::move(w));
  }
  for (size_t k = 0; k < walkers.size(); k++) {
    args[k] = WorkerArg{walkers[k].get(), &queue, &next, &sh};
    pthread_t t;
    if (pthread_create(&t, nullptr, WorkerMain, &args[k]) == 0) {
      tids.push_back(t);
      started.push_back(k);
    }
  }
  WorkerArg mine{&main, &queue, &next, &sh};
  WorkLoop(&mine);
  for (pthread_t t : tids) pthread_join(t, nullptr);
  Frame& r = main.stack().frames[0];
  for (size_t k : started) {
    Walker& w = *walkers[k];
    Frame& b = w.stack().frames[0];
    r.blocked_fail = r.blocked_fail || b.blocked_fail;
    r.blocked_skip = r.blocked_skip || b.blocked_skip;
    for (Failure& f : w.failures) main.failures.push_back(std::move(f));
    for (std::string& m : w.mounts) main.mounts.push_back(std::move(m));
    for (std::string& l : w.locked) main.locked.push_back(std::move(l));
  }
}

}  // namespace

std::string DisplayName(const std::string& raw) {
  if (ValidUtf8(raw)) return raw;
  static const char* hex = "0123456789abcdef";
  std::string out;
  out.reserve(raw.size() * 2);
  for (unsigned char c : raw) {
    if (c < 0x80) {
      out += (char)c;
    } else {
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

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

  // Open the root without following a symlink; a non-directory goes as an entry.
  int fd = -1;
  for (int attempt = 0;; attempt++) {
    fd = sys::OpenDirAt(parent_fd, name.c_str(), false);
    if (fd >= 0) break;
    if (fd == -ENOENT) return res;  // already gone: nothing to do
    if (fd == -ENOTDIR) {
      sys::Stat s;
      struct stat raw;
      int r = sys::StatAt(parent_fd, name.c_str(), &s);
      if (r == -ENOENT) return res;
      if (r < 0) {
        SystemError(&res, r, "lstat", display);
        return res;
      }
      if (S_ISDIR(s.mode) && attempt < kMaxFlips) continue;
      if (fstatat(parent_fd, name.c_str(), &raw, AT_SYMLINK_NOFOLLOW) < 0) {
        if (errno == ENOENT) return res;
        SystemError(&res, -errno, "lstat", display);
        return res;
      }
      if (RefuseRoot(opts, s, raw, display, &res)) return res;
      if (opts.keep_root) {
        // "Empty it but keep it" means nothing for a file or a symlink.
        SystemError(&res, -ENOTDIR, "scandir", display);
        return res;
      }
      r = sys::UnlinkAt(parent_fd, name.c_str(), false);
      if (r == 0) {
        res.entries_removed = 1;
        return res;
      }
      if (r == -ENOENT) return res;
      if ((r == -EISDIR || r == -EPERM) && attempt < kMaxFlips) {
        sys::Stat again;
        if (sys::StatAt(parent_fd, name.c_str(), &again) == 0 && S_ISDIR(again.mode)) continue;
      }
      SystemError(&res, r, "unlink", display);
      return res;
    }
    if (fd == -EACCES && opts.repair_permissions) {
      // Our own root without read/search permission: check identity first,
      // then repair it through an anchoring fd.
      sys::Stat s;
      struct stat raw;
      int r = sys::StatAt(parent_fd, name.c_str(), &s);
      if (r == 0 && fstatat(parent_fd, name.c_str(), &raw, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(s.mode) &&
          s.uid == geteuid()) {
        if (RefuseRoot(opts, s, raw, display, &res)) return res;
        int pfd = sys::OpenPathAt(parent_fd, name.c_str(), true);
        if (pfd >= 0) {
          sys::Stat ps;
          if (sys::StatFd(pfd, &ps) == 0 && ps.dev == s.dev && ps.ino == s.ino && S_ISDIR(ps.mode) &&
              ps.uid == geteuid() && sys::FchmodFd(pfd, 0700) == 0) {
            fd = sys::OpenDirAt(parent_fd, name.c_str(), false);
          }
          CloseFd(pfd);
          if (fd >= 0) break;
        }
      }
    }
    SystemError(&res, fd, "open", display);
    return res;
  }

  sys::Stat rs;
  struct stat raw;
  int r = sys::StatFd(fd, &rs);
  if (r < 0 || fstat(fd, &raw) < 0) {
    CloseFd(fd);
    SystemError(&res, r < 0 ? r : -errno, "fstat", display);
    return res;
  }
  if (RefuseRoot(opts, rs, raw, display, &res)) {
    CloseFd(fd);
    return res;
  }
  int lock_fd = -1;
  if (opts.skip_locked) {
    int lr = sys::Flock(fd, LOCK_EX | LOCK_NB);
    if (lr == -EWOULDBLOCK) {
      CloseFd(fd);
      res.status = Status::kBusy;
      res.path = display;
      res.message = "refusing to remove " + display + ": another process holds a lock on it";
      return res;
    }
    // Keep our lock for the whole removal, whatever the ring closes.
    if (lr == 0) lock_fd = sys::Dup(fd);
  }

  RootInfo root;
  root.dev = rs.dev;
  root.ino = rs.ino;
  root.has_mnt = rs.has_mnt_id;
  root.mnt = rs.mnt_id;
  Shared sh(opts, root);
  int threads = opts.parallel < 1 ? 1 : (opts.parallel > 64 ? 64 : opts.parallel);
  int ring = opts.max_open_dirs > 0 ? opts.max_open_dirs : AutoRing(threads);
  int max_rescans = opts.max_rescans < 0 ? 0 : opts.max_rescans;

  Walker w(sh, ring);
  {
    Frame rootf;
    rootf.name = name;
    rootf.dev = rs.dev;
    rootf.ino = rs.ino;
    rootf.fd = fd;
    w.stack().path = display;
    w.stack().Push(std::move(rootf));
  }

  int rescans = 0;
  bool done = false;
  for (int pass = 1; !sh.abort.load(); pass++) {
    uint64_t seen = w.ReadPass(true);
    if (threads > 1 && w.stack().frames[0].subdirs.size() > 1) {
      RunParallel(sh, w, threads, ring);
    } else {
      w.Drain();
    }
    if (sh.abort.load()) break;
    auto blocked = [&] {
      const Frame& rf = w.stack().frames[0];  // re-read: pushes move frames
      return rf.blocked_fail || rf.blocked_skip;
    };
    if (blocked()) break;
    if (opts.keep_root && seen > 0) {
      // Look once more to be sure it is empty; later passes count as rescans.
      if (pass > 1 && ++rescans > max_rescans) {
        sh.Fatal(Status::kConcurrent, -ENOTEMPTY, "scandir", display,
                 "entries kept appearing in " + display + " while it was being emptied (gave up after " +
                     std::to_string(rescans - 1) + " rescans)");
        break;
      }
      continue;
    }
    if (opts.has_remove_last) {
      Pending last;
      last.name = opts.remove_last;
      w.UnlinkNonDir(0, std::move(last));
      w.Drain();
      if (sh.abort.load() || blocked()) break;
    }
    if (opts.keep_root) {
      done = true;
      break;
    }
    int rr = sys::UnlinkAt(parent_fd, name.c_str(), true);
    if (rr == 0) {
      sh.Removed(true);
      done = true;
      break;
    }
    if (rr == -ENOENT) {
      done = true;
      break;
    }
    if (rr == -ENOTEMPTY || rr == -EEXIST) {
      if (++rescans > max_rescans) {
        sh.Fatal(Status::kConcurrent, rr, "rmdir", display,
                 "entries kept appearing in " + display + " while it was being removed (gave up after " +
                     std::to_string(rescans - 1) + " rescans)");
        break;
      }
      continue;
    }
    if (rr == -EBUSY) w.mounts.push_back(display);
    w.failures.push_back(Failure{display, rr, "rmdir"});
    break;
  }
  (void)done;
  CloseFd(lock_fd);
  if (opts.on_progress && sh.fatal != Status::kAborted) sh.Tick(true);

  res.entries_removed = sh.entries.load();
  res.directories_removed = sh.dirs.load();
  res.mounts = std::move(w.mounts);
  res.locked = std::move(w.locked);
  res.failures = std::move(w.failures);
  if (sh.fatal != Status::kOk) {
    res.status = sh.fatal;
    res.err = sh.fatal_err;
    res.syscall = sh.fatal_syscall;
    res.path = sh.fatal_path;
    res.message = sh.fatal_msg;
  } else if (!res.failures.empty()) {
    res.status = Status::kIncomplete;
    res.path = display;
  }
  return res;
}

// ---- size scan ----

ScanResult ScanTreeAt(int parent_fd, const std::string& name, const std::string& display,
                      const ScanOptions& opts) {
  ScanResult res;
  if (!IsComponent(name)) {
    res.status = Status::kInvalid;
    res.message = "the name to scan must be a single path component: " + DisplayName(name);
    return res;
  }
  const bool timed = opts.timeout_ms >= 0;
  const Clock::time_point deadline = Clock::now() + std::chrono::milliseconds(timed ? opts.timeout_ms : 0);
  auto add_bytes = [&](int64_t blocks) { res.bytes += blocks > 0 ? (uint64_t)blocks * 512 : 0; };

  int fd = sys::OpenDirAt(parent_fd, name.c_str(), false);
  if (fd == -ENOTDIR) {
    sys::Stat s;
    int r = sys::StatAt(parent_fd, name.c_str(), &s);
    if (r < 0) {
      res.status = Status::kSystem;
      res.err = r;
      res.syscall = "lstat";
      res.path = display;
      return res;
    }
    add_bytes(s.blocks);
    return res;
  }
  if (fd < 0) {
    res.status = Status::kSystem;
    res.err = fd;
    res.syscall = "open";
    res.path = display;
    return res;
  }
  sys::Stat rs;
  int r = sys::StatFd(fd, &rs);
  if (r < 0) {
    CloseFd(fd);
    res.status = Status::kSystem;
    res.err = r;
    res.syscall = "fstat";
    res.path = display;
    return res;
  }
  add_bytes(rs.blocks);
  RootInfo root;
  root.dev = rs.dev;
  root.ino = rs.ino;
  root.has_mnt = rs.has_mnt_id;
  root.mnt = rs.mnt_id;

  Stack st(opts.max_open_dirs > 0 ? opts.max_open_dirs : AutoRing(1));
  {
    Frame f;
    f.name = name;
    f.dev = rs.dev;
    f.ino = rs.ino;
    f.fd = fd;
    st.path = display;
    st.Push(std::move(f));
  }
  if (opts.max_depth == 0) {
    res.complete = false;
    return res;
  }
  struct PairHash {
    size_t operator()(const std::pair<uint64_t, uint64_t>& p) const {
      return std::hash<uint64_t>()(p.first * 0x9E3779B97F4A7C15ULL ^ p.second);
    }
  };
  std::unordered_set<std::pair<uint64_t, uint64_t>, PairHash> links;
  std::vector<sys::DirEntry> batch(kBatch);
  bool stop = false;
  uint64_t ticks = 0;
  auto limit_hit = [&]() {
    if (res.bytes > opts.stop_above_bytes) return true;
    if (timed && (++ticks & 63) == 0 && Clock::now() >= deadline) return true;
    return false;
  };

  while (!stop) {
    size_t ti = st.top();
    Frame& f = st.frames[ti];
    if (!f.read_done) {
      f.read_done = true;
      int err = 0;
      sys::DirReader* rd = nullptr;
      int rr = st.WithFds([&] {
        rd = sys::DirReader::Open(st.frames[ti].fd, &err);
        return rd != nullptr ? 0 : err;
      });
      if (rr < 0) {
        res.complete = false;
        continue;
      }
      std::unique_ptr<sys::DirReader> guard(rd);
      while (!stop) {
        int n = rd->Next(batch.data(), kBatch);
        if (n < 0) res.complete = false;
        if (n <= 0) break;
        for (int i = 0; i < n && !stop; i++) {
          if (res.entries >= opts.max_entries || limit_hit()) {
            res.complete = false;
            stop = true;
            break;
          }
          sys::Stat s;
          int sr = sys::StatAt(st.frames[ti].fd, batch[i].name.c_str(), &s);
          if (sr == -ENOENT) continue;
          if (sr < 0) {
            res.complete = false;
            continue;
          }
          if (S_ISDIR(s.mode)) {
            if (OtherMount(root, s)) {
              res.mounts.push_back(st.ChildPath(batch[i].name));
              continue;
            }
            res.entries++;
            add_bytes(s.blocks);
            int64_t child_depth = st.frames[ti].depth + 1;
            if (opts.max_depth >= 0 && child_depth >= opts.max_depth) {
              res.complete = false;  // its entries are deeper than allowed
              continue;
            }
            Pending p;
            p.name = batch[i].name;
            p.ino = s.ino;
            st.frames[ti].subdirs.push_back(std::move(p));
          } else {
            res.entries++;
            if (s.nlink > 1 && !links.insert({s.dev, s.ino}).second) continue;
            add_bytes(s.blocks);
          }
        }
      }
      continue;
    }
    if (!f.subdirs.empty()) {
      Pending p = std::move(f.subdirs.back());
      f.subdirs.pop_back();
      int cfd = st.WithFds([&] { return sys::OpenDirAt(st.frames[ti].fd, p.name.c_str(), true); });
      if (cfd == -ENOENT) continue;
      if (cfd == -EXDEV) {
        res.mounts.push_back(st.ChildPath(p.name));
        continue;
      }
      if (cfd < 0) {
        res.complete = false;
        continue;
      }
      sys::Stat s;
      if (sys::StatFd(cfd, &s) < 0 || s.ino != p.ino || OtherMount(root, s)) {
        CloseFd(cfd);
        res.complete = false;  // replaced since it was listed
        continue;
      }
      Frame c;
      c.name = std::move(p.name);
      c.dev = s.dev;
      c.ino = s.ino;
      c.fd = cfd;
      c.depth = st.frames[ti].depth + 1;
      st.Push(std::move(c));
      continue;
    }
    if (ti == 0) break;
    if (st.PrepareParent() != 0) {
      res.complete = false;  // a directory moved under us: stop rather than guess
      break;
    }
    st.PopTop();
  }
  return res;
}

}  // namespace tree
}  // namespace ephem
