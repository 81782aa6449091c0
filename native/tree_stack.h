// Internal to the tree engines: the walk state shared by removal and scan.
//
// A walk is a heap stack of frames, one per directory level, so depth costs
// no native stack. Only the deepest `ring` frames keep their fd open;
// climbing back to a frame whose fd was closed re-opens ".." from the child
// and checks that it is the (dev, ino) recorded on the way down, so depth
// costs no file descriptors either.
#pragma once

#include <cerrno>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

#include "sys.h"
#include "tree.h"

namespace ephem {
namespace tree {
namespace detail {

// How often a name may flip between "directory" and "not a directory" under
// us before we stop chasing it and report it.
constexpr int kMaxFlips = 4;
// Entries read from the directory stream per DirReader::Next call.
constexpr int kBatch = 256;
// Returned by Stack::PrepareParent when ".." is not the directory recorded.
constexpr int kMoved = 1;
// A directory with more entries than this is worked in batches sorted by
// d_ino: its read order (a hash order on ext4) would otherwise visit the
// inode table at random. Each batch holds at most kInodeSortBatch entries,
// which bounds the memory a huge directory costs (gnulib fts uses the same
// two figures).
constexpr uint64_t kInodeSortThreshold = 10000;
constexpr size_t kInodeSortBatch = 100000;

// One path component: not "", ".", "..", no '/' and no NUL.
bool IsComponent(const std::string& s);

inline void CloseFd(int fd) {
  if (fd >= 0) sys::Close(fd);
}

// Ring size per thread when the caller gave none: a share of RLIMIT_NOFILE,
// between 4 and 32.
int AutoRing(int threads);

// Identity of the root, for telling mount boundaries.
struct RootInfo {
  uint64_t dev = 0;
  uint64_t ino = 0;
  bool has_mnt = false;
  uint64_t mnt = 0;
};

// The root's identity from a stat of its opened fd, taken once so that every
// directory below is checked against the root as it was opened.
RootInfo RootInfoOf(const sys::Stat& s);

// A directory on another mount or filesystem than the root: a mount root, a
// different mount id, or a different device (a btrfs subvolume: same mount,
// its own st_dev).
bool OtherMount(const RootInfo& root, const sys::Stat& s);

// Records a system error on the root itself in a RemoveResult or ScanResult
// (the engines' fatal form: the walk never started).
template <class Result>
void SetSystemError(Result* res, int err, const char* syscall, const std::string& path) {
  res->status = Status::kSystem;
  res->err = err;
  res->syscall = syscall;
  res->path = path;
}

// Stats the root directory just opened as `fd`. On failure closes `fd` and
// records the fstat error in *res, so the caller only has to return.
template <class Result>
bool StatOpenedRoot(int fd, const std::string& display, sys::Stat* rs, Result* res) {
  int r = sys::StatFd(fd, rs);
  if (r == 0) return true;
  CloseFd(fd);
  SetSystemError(res, r, "fstat", display);
  return false;
}

// A subdirectory name waiting to be descended into.
struct Pending {
  std::string name;
  uint64_t dev = 0;  // from an lstat of the listing (scan), 0 when unknown
  uint64_t ino = 0;  // d_ino or the listing's lstat, 0 when unknown
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
  // Names in this directory that failed or were skipped: a rescan passes them by.
  std::unique_ptr<std::unordered_set<std::string>> failed;

  void MarkFailed(const std::string& n) {
    if (!failed) failed.reset(new std::unordered_set<std::string>());
    failed->insert(n);
  }
};

// The frames and the bounded ring of their open fds. Invariant: frames
// [lo_, top] have open fds, frames below lo_ do not; the top is always open.
class Stack {
 public:
  explicit Stack(int ring) : ring_(ring < 2 ? 2 : (size_t)ring) {}
  ~Stack();
  Stack(const Stack&) = delete;
  Stack& operator=(const Stack&) = delete;

  std::vector<Frame> frames;
  std::string path;  // display path of the top frame

  size_t top() const { return frames.size() - 1; }

  // Display path of `name` in the top frame.
  std::string ChildPath(const std::string& name) const;
  // Display path of the top frame's parent.
  std::string ParentPath() const { return path.substr(0, frames[top() - 1].disp_len); }

  // Makes `f` (whose fd is open) the top frame, closing ancestors past the ring.
  void Push(Frame&& f);
  // Makes the opened root directory (`fd`, stat `s`) the first frame.
  void PushRoot(const std::string& name, const std::string& display, const sys::Stat& s, int fd);

  // Closes the oldest open ancestor fd; never the top one.
  bool Evict();

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
  int PrepareParent();

  // Closes and drops the top frame (its parent must be open, or it is the last).
  void PopTop();

  // Opens a reader over frame fi's directory (closing ancestors on EMFILE).
  sys::DirReader* OpenReader(size_t fi, int* err);
  // Opens the queued subdirectory `p` of frame fi: never a symlink, never
  // across a mount where openat2 can refuse it (EXDEV). An fd or -errno.
  int OpenListed(size_t fi, const Pending& p);
  // Pushes the subdirectory `p` of frame fi, opened as `fd` (stat `s`).
  void PushChild(size_t fi, Pending&& p, int fd, const sys::Stat& s);

 private:
  size_t ring_;
  size_t lo_ = 0;
  size_t open_ = 0;
};

// What a subdirectory opened for descent turned out to be.
enum class Opened {
  kOk,
  kNotDir,      // fstat failed (*err) or it is no directory (by now)
  kOtherMount,  // on another mount than the root
  kReplaced,    // not the (dev, ino) listed (checked only when asked)
};
// Checks the directory just opened as `fd` for `p`: fstat into *s, a
// directory, on the root's mount, and with `as_listed` the (dev, ino) its
// listing recorded (where known), as ".." is checked on the way back up.
Opened CheckOpened(int fd, const Pending& p, const RootInfo& root, bool as_listed, sys::Stat* s, int* err);

// The one traversal of the tree engines, as gnulib fts is one traversal
// with several clients: it works the stack from the top until only frame 0
// is left with nothing queued. Removal (Walker) and the size scan
// (scan_tree.cc) differ only in what the client does at each step:
//   bool Stopped()                     asked before every step
//   void Read(size_t fi)               frame fi's directory, once (queues
//                                      subdirectories on the frame)
//   void Descend(size_t fi, Pending p) opens one queued subdirectory and
//                                      pushes it (OpenListed, CheckOpened,
//                                      PushChild), or records why not
//   void Ascend()                      the top frame is done: leave it
//                                      (PrepareParent, PopTop), or stop
template <class Client>
void Walk(Stack& st, Client& c) {
  while (!c.Stopped()) {
    size_t ti = st.top();
    Frame& f = st.frames[ti];
    if (!f.read_done) {
      f.read_done = true;
      c.Read(ti);
      continue;
    }
    if (!f.subdirs.empty()) {
      Pending p = std::move(f.subdirs.back());
      f.subdirs.pop_back();
      if (f.subdirs.empty()) std::vector<Pending>().swap(f.subdirs);
      c.Descend(ti, std::move(p));
      continue;
    }
    if (ti == 0) return;
    c.Ascend();
  }
}

}  // namespace detail
}  // namespace tree
}  // namespace ephem
