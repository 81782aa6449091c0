// sys::DirReader on macOS: fdopendir/readdir over a dup of the caller's fd
// (the documented interface; getdirentries is deprecated).
#include "sys_internal.h"

#include <dirent.h>
#include <unistd.h>

namespace ephem {
namespace sys {

struct DirReader::State {
  DIR* dir = nullptr;  // owns fd_ once fdopendir succeeded
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
  DIR* dir = fdopendir(d);
  if (dir == nullptr) {
    *err = -errno;
    delete r;
    return nullptr;
  }
  rewinddir(dir);  // the dup shares the file offset with `fd`
  r->state_->dir = dir;
  *err = 0;
  return r;
}

DirReader::~DirReader() {
  if (state_ != nullptr && state_->dir != nullptr) {
    closedir(state_->dir);  // closes fd_
  } else if (fd_ >= 0) {
    close(fd_);
  }
  delete state_;
}

int DirReader::Rewind() {
  rewinddir(state_->dir);
  return 0;
}

int DirReader::Next(DirEntry* out, int max) {
  int n = 0;
  while (n < max) {
    errno = 0;
    struct dirent* d = readdir(state_->dir);
    if (d == nullptr) {
      if (errno != 0 && errno != ENOENT) return n > 0 ? n : -errno;
      break;
    }
    if (detail::FillEntry(d->d_name, d->d_type, d->d_ino, &out[n])) n++;
  }
  return n;
}

}  // namespace sys
}  // namespace ephem
