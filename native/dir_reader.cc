// sys::DirReader: a streaming directory reader over a dup of the caller's
// fd. Linux reads getdents64 into a 64 KiB buffer directly (no DIR*, no
// libc allocation per call); macOS goes through fdopendir/readdir.
#include "sys_internal.h"

#include <cstdlib>
#include <dirent.h>
#include <unistd.h>

#include "sys.h"

namespace ephem {
namespace sys {

DirReader* DirReader::Open(int fd, int* err) {
  int d = Dup(fd);
  if (d < 0) {
    *err = d;
    return nullptr;
  }
  DirReader* r = new DirReader();
  r->fd_ = d;
#if defined(__linux__)
  // The dup shares the file offset with `fd`; start from the beginning.
  lseek(d, 0, SEEK_SET);
  r->buf_ = static_cast<char*>(std::malloc(64 * 1024));
  if (r->buf_ == nullptr) {
    delete r;
    *err = -ENOMEM;
    return nullptr;
  }
#else
  DIR* dir = fdopendir(d);
  if (dir == nullptr) {
    *err = -errno;
    delete r;
    return nullptr;
  }
  rewinddir(dir);
  r->dir_ = dir;
#endif
  *err = 0;
  return r;
}

DirReader::~DirReader() {
#if defined(__linux__)
  std::free(buf_);
  if (fd_ >= 0) close(fd_);
#else
  if (dir_ != nullptr) {
    closedir(static_cast<DIR*>(dir_));  // closes fd_
  } else if (fd_ >= 0) {
    close(fd_);
  }
#endif
}

int DirReader::Rewind() {
#if defined(__linux__)
  len_ = pos_ = 0;
  return lseek(fd_, 0, SEEK_SET) < 0 ? -errno : 0;
#else
  rewinddir(static_cast<DIR*>(dir_));
  return 0;
#endif
}

int DirReader::Next(DirEntry* out, int max) {
  int n = 0;
#if defined(__linux__)
  struct KDirent64 {
    uint64_t d_ino;
    int64_t d_off;
    unsigned short d_reclen;
    unsigned char d_type;
    char d_name[];
  };
  while (n < max) {
    if (pos_ >= len_) {
      long r = EPHEM_RETRY(syscall(SYS_getdents64, fd_, buf_, 64 * 1024));
      if (r == -ENOENT) r = 0;  // directory removed under us: treat as end
      if (r < 0) return n > 0 ? n : (int)r;
      if (r == 0) break;
      len_ = r;
      pos_ = 0;
    }
    auto* d = reinterpret_cast<KDirent64*>(buf_ + pos_);
    pos_ += d->d_reclen;
    const char* nm = d->d_name;
    if (nm[0] == '.' && (nm[1] == '\0' || (nm[1] == '.' && nm[2] == '\0'))) continue;
    out[n].name.assign(nm);
    out[n].type = d->d_type;
    out[n].ino = d->d_ino;
    n++;
  }
#else
  DIR* dir = static_cast<DIR*>(dir_);
  while (n < max) {
    errno = 0;
    struct dirent* d = readdir(dir);
    if (d == nullptr) {
      if (errno != 0 && errno != ENOENT) return n > 0 ? n : -errno;
      break;
    }
    const char* nm = d->d_name;
    if (nm[0] == '.' && (nm[1] == '\0' || (nm[1] == '.' && nm[2] == '\0'))) continue;
    out[n].name.assign(nm);
    out[n].type = d->d_type;
    out[n].ino = d->d_ino;
    n++;
  }
#endif
  return n;
}

}  // namespace sys
}  // namespace ephem
