// Keeps the addon loadable on older Linux distributions than the one it is
// built on: glibc 2.28 (Node 20's own floor: RHEL 8, Debian 10) and the
// libstdc++ of GCC 5 (GLIBCXX_3.4.21). Prebuilds are made on a current
// Debian, whose headers make the compiler and linker bind a few calls to
// symbol versions newer than that, and a binary needing one does not load
// there at all. Each definition below is hidden (local to the addon), so the
// linker binds our code to it instead of to the newer export, and it calls
// the old ABI that every glibc since the floor still exports.
//
// Why not link libstdc++ statically instead: its archive pulls in glibc
// 2.32-2.36 internals of its own (__libc_single_threaded, arc4random,
// _dl_find_object, pthread_once@2.34), which cannot be pinned from here.
// libstdc++.so.6 is always present where Node runs (Node links it too).
//
// test/package/prebuilds.test.ts reads the version needs of every shipped
// binary and fails above the floor; when it names a new symbol, add it here.
//
// Built on Linux only (binding.gyp); the guards below pick the C and C++
// libraries and architectures it applies to.
#include <pthread.h>
#include <sys/stat.h>

#include <cstddef>  // defines __GLIBCXX__ when the C++ library is libstdc++

#if defined(__GLIBC__) && (defined(__x86_64__) || defined(__aarch64__))

// The version each symbol had before glibc 2.34 moved it (the architecture's
// first glibc version) and the stat ABI version the __fxstat family expects.
#if defined(__x86_64__)
#define EPHEM_GLIBC_BASE "GLIBC_2.2.5"
#define EPHEM_STAT_VER 1  // _STAT_VER_LINUX
#else
#define EPHEM_GLIBC_BASE "GLIBC_2.17"
#define EPHEM_STAT_VER 0  // _STAT_VER_KERNEL (the generic Linux stat ABI)
#endif

#define EPHEM_HIDDEN __attribute__((visibility("hidden")))

extern "C" {

// glibc 2.34 merged libpthread into libc and gave these functions a new
// version (GLIBC_2.34); libc still exports the old version of each, and
// before 2.34 libpthread (which Node links) did. Bind to the old one.
int ephem_pthread_create_old(pthread_t*, const pthread_attr_t*, void* (*)(void*), void*);
int ephem_pthread_join_old(pthread_t, void**);
int ephem_pthread_mutex_trylock_old(pthread_mutex_t*);
__asm__(".symver ephem_pthread_create_old, pthread_create@" EPHEM_GLIBC_BASE);
__asm__(".symver ephem_pthread_join_old, pthread_join@" EPHEM_GLIBC_BASE);
__asm__(".symver ephem_pthread_mutex_trylock_old, pthread_mutex_trylock@" EPHEM_GLIBC_BASE);

EPHEM_HIDDEN int pthread_create(pthread_t* t, const pthread_attr_t* attr, void* (*fn)(void*), void* arg) {
  return ephem_pthread_create_old(t, attr, fn, arg);
}
EPHEM_HIDDEN int pthread_join(pthread_t t, void** ret) { return ephem_pthread_join_old(t, ret); }
EPHEM_HIDDEN int pthread_mutex_trylock(pthread_mutex_t* m) { return ephem_pthread_mutex_trylock_old(m); }

#if __GLIBC_PREREQ(2, 33)
// glibc 2.33 turned stat, fstat, lstat and fstatat into exported functions
// (GLIBC_2.33); before, the headers inlined them as calls to the __xstat
// family, which every later glibc still exports. Do what those headers did.
// (With _FILE_OFFSET_BITS=64, as node-gyp builds, the calls are to the *64
// names; on these 64-bit targets struct stat64 is struct stat.)
int __xstat64(int ver, const char* path, struct stat64* buf);
int __lxstat64(int ver, const char* path, struct stat64* buf);
int __fxstat64(int ver, int fd, struct stat64* buf);
int __fxstatat64(int ver, int dirfd, const char* path, struct stat64* buf, int flags);

EPHEM_HIDDEN int stat64(const char* path, struct stat64* buf) { return __xstat64(EPHEM_STAT_VER, path, buf); }
EPHEM_HIDDEN int lstat64(const char* path, struct stat64* buf) { return __lxstat64(EPHEM_STAT_VER, path, buf); }
EPHEM_HIDDEN int fstat64(int fd, struct stat64* buf) { return __fxstat64(EPHEM_STAT_VER, fd, buf); }
EPHEM_HIDDEN int fstatat64(int dirfd, const char* path, struct stat64* buf, int flags) {
  return __fxstatat64(EPHEM_STAT_VER, dirfd, path, buf, flags);
}
#endif

// glibc 2.32's flag that lets libstdc++'s inline code skip atomics when the
// process has one thread. Ours says "not known to be single-threaded", which
// is always correct (atomics are used).
#if __GLIBC_PREREQ(2, 32)
EPHEM_HIDDEN char __libc_single_threaded = 0;
#endif

}  // extern "C"

#endif  // glibc on x86_64 or aarch64

#if defined(__GLIBCXX__)
// GCC 11+'s std::allocator calls this (GLIBCXX_3.4.29) when an array size
// overflows. Its base class's thrower has been exported since GLIBCXX_3.4;
// the addon is built without exceptions, so either one ends the process.
namespace std {
[[noreturn]] void __throw_bad_alloc();
[[noreturn]] __attribute__((visibility("hidden"))) void __throw_bad_array_new_length() { __throw_bad_alloc(); }
}  // namespace std
#endif
