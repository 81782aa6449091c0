// The removal loop (see remove_walker.h). A frame's directory is read once
// from start to end: non-directories are unlinked while streaming (trusting
// d_type; DT_UNKNOWN costs one lstat), subdirectory names are queued on the
// frame. Then the queued names are descended into one at a time, and a
// finished directory is removed from its parent.
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "remove_walker.h"

#include <dirent.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <memory>
#include <utility>

namespace ephem {
namespace tree {
namespace detail {

// ---- Shared ----

Shared::Shared(const RemoveOptions& o, const RootInfo& r) : opts(o), root(r), euid(geteuid()) {
  caller = std::this_thread::get_id();
  last_t = Clock::now();
}

void Shared::Fatal(Status s, int err, const char* syscall, const std::string& path, const std::string& msg) {
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

bool Shared::Stopped() {
  if (abort.load(std::memory_order_relaxed)) return true;
  // The finish (marker, then root) is two syscalls and is never split: a
  // root left without its marker would no longer be recognised as ours.
  if (opts.cancel && opts.cancel->load(std::memory_order_relaxed) && !finishing.load(std::memory_order_relaxed)) {
    Fatal(Status::kAborted, 0, "", "", "the removal was cancelled");
    return true;
  }
  return false;
}

void Shared::Removed(bool dir) {
  uint64_t n = entries.fetch_add(1, std::memory_order_relaxed) + 1;
  if (dir) dirs.fetch_add(1, std::memory_order_relaxed);
  if (n >= opts.max_entries && !finishing.load(std::memory_order_relaxed)) {
    budget_hit.store(true);
    abort.store(true);
  }
  if (opts.on_progress && (n & 127) == 0) Tick(false);
}

void Shared::Tick(bool force) {
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

std::string RescanLimitMessage(const std::string& path, bool emptying, int rescans) {
  return "entries kept appearing in " + path + " while it was being " + (emptying ? "emptied" : "removed") +
         " (gave up after " + std::to_string(rescans) + " rescans)";
}

// ---- Walker ----

uint64_t Walker::ReadPass(bool is_root) {
  size_t fi = st_.top();
  int err = 0;
  sys::DirReader* rd = st_.OpenReader(fi, &err);
  st_.frames[fi].read_done = true;
  if (rd == nullptr) {
    Fail(fi, st_.path, "", err, "opendir");
    return 0;
  }
  std::unique_ptr<sys::DirReader> guard(rd);
  std::unique_ptr<UnlinkSplit> split;
  if (batch_.empty()) batch_.resize(kBatch);
  uint64_t seen = 0;
  bool large = false;  // past kInodeSortThreshold, and the filesystem was asked
  const bool skip_last = is_root && sh_.opts.has_remove_last;
  while (!sh_.Stopped()) {
    int n = rd->Next(batch_.data(), kBatch);
    if (n < 0) {
      Fail(fi, st_.path, "", n, "scandir");
      break;
    }
    if (n == 0) break;
    for (int i = 0; i < n && !sh_.Stopped(); i++) {
      if (Consider(fi, batch_[i], skip_last)) seen++;
    }
    if (split_ != nullptr) {
      RetryProblems(fi);
      // The helpers count most entries now; progress that must come from
      // this thread (the sync binding) is reported from here.
      if (sh_.opts.on_progress) sh_.Tick(false);
    }
    if (split_ == nullptr && seen >= kSplitThreshold) MaybeSplit(fi, &split);
    if (!large && seen > kInodeSortThreshold) {
      large = true;
      if (sys::InodeOrderHelps(st_.frames[fi].fd)) {
        seen += ReadSortedBatches(fi, rd, skip_last);
        break;
      }
    }
  }
  EndSplit(fi, &split);
  return seen;
}

void Walker::MaybeSplit(size_t fi, std::unique_ptr<UnlinkSplit>* holder) {
  int spares = sh_.TakeSpare(sh_.spare.load());
  if (spares <= 0) return;
  int fd = sys::Dup(st_.frames[fi].fd);  // O_CLOEXEC; the same open directory
  if (fd < 0) {
    sh_.GiveSpare(spares);
    return;
  }
  holder->reset(new UnlinkSplit(sh_, fd));
  if ((*holder)->Start(spares) == 0) {
    holder->reset();
    sh_.GiveSpare(spares);
    return;
  }
  split_ = holder->get();
  split_spares_ = spares;
}

void Walker::RetryProblems(size_t fi) {
  std::vector<std::string> names;
  split_->TakeProblems(&names);
  for (std::string& n : names) {
    if (sh_.Stopped()) break;
    Pending p;
    p.name = std::move(n);
    UnlinkNonDir(fi, std::move(p));
  }
}

void Walker::EndSplit(size_t fi, std::unique_ptr<UnlinkSplit>* holder) {
  if (!*holder) return;
  (*holder)->Finish();
  RetryProblems(fi);
  split_ = nullptr;
  holder->reset();
  sh_.GiveSpare(split_spares_);
  split_spares_ = 0;
}

// The rest of a large directory, up to kInodeSortBatch entries at a time,
// each batch worked in d_ino order. The stream goes on from where it is:
// unlinking does not move a getdents position, and should an entry be
// missed all the same, the parent's rmdir fails ENOTEMPTY and the
// directory is read again.
uint64_t Walker::ReadSortedBatches(size_t fi, sys::DirReader* rd, bool skip_last) {
  std::vector<sys::DirEntry> entries;
  std::vector<std::pair<uint64_t, uint32_t>> order;  // (d_ino, index in entries)
  uint64_t seen = 0;
  int err = 0;
  bool end = false;
  while (!end && !sh_.Stopped()) {
    size_t count = 0;
    while (count < kInodeSortBatch) {
      size_t want = std::min((size_t)kBatch, kInodeSortBatch - count);
      if (entries.size() < count + want) entries.resize(count + want);
      int n = rd->Next(entries.data() + count, (int)want);
      if (n <= 0) {
        err = n;
        end = true;
        break;
      }
      count += (size_t)n;
    }
    order.clear();
    order.reserve(count);
    for (size_t i = 0; i < count; i++) order.emplace_back(entries[i].ino, (uint32_t)i);
    std::sort(order.begin(), order.end());
    for (const auto& o : order) {
      if (sh_.Stopped()) break;
      if (Consider(fi, entries[o.second], skip_last)) seen++;
      if (split_ != nullptr && (seen & (kSplitChunk - 1)) == 0) {
        RetryProblems(fi);
        if (sh_.opts.on_progress) sh_.Tick(false);
      }
    }
  }
  if (err < 0) Fail(fi, st_.path, "", err, "scandir");
  return seen;
}

bool Walker::Consider(size_t fi, const sys::DirEntry& e, bool skip_last) {
  if (skip_last && e.name == sh_.opts.remove_last) return false;
  const Frame& f = st_.frames[fi];
  if (f.failed && f.failed->count(e.name)) return false;
  HandleEntry(fi, e);
  return true;
}

// Removal as a client of the one traversal (tree_stack.h Walk).
struct Walker::Visit {
  Walker& w;
  bool Stopped() { return w.sh_.Stopped(); }
  void Read(size_t /*fi: the top*/) { w.ReadPass(false); }
  void Descend(size_t fi, Pending p) { w.OpenChild(fi, std::move(p)); }
  void Ascend() { w.PopDone(); }
};

void Walker::Drain() {
  Visit v{*this};
  Walk(st_, v);
}

void Walker::UnlinkNonDir(size_t fi, Pending p) {
  int fd = st_.frames[fi].fd;
  int r = Harder(fi, [&] { return sys::UnlinkAt(fd, p.name.c_str(), false); });
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
    if (sr == 0 && S_ISDIR(s.mode)) {
      if (++p.tries > kMaxFlips) {
        FailSwapped(fi, p.name, r, "unlink");  // it keeps changing kind
        return;
      }
      p.ino = s.ino;
      st_.frames[fi].subdirs.push_back(std::move(p));
      return;
    }
  }
  Fail(fi, st_.ChildPath(p.name), p.name, r, "unlink");
}

void Walker::Fail(size_t fi, const std::string& path, const std::string& name, int err, const char* syscall,
                  bool concurrent) {
  Failure failure{path, err, syscall};
  failure.concurrent = concurrent;
  failures.Add(std::move(failure));
  Frame& f = st_.frames[fi];
  f.blocked_fail = true;
  if (!name.empty()) f.MarkFailed(name);
}

void Walker::FailSwapped(size_t fi, const std::string& name, int err, const char* syscall) {
  Fail(fi, st_.ChildPath(name), name, err, syscall, true);
}

void Walker::HandleEntry(size_t fi, const sys::DirEntry& e) {
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
  } else if (split_ != nullptr) {
    split_->Add(std::move(p.name));
  } else {
    UnlinkNonDir(fi, std::move(p));
  }
}

void Walker::Mount(size_t fi, const std::string& name) {
  std::string path = st_.ChildPath(name);
  mounts.Add(path);
  Fail(fi, path, name, -EXDEV, "open");
}

void Walker::OpenChild(size_t fi, Pending p) {
  const char* name = p.name.c_str();
  int fd = st_.OpenListed(fi, p);
  const char* syscall = "open";
  if (fd == -ENOENT) return;
  if (fd == -ENOTDIR) {
    // A symlink or a file by now: the entry itself goes.
    if (++p.tries > kMaxFlips) {
      FailSwapped(fi, p.name, fd, "open");  // it keeps changing kind
      return;
    }
    UnlinkNonDir(fi, std::move(p));
    return;
  }
  if (fd == -EXDEV) {
    Mount(fi, p.name);
    return;
  }
  if (fd == -EACCES && !sh_.opts.skip_locked) {
    // rmdir needs no read permission: an empty directory we cannot read
    // (mode 0300) goes at once, repaired or not. Only a non-empty one needs
    // opening. (With skipLocked its lock could not be checked first.)
    int rr = Harder(fi, [&] { return sys::UnlinkAt(st_.frames[fi].fd, name, true); });
    if (rr == 0) {
      sh_.Removed(true);
      return;
    }
    if (rr == -ENOENT) return;
  }
  if (fd == -EACCES) fd = RepairOpen(fi, p, &syscall);
  if (fd == -ENOENT) return;
  if (fd == -ESTALE) {
    FailSwapped(fi, p.name, fd, syscall);  // replaced between the repair and the open
    return;
  }
  if (fd < 0) {
    Fail(fi, st_.ChildPath(p.name), p.name, fd, syscall);
    return;
  }
  sys::Stat s;
  int r = 0;
  // Not as listed: what the name holds now is in the tree all the same.
  Opened o = CheckOpened(fd, p, sh_.root, false, &s, &r);
  if (o == Opened::kNotDir) {
    CloseFd(fd);
    Fail(fi, st_.ChildPath(p.name), p.name, r < 0 ? r : -ENOTDIR, "fstat");
    return;
  }
  if (o == Opened::kOtherMount) {
    CloseFd(fd);
    Mount(fi, p.name);
    return;
  }
  if (sh_.opts.skip_locked && sys::Flock(fd, LOCK_EX | LOCK_NB) == -EWOULDBLOCK) {
    CloseFd(fd);
    locked.Add(st_.ChildPath(p.name));
    Frame& f = st_.frames[fi];
    f.blocked_skip = true;
    f.MarkFailed(p.name);
    return;
  }
  st_.PushChild(fi, std::move(p), fd, s);
}

// The top frame is done: remove it from its parent (or pass its blocked
// state up).
void Walker::PopDone() {
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
    p.MarkFailed(name);
    return;
  }
  int rr = Harder(pi, [&] { return sys::UnlinkAt(p.fd, name.c_str(), true); });
  if (rr == 0) {
    sh_.Removed(true);
    return;
  }
  if (rr == -ENOENT) return;
  if (rr == -ENOTEMPTY || rr == -EEXIST) {
    std::string path = st_.ChildPath(name);
    if (rescans + 1 > sh_.opts.max_rescans) {
      sh_.Fatal(Status::kConcurrent, rr, "rmdir", path, RescanLimitMessage(path, false, rescans));
      return;
    }
    Pending again;
    again.name = std::move(name);
    again.ino = ino;
    again.rescans = rescans + 1;
    st_.frames[pi].subdirs.push_back(std::move(again));
    return;
  }
  if (rr == -ENOTDIR) {
    // We emptied a directory by this name and now it names a symlink or a
    // file: someone swapped it. Failing closed is right; say why.
    FailSwapped(pi, name, rr, "rmdir");
    return;
  }
  if (rr == -EBUSY) mounts.Add(st_.ChildPath(name));
  Fail(pi, st_.ChildPath(name), name, rr, "rmdir");
}

}  // namespace detail
}  // namespace tree
}  // namespace ephem
