// The frame stack and its bounded ring of ancestor fds (see tree_stack.h).
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "tree_stack.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "tree.h"

namespace ephem {
namespace tree {
namespace detail {

namespace {

int OpenDotDot(int fd) {
  int r;
  do {
    r = openat(fd, "..", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  } while (r < 0 && errno == EINTR);
  return r < 0 ? -errno : r;
}

}  // namespace

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

RootInfo RootInfoOf(const sys::Stat& s) {
  RootInfo root;
  root.dev = s.dev;
  root.ino = s.ino;
  root.has_mnt = s.has_mnt_id;
  root.mnt = s.mnt_id;
  return root;
}

bool OtherMount(const RootInfo& root, const sys::Stat& s) {
  if (s.mount_root == 1) return true;
  if (s.has_mnt_id && root.has_mnt && s.mnt_id != root.mnt) return true;
  return s.dev != root.dev;
}

Stack::~Stack() {
  for (Frame& f : frames) CloseFd(f.fd);
}

std::string Stack::ChildPath(const std::string& name) const {
  std::string p = path;
  if (p.empty() || p.back() != '/') p += '/';
  p += DisplayName(name);
  return p;
}

void Stack::Push(Frame&& f) {
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

void Stack::PushRoot(const std::string& name, const std::string& display, const sys::Stat& s, int fd) {
  Frame root;
  root.name = name;
  root.dev = s.dev;
  root.ino = s.ino;
  root.fd = fd;
  path = display;
  Push(std::move(root));
}

bool Stack::Evict() {
  if (frames.empty() || lo_ >= top()) return false;
  CloseFd(frames[lo_].fd);
  frames[lo_].fd = -1;
  lo_++;
  open_--;
  return true;
}

int Stack::PrepareParent() {
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

void Stack::PopTop() {
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

sys::DirReader* Stack::OpenReader(size_t fi, int* err) {
  sys::DirReader* rd = nullptr;
  int r = WithFds([&] {
    rd = sys::DirReader::Open(frames[fi].fd, err);
    return rd != nullptr ? 0 : *err;
  });
  if (r < 0) *err = r;
  return rd;
}

int Stack::OpenListed(size_t fi, const Pending& p) {
  return WithFds([&] { return sys::OpenDirAt(frames[fi].fd, p.name.c_str(), true); });
}

void Stack::PushChild(size_t fi, Pending&& p, int fd, const sys::Stat& s) {
  Frame c;
  c.name = std::move(p.name);
  c.dev = s.dev;
  c.ino = s.ino;
  c.fd = fd;
  c.rescans = p.rescans;
  c.depth = frames[fi].depth + 1;
  Push(std::move(c));
}

Opened CheckOpened(int fd, const Pending& p, const RootInfo& root, bool as_listed, sys::Stat* s, int* err) {
  *err = sys::StatFd(fd, s);
  if (*err < 0 || !S_ISDIR(s->mode)) return Opened::kNotDir;
  if (as_listed && ((p.dev != 0 && s->dev != p.dev) || (p.ino != 0 && s->ino != p.ino))) return Opened::kReplaced;
  if (OtherMount(root, *s)) return Opened::kOtherMount;
  return Opened::kOk;
}

}  // namespace detail
}  // namespace tree
}  // namespace ephem
