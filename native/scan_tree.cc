// ScanTreeAt (tree.h): the size scan. The same walk as removal (frame stack,
// fd ring, ".." identity checks, no symlinks, no mount crossing) but it only
// lstats: allocated bytes with hard links counted once, within the caller's
// limits on entries, depth, time and bytes.
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
}  // namespace

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
  auto saw_mtime = [&](int64_t ns) {
    if (ns > res.newest_mtime_ns) res.newest_mtime_ns = ns;
  };

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
    add_bytes(s.blocks);
    saw_mtime(s.mtime_ns);
    return res;
  }
  if (fd < 0) {
    SetSystemError(&res, fd, "open", display);
    return res;
  }
  sys::Stat rs;
  if (!StatOpenedRoot(fd, display, &rs, &res)) return res;
  add_bytes(rs.blocks);
  saw_mtime(rs.mtime_ns);
  const RootInfo root = RootInfoOf(rs);

  Stack st(opts.max_open_dirs > 0 ? opts.max_open_dirs : AutoRing(1));
  st.PushRoot(name, display, rs, fd);
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
    if (opts.cancel && opts.cancel->load(std::memory_order_relaxed)) {
      res.status = Status::kAborted;
      res.message = "the scan was cancelled";
      return true;
    }
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
              res.mounts.Add(st.ChildPath(batch[i].name));
              continue;
            }
            res.entries++;
            add_bytes(s.blocks);
            saw_mtime(s.mtime_ns);
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
            saw_mtime(s.mtime_ns);
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
        res.mounts.Add(st.ChildPath(p.name));
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
