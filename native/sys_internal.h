// Internal to the sys layer (sys_*.cc, dir_reader.cc): the EINTR-retry
// helper, the one-component check, and the Linux syscall numbers and ABI
// structs that old libc headers may lack.
#pragma once

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <cerrno>
#include <cstdint>

#if defined(__linux__)
#include <sys/syscall.h>
#endif

// Retry a syscall-shaped expression on EINTR; yields the result or -errno.
#define EPHEM_RETRY(expr)                  \
  ({                                       \
    long r_;                               \
    do {                                   \
      r_ = (long)(expr);                   \
    } while (r_ == -1 && errno == EINTR);  \
    r_ == -1 ? -errno : r_;                \
  })

namespace ephem {
namespace sys {
namespace detail {

// A single path component: no '/', not "", ".", "..". Multi-component names
// would let the openat fallback follow an intermediate symlink.
bool IsComponent(const char* name);

#if defined(__linux__)

#ifndef SYS_openat2
#define SYS_openat2 437
#endif
#ifndef SYS_renameat2
#if defined(__x86_64__)
#define SYS_renameat2 316
#elif defined(__aarch64__)
#define SYS_renameat2 276
#endif
#endif
#define EPHEM_SYS_fchmodat2 452

// Kernel ABI struct, defined here so old libc headers cannot disagree.
struct OpenHow {
  uint64_t flags;
  uint64_t mode;
  uint64_t resolve;
};
constexpr uint64_t kResolveNoXdev = 0x01;
constexpr uint64_t kResolveNoMagiclinks = 0x02;
constexpr uint64_t kResolveNoSymlinks = 0x04;
constexpr uint64_t kResolveBeneath = 0x08;

#endif

}  // namespace detail
}  // namespace sys
}  // namespace ephem
