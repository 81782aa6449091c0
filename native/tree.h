// The removal and size-scan engines. Plain C++ over sys.h: no N-API, no
// exceptions, no native recursion. Both walk a tree through directory fds
// only, keep a bounded ring of ancestor fds (re-opening ".." and verifying
// its identity when they climb back past it), never follow a symlink and
// never cross a mount boundary.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace ephem {
namespace tree {

enum class Status {
  kOk,
  kIncomplete,   // entries could not be removed: see failures
  kConcurrent,   // a concurrent writer outlasted maxRescans, a directory moved, or a name was swapped
  kBusy,         // skipLocked and the root itself is locked
  kNotOurs,      // `expect` identity mismatch: nothing was touched
  kProtected,    // the target is, or is an ancestor of, a protected path
  kSystem,       // a system error on the root itself (err/syscall/path)
  kInvalid,      // a malformed argument
  kAborted,      // the progress callback asked to stop, or the cancel flag was set
  kMount,        // the root is a mount point or on another mount than its parent: nothing was touched
};

// Set from another thread (the JS thread: an AbortSignal, a throwing
// progress callback) to stop a walk at the next entry it looks at.
using CancelFlag = std::shared_ptr<std::atomic<bool>>;

// A fresh, unset flag. Not std::make_shared: with RTTI its control block
// calls _Sp_make_shared_tag::_S_eq, a GLIBCXX_3.4.26 symbol above the
// prebuilds' GCC 5 floor (see abi_floor.cc); a separate control block needs
// nothing newer.
inline CancelFlag MakeCancelFlag() { return CancelFlag(new std::atomic<bool>(false)); }

struct Failure {
  std::string path;     // display path (valid UTF-8; other bytes escaped)
  int err = 0;          // negative errno
  const char* syscall;  // static string
  // The name was replaced under us (a directory we were emptying became a
  // symlink or file, or kept flipping): the removal ends kConcurrent.
  bool concurrent = false;
};

// What a walk keeps of its failures, mounts and locked subtrees is bounded:
// a co-writer of the tree can plant any number of entries that fail, each
// with a path as long as the tree is deep (a 400-level tree of 255-byte
// names gives 100 KB paths), so keeping every one costs memory without
// bound. The first few are kept, each path cut to its last
// kMaxKeptPathBytes; every one is counted.
constexpr size_t kMaxKeptPaths = 100;
constexpr size_t kMaxKeptPathBytes = 4096;
constexpr size_t kMaxKeptBytes = 64 * 1024;

// `path` itself when short enough, else "..." and its last bytes (cut on a
// UTF-8 character boundary).
std::string KeptPath(const std::string& path);

struct FailureLog {
  std::vector<Failure> kept;  // the first ones, within kMaxKeptPaths and kMaxKeptBytes
  uint64_t count = 0;         // every failure
  size_t bytes = 0;           // path bytes held by `kept`
  bool has_concurrent = false;
  Failure first_concurrent{"", 0, "", true};  // the first failure that shows a swap

  void Add(Failure f);
  void Merge(FailureLog&& o);
};

struct PathLog {
  std::vector<std::string> kept;
  uint64_t count = 0;
  size_t bytes = 0;

  void Add(const std::string& path);
  void Merge(PathLog&& o);
};

struct Identity {
  bool set = false;
  // Compared as doubles, because that is how JS sees them.
  double dev = 0;
  double ino = 0;
};

struct RemoveOptions {
  bool keep_root = false;
  // The root may be a mount point (emptied, never removed: keep_root is set
  // with it); without it such a root is refused with kMount.
  bool empty_mount = false;
  bool skip_locked = false;
  bool repair_permissions = true;
  bool has_remove_last = false;
  std::string remove_last;
  int max_rescans = 8;
  int parallel = 1;
  int max_open_dirs = 0;  // per thread; 0 = derived from RLIMIT_NOFILE, at most 32
  // Work budget: once this many entries are removed, stop at the next safe
  // point (the root, and the removeLast marker, are left in place) and
  // return with complete = false. At least 1.
  uint64_t max_entries = UINT64_MAX;
  Identity expect;
  std::vector<std::string> protect;  // absolute paths; identity of each and its ancestors
  // Running count of removed entries, throttled (100 ms or 10,000 entries)
  // and serialised. Returning false aborts the removal (kAborted).
  std::function<bool(uint64_t)> on_progress;
  // When true, on_progress is only called from the thread that started the
  // removal (the sync binding calls into JS from it).
  bool progress_on_caller_thread = false;
  // Stops the removal at the next entry (kAborted), except once the finish
  // (removeLast marker, then the root) has begun.
  CancelFlag cancel;
};

struct RemoveResult {
  Status status = Status::kOk;
  uint64_t entries_removed = 0;      // everything unlinked, directories included
  uint64_t directories_removed = 0;  // the root included
  // True once the tree is gone (or emptied, keepRoot); false when max_entries
  // stopped it first, and after any failure.
  bool complete = true;
  PathLog mounts;                    // mount points left alone
  PathLog locked;                    // locked subtrees skipped (skipLocked)
  FailureLog failures;
  // For the fatal statuses (kConcurrent, kSystem, kBusy, kNotOurs, kProtected):
  int err = 0;
  const char* syscall = "";
  std::string path;
  std::string message;
};

// Removes `name` (one component) in `parent_fd`: a directory with all its
// contents, or the entry itself if it is not a directory (a symlink is
// never followed). `display` is the path used in messages only.
RemoveResult RemoveTreeAt(int parent_fd, const std::string& name, const std::string& display,
                          const RemoveOptions& opts);

struct ScanOptions {
  uint64_t max_entries = UINT64_MAX;
  int64_t max_depth = -1;  // -1: unlimited; 0: the root's own entries only
  int64_t timeout_ms = -1;
  uint64_t stop_above_bytes = UINT64_MAX;
  int max_open_dirs = 0;
  CancelFlag cancel;  // stops the scan at the next entry (kAborted)
};

struct ScanResult {
  Status status = Status::kOk;
  uint64_t bytes = 0;    // allocated bytes (st_blocks * 512), hard links counted once
  uint64_t entries = 0;  // entries below the root (the root itself not counted)
  bool complete = true;  // false when a limit stopped it or something was unreadable
  // The latest modification time (ns since the epoch) of the root and of
  // every entry counted below it (a directory not descended into, past
  // maxDepth, counts with its own mtime; mount points are not counted).
  int64_t newest_mtime_ns = 0;
  PathLog mounts;
  int err = 0;
  const char* syscall = "";
  std::string path;
  std::string message;
};

ScanResult ScanTreeAt(int parent_fd, const std::string& name, const std::string& display,
                      const ScanOptions& opts);

// A name as shown in messages: itself when valid UTF-8, else with every
// byte >= 0x80 written as \xNN (the same form as nameToString in TS).
std::string DisplayName(const std::string& raw);

}  // namespace tree
}  // namespace ephem
