// Linux only (sys_linux.cc, dir_reader_linux.cc): syscall numbers and kernel
// ABI structs that old libc headers may lack, defined here so that those
// headers cannot disagree.
#pragma once

#include <sys/syscall.h>

#include <cstdint>

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
#ifndef SYS_statx
#if defined(__x86_64__)
#define SYS_statx 332
#elif defined(__aarch64__)
#define SYS_statx 291
#endif
#endif
#define EPHEM_SYS_fchmodat2 452

namespace ephem {
namespace sys {
namespace linux_abi {

struct OpenHow {
  uint64_t flags;
  uint64_t mode;
  uint64_t resolve;
};
constexpr uint64_t kResolveNoXdev = 0x01;
constexpr uint64_t kResolveNoMagiclinks = 0x02;
constexpr uint64_t kResolveNoSymlinks = 0x04;
constexpr uint64_t kResolveBeneath = 0x08;

struct KStatxTimestamp {
  int64_t tv_sec;
  uint32_t tv_nsec;
  int32_t reserved;
};
struct KStatx {
  uint32_t stx_mask;
  uint32_t stx_blksize;
  uint64_t stx_attributes;
  uint32_t stx_nlink;
  uint32_t stx_uid;
  uint32_t stx_gid;
  uint16_t stx_mode;
  uint16_t spare0;
  uint64_t stx_ino;
  uint64_t stx_size;
  uint64_t stx_blocks;
  uint64_t stx_attributes_mask;
  KStatxTimestamp stx_atime, stx_btime, stx_ctime, stx_mtime;
  uint32_t stx_rdev_major, stx_rdev_minor;
  uint32_t stx_dev_major, stx_dev_minor;
  uint64_t stx_mnt_id;
  uint64_t spare2[13];
};
static_assert(sizeof(KStatx) == 256, "statx ABI");

constexpr uint32_t kStatxBasic = 0x07ffU;
constexpr uint32_t kStatxBtime = 0x0800U;
constexpr uint32_t kStatxMntId = 0x1000U;
constexpr uint32_t kStatxMntIdUnique = 0x4000U;
constexpr uint64_t kStatxAttrMountRoot = 0x2000;

// getdents64's record.
struct KDirent64 {
  uint64_t d_ino;
  int64_t d_off;
  unsigned short d_reclen;
  unsigned char d_type;
  char d_name[];
};

}  // namespace linux_abi
}  // namespace sys
}  // namespace ephem
