// The audited syscall surface of ephemdir. Everything here works on numeric
// file descriptors and single path components; nothing resolves a path string
// from the current directory. Every fd we create carries O_CLOEXEC.
//
// Functions return 0 (or an fd) on success and -errno on failure, so that
// callers on worker threads never need errno or the JS environment.
#pragma once

#include <cstdint>
#include <cstddef>
#include <string>

#if !defined(__linux__) && !defined(__APPLE__)
#error "ephemdir's native layer supports Linux and macOS only"
#endif

namespace ephem {
namespace sys {

// "linux" or "darwin": the platform this file set was built for.
extern const char kPlatform[];

// What this kernel gave us, probed once per process.
struct Capabilities {
  bool openat2 = false;          // Linux >= 5.6 and not blocked by seccomp
  bool statx = false;            // Linux >= 4.11
  bool mnt_id = false;           // STATX_MNT_ID (Linux >= 5.8)
  bool mnt_id_unique = false;    // STATX_MNT_ID_UNIQUE (Linux >= 6.8)
  bool mnt_id_fdinfo = false;    // /proc/self/fdinfo mnt_id fallback works
  bool renameat2_noreplace = false;  // renameat2/renameatx_np exclusive rename
  bool fchmodat2 = false;        // fchmodat2(AT_EMPTY_PATH) on an O_PATH fd
  bool o_path = false;           // O_PATH exists (Linux)
  bool nofollow_any = false;     // macOS O_NOFOLLOW_ANY
};
const Capabilities& Caps();

// Mount identity of an open fd. `unique` is true when the id can never be
// reused (STATX_MNT_ID_UNIQUE); otherwise ids may be recycled after unmount.
// On macOS the id is derived from fstatfs' f_fsid and st_dev.
struct MountId {
  uint64_t id = 0;
  bool unique = false;
};
int GetMountId(int fd, MountId* out);

struct Stat {
  uint64_t dev = 0;
  uint64_t ino = 0;
  uint32_t mode = 0;
  uint32_t uid = 0;
  uint32_t gid = 0;
  uint64_t nlink = 0;
  int64_t size = 0;
  int64_t blocks = 0;  // 512-byte units
  int64_t atime_ns = 0, mtime_ns = 0, ctime_ns = 0, btime_ns = 0;
  bool has_btime = false;
  bool has_mnt_id = false;
  bool mnt_id_unique = false;
  uint64_t mnt_id = 0;
  int mount_root = -1;  // 1 yes, 0 no, -1 unknown
};

// fstatat(dirfd, name, AT_SYMLINK_NOFOLLOW) via statx where available.
// With name == "" it stats dirfd itself (AT_EMPTY_PATH / fstat).
int StatAt(int dirfd, const char* name, Stat* out);
int StatFd(int fd, Stat* out);

// Opens the directory `name` (one component) under dirfd: never follows a
// symlink, never crosses a mount when no_xdev is set (openat2
// RESOLVE_NO_XDEV, else a mount id comparison done by the caller).
// ENOTDIR or ELOOP means "not a directory" (a symlink, a file).
int OpenDirAt(int dirfd, const char* name, bool no_xdev);
// An anchoring handle: O_PATH|O_NOFOLLOW on Linux (works on mode-000
// directories of ours, and needs only search permission on dirfd);
// O_SEARCH where macOS has it for a directory, else O_RDONLY|O_NOFOLLOW.
int OpenPathAt(int dirfd, const char* name, bool directory);
// openat with O_NOFOLLOW|O_CLOEXEC always added.
int OpenAt(int dirfd, const char* name, int flags, int mode);
// Opens the file `child` of the directory `name` under dirfd (two single
// components) in one openat2 call: no symlink followed (ELOOP), nothing
// outside dirfd, no mount crossed; O_NOFOLLOW|O_CLOEXEC added. -ENOSYS where
// openat2 is unavailable: the caller opens the directory first.
int OpenChildAt(int dirfd, const char* name, const char* child, int flags);

int UnlinkAt(int dirfd, const char* name, bool remove_dir);
int MkdirAt(int dirfd, const char* name, int mode);
// flags: 0, or kRenameNoReplace, or kRenameExchange.
enum { kRenameNoReplace = 1, kRenameExchange = 2 };
int RenameAt(int olddir, const char* oldname, int newdir, const char* newname, int flags);
// op: LOCK_SH / LOCK_EX / LOCK_UN, optionally | LOCK_NB. Contention -> -EWOULDBLOCK.
int Flock(int fd, int op);
int Fsync(int fd);
int Close(int fd);
// chmod through an anchoring fd (O_PATH on Linux) without resolving any path.
int FchmodFd(int fd, int mode);
int Dup(int fd);
// readlinkat of one component; fills *out with the raw target bytes.
int ReadlinkAt(int dirfd, const char* name, std::string* out);
// Whether working a directory's entries in inode-number order is worth a
// sort on the filesystem of `fd`: false where inodes live in memory
// (tmpfs, ramfs), true otherwise (and when fstatfs fails).
bool InodeOrderHelps(int fd);

// A handle through which the mode of the directory `name` in dirfd can be
// changed without resolving the name again, so that a name swapped after its
// identity was checked is never chmodded. Linux: an O_PATH fd of the entry
// (needs only search permission on dirfd; works on a mode-000 directory).
// macOS has no O_PATH for an unreadable directory: the name in dirfd stands
// in, and only while dirfd is owned by `owner` and writable by no one else,
// so no other user can swap the name between the check and the chmod;
// otherwise Open fails with -EACCES.
class RepairAnchor {
 public:
  RepairAnchor() = default;
  ~RepairAnchor();
  RepairAnchor(const RepairAnchor&) = delete;
  RepairAnchor& operator=(const RepairAnchor&) = delete;

  // 0 or -errno (ENOTDIR: not a directory, never a symlink followed).
  int Open(int dirfd, const char* name, uint32_t owner);
  // lstat of the anchored directory.
  int StatIt(Stat* out) const;
  int Chmod(int mode) const;

 private:
  int fd_ = -1;       // Linux: the O_PATH fd (owned)
  int dirfd_ = -1;    // macOS: the parent (borrowed) ...
  std::string name_;  // ... and the name in it
};

// Streaming directory reader over an fd we own (the reader takes ownership
// of a dup, so the caller's fd position is irrelevant).
struct DirEntry {
  std::string name;
  unsigned char type;  // DT_* from d_type; DT_UNKNOWN when the fs does not say
  uint64_t ino;
};
class DirReader {
 public:
  // Takes a dup of `fd`; returns nullptr and sets *err on failure.
  static DirReader* Open(int fd, int* err);
  ~DirReader();
  // Fills up to `max` entries (skipping "." and ".."). Returns the count, 0 at
  // the end, or -errno. ENOENT (directory removed under us) reads as the end.
  int Next(DirEntry* out, int max);
  // Rewind to the start, for a rescan after a concurrent writer.
  int Rewind();
  int fd() const { return fd_; }

 private:
  struct State;  // the per-OS reading state (dir_reader_<os>.cc)
  DirReader() = default;
  int fd_ = -1;
  State* state_ = nullptr;
};

}  // namespace sys
}  // namespace ephem
