// ScanTreeAt (tree.h): the size scan. The same walk as removal (tree_stack.h
// Walk: frame stack, fd ring, ".." identity checks, no symlinks, no mount
// crossing) but it only lstats: allocated bytes with hard links counted
// once, within the caller's limits on entries, depth, time and bytes.
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <sys/stat.h>

#include <cerrno>
#include <chrono>
#include <functional>
#include <memory>
#include <unordered_set>
#include <utility>

#include "sys.h"
#include "tree.h"
#include "tree_stack.h"

namespace ephem {
namespace tree {

using namespace detail;

namespace {

using Clock = std::chrono::steady_clock;

struct PairHash {
  size_t operator()(const std::pair<uint64_t, uint64_t>& p) const {
    return std::hash<uint64_t>()(p.first * 0x9E3779B97F4A7C15ULL ^ p.second);
  }
};

// The scan as a client of the one traversal (tree_stack.h Walk): reading a
// frame lstats each entry (counting it, queueing subdirectories within
// maxDepth), descending checks the opened directory is the (dev, ino) listed
// and on the root's mount. Anything it cannot read or check makes the
// result incomplete; a limit stops the walk.
class ScanVisit {
 public:
  ScanVisit(Stack& st, const ScanOptions& opts, const RootInfo& root, ScanResult* res)
      : st_(st), opts_(opts), root_(root), res_(*res), batch_(kBatch) {
    timed_ = opts.timeout_ms >= 0;
    deadline_ = Clock::now() + std::chrono::milliseconds(timed_ ? opts.timeout_ms : 0);
  }

  // The root's own size and mtime (it is not counted as an entry).
  void CountRoot(const sys::Stat& s) {
    AddBytes(s.blocks);
    SawMtime(s.mtime_ns);
  }

  bool Stopped() const { return stop_; }

  void Read(size_t fi) {
    int err = 0;
    std::unique_ptr<sys::DirReader> rd(st_.OpenReader(fi, &err));
    if (!rd) {
      res_.complete = false;
      return;
    }
    while (!stop_) {
      int n = rd->Next(batch_.data(), kBatch);
      if (n < 0) res_.complete = false;
      if (n <= 0) return;
      for (int i = 0; i < n && !stop_; i++) {
        if (res_.entries >= opts_.max_entries || LimitHit()) {
          res_.complete = false;
          stop_ = true;
          return;
        }
        Entry(fi, batch_[i].name);
      }
    }
  }

  void Descend(size_t fi, Pending p) {
    int fd = st_.OpenListed(fi, p);
    if (fd == -ENOENT) return;
    if (fd == -EXDEV) {
      res_.mounts.Add(st_.ChildPath(p.name));
      return;
    }
    if (fd < 0) {
      res_.complete = false;
      return;
    }
    sys::Stat s;
    int err = 0;
    if (CheckOpened(fd, p, root_, true, &s, &err) != Opened::kOk) {
      CloseFd(fd);
      res_.complete = false;  // replaced since it was listed
      return;
    }
    st_.PushChild(fi, std::move(p), fd, s);
  }

  void Ascend() {
    if (st_.PrepareParent() != 0) {
      res_.complete = false;  // a directory moved under us: stop rather than guess
      stop_ = true;
      return;
    }
    st_.PopTop();
  }

 private:
  Stack& st_;
  const ScanOptions& opts_;
  const RootInfo root_;
  ScanResult& res_;
  std::vector<sys::DirEntry> batch_;
  std::unordered_set<std::pair<uint64_t, uint64_t>, PairHash> links_;
  bool stop_ = false;
  bool timed_ = false;
  Clock::time_point deadline_;
  uint64_t ticks_ = 0;

  void AddBytes(int64_t blocks) { res_.bytes += blocks > 0 ? (uint64_t)blocks * 512 : 0; }
  void SawMtime(int64_t ns) {
    if (ns > res_.newest_mtime_ns) res_.newest_mtime_ns = ns;
  }

  bool LimitHit() {
    if (opts_.cancel && opts_.cancel->load(std::memory_order_relaxed)) {
      res_.status = Status::kAborted;
      res_.message = "the scan was cancelled";
      return true;
    }
    if (res_.bytes > opts_.stop_above_bytes) return true;
    if (timed_ && (++ticks_ & 63) == 0 && Clock::now() >= deadline_) return true;
    return false;
  }

  // One listed entry of frame fi: counted, and queued when a directory
  // within maxDepth; hard links counted once.
  void Entry(size_t fi, const std::string& name) {
    sys::Stat s;
    int sr = sys::StatAt(st_.frames[fi].fd, name.c_str(), &s);
    if (sr == -ENOENT) return;
    if (sr < 0) {
      res_.complete = false;
      return;
    }
    if (!S_ISDIR(s.mode)) {
      res_.entries++;
      SawMtime(s.mtime_ns);
      if (s.nlink > 1 && !links_.insert({s.dev, s.ino}).second) return;
      AddBytes(s.blocks);
      return;
    }
    if (OtherMount(root_, s)) {
      res_.mounts.Add(st_.ChildPath(name));
      return;
    }
    res_.entries++;
    AddBytes(s.blocks);
    SawMtime(s.mtime_ns);
    if (opts_.max_depth >= 0 && st_.frames[fi].depth + 1 >= opts_.max_depth) {
      res_.complete = false;  // its entries are deeper than allowed
      return;
    }
    Pending p;
    p.name = name;
    p.dev = s.dev;
    p.ino = s.ino;
    st_.frames[fi].subdirs.push_back(std::move(p));
  }
};

}  // namespace

ScanResult ScanTreeAt(int parent_fd, const std::string& name, const std::string& display,
                      const ScanOptions& opts) {
  ScanResult res;
  if (!IsComponent(name)) {
    res.status = Status::kInvalid;
    res.message = "the name to scan must be a single path component: " + DisplayName(name);
    return res;
  }
  // The root is opened without following a symlink; a non-directory is
  // counted as itself.
  int fd = sys::OpenDirAt(parent_fd, name.c_str(), false);
  if (fd == -ENOTDIR) {
    sys::Stat s;
    int r = sys::StatAt(parent_fd, name.c_str(), &s);
    if (r < 0) {
      SetSystemError(&res, r, "lstat", display);
      return res;
    }
    res.bytes = s.blocks > 0 ? (uint64_t)s.blocks * 512 : 0;
    res.newest_mtime_ns = s.mtime_ns > 0 ? s.mtime_ns : 0;
    return res;
  }
  if (fd < 0) {
    SetSystemError(&res, fd, "open", display);
    return res;
  }
  sys::Stat rs;
  if (!StatOpenedRoot(fd, display, &rs, &res)) return res;
  Stack st(opts.max_open_dirs > 0 ? opts.max_open_dirs : AutoRing(1));
  st.PushRoot(name, display, rs, fd);
  ScanVisit v(st, opts, RootInfoOf(rs), &res);
  v.CountRoot(rs);
  if (opts.max_depth == 0) {
    res.complete = false;
    return res;
  }
  Walk(st, v);
  return res;
}

}  // namespace tree
}  // namespace ephem
