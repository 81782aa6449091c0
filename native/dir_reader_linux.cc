// sys::DirReader on Linux: getdents64 into a 64 KiB buffer directly (no
// DIR*, no libc allocation per call), over a dup of the caller's fd.
#include "sys_internal.h"

#include <cstdlib>
#include <unistd.h>

#include "linux_abi.h"

namespace ephem {
namespace sys {

namespace {
constexpr long kBufBytes = 64 * 1024;
}  // namespace

struct DirReader::State {
  char* buf = nullptr;
  long len = 0;  // bytes in buf from the last getdents64
  long pos = 0;  // next record in buf
};

DirReader* DirReader::Open(int fd, int* err) {
  int d = Dup(fd);
  if (d < 0) {
    *err = d;
    return nullptr;
  }
  DirReader* r = new DirReader();
  r->fd_ = d;
  r->state_ = new State();
  // The dup shares the file offset with `fd`; start from the beginning.
  lseek(d, 0, SEEK_SET);
  r->state_->buf = static_cast<char*>(std::malloc(kBufBytes));
  if (r->state_->buf == nullptr) {
    delete r;
    *err = -ENOMEM;
    return nullptr;
  }
  *err = 0;
  return r;
}

DirReader::~DirReader() {
  if (state_ != nullptr) std::free(state_->buf);
  delete state_;
  if (fd_ >= 0) close(fd_);
}

int DirReader::Rewind() {
  state_->len = state_->pos = 0;
  return lseek(fd_, 0, SEEK_SET) < 0 ? -errno : 0;
}

int DirReader::Next(DirEntry* out, int max) {
  State& s = *state_;
  int n = 0;
  while (n < max) {
    if (s.pos >= s.len) {
      long r = EPHEM_RETRY(syscall(SYS_getdents64, fd_, s.buf, kBufBytes));
      if (r == -ENOENT) r = 0;  // directory removed under us: treat as end
      if (r < 0) return n > 0 ? n : (int)r;
      if (r == 0) break;
      s.len = r;
      s.pos = 0;
    }
    auto* d = reinterpret_cast<linux_abi::KDirent64*>(s.buf + s.pos);
    s.pos += d->d_reclen;
    if (detail::FillEntry(d->d_name, d->d_type, d->d_ino, &out[n])) n++;
  }
  return n;
}

}  // namespace sys
}  // namespace ephem
