// Internal to the removal engine: the state one removal shares between its
// threads, and the single-threaded walker that empties a subtree.
#pragma once

#include <pthread.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tree.h"
#include "tree_stack.h"

namespace ephem {
namespace tree {
namespace detail {

using Clock = std::chrono::steady_clock;

// State shared by the threads of one removal: counters, the first fatal
// status (which stops every thread), and progress throttling.
struct Shared {
  Shared(const RemoveOptions& o, const RootInfo& r);

  const RemoveOptions& opts;
  RootInfo root;
  uid_t euid;
  std::atomic<uint64_t> entries{0};
  std::atomic<uint64_t> dirs{0};
  std::atomic<bool> abort{false};
  std::atomic<bool> budget_hit{false};  // opts.max_entries reached (abort is set too)
  std::atomic<bool> finishing{false};   // marker and root are next: the budget no longer applies
  // Threads beyond the caller's that may still be started (parallel - 1):
  // taken by RunParallel's walkers and by an UnlinkSplit, given back when
  // they end, so one removal never runs more than `parallel` threads.
  std::atomic<int> spare{0};

  // Takes up to `want` spare threads; returns how many were taken.
  int TakeSpare(int want);
  void GiveSpare(int n) { spare.fetch_add(n); }

  std::mutex mu;
  Status fatal = Status::kOk;
  int fatal_err = 0;
  const char* fatal_syscall = "";
  std::string fatal_path;
  std::string fatal_msg;

  std::mutex pmu;
  std::thread::id caller;
  uint64_t last_n = 0;
  Clock::time_point last_t;

  // Records the first fatal status and stops every thread.
  void Fatal(Status s, int err, const char* syscall, const std::string& path, const std::string& msg);
  // Counts one removed entry (and reports progress now and then); stops
  // every thread once the work budget is spent.
  void Removed(bool dir);
  // True once the removal must stop: a fatal status, the budget, or the
  // caller's cancel flag (which this turns into kAborted).
  bool Stopped();
  // Calls on_progress if enough has happened since the last call (always with force).
  void Tick(bool force);
};

// The message of a directory a concurrent writer kept refilling: "entries
// kept appearing in PATH while it was being removed (gave up after N
// rescans)"; `emptying` says "emptied" (keepRoot's root).
std::string RescanLimitMessage(const std::string& path, bool emptying, int rescans);

// The repair of a directory that could not be opened for lack of permission,
// the same for the root and for every subdirectory: through `anchor` (opened
// on it), check that it is a directory owned by `euid` that `may_repair`
// accepts (the inode listed, the same mount; the root's refusals), chmod it
// 0700, open it again with `open_dir` and check it is still the directory
// that was repaired. An fd, or -errno with *syscall naming the step: -EACCES
// when it is not ours to repair, -ESTALE when it was replaced between the
// chmod and the open.
template <class MayRepair, class OpenDir>
int RepairAnchored(const sys::RepairAnchor& anchor, uid_t euid, MayRepair may_repair, OpenDir open_dir,
                   const char** syscall) {
  sys::Stat s;
  int r = anchor.StatIt(&s);
  if (r < 0) return r;
  if (!S_ISDIR(s.mode) || s.uid != euid || !may_repair(s)) return -EACCES;  // not ours to repair
  r = anchor.Chmod(0700);
  if (r < 0) {
    *syscall = "chmod";
    return r;
  }
  int fd = open_dir();
  if (fd >= 0) {
    sys::Stat again;
    if (sys::StatFd(fd, &again) < 0 || again.dev != s.dev || again.ino != s.ino) {
      CloseFd(fd);
      fd = -ESTALE;
    }
  }
  return fd;
}

// The unlink work of one large directory split across threads: the walker
// reading it hands over batches of non-directory names; helper threads
// unlinkat them relative to a dup of the same directory fd (never following
// a symlink: unlinkat removes the link itself). Anything but success or
// ENOENT is handed back, and the reader runs it through its own serial path
// (UnlinkNonDir: permission repair, a directory swapped in, the failure
// record), so every frame's state stays on one thread. Memory is bounded:
// at most kSplitQueued batches of kSplitChunk names wait, and the reader
// works a batch itself when they are all taken (remove_parallel.cc).
constexpr size_t kSplitChunk = 256;
constexpr size_t kSplitQueued = 8;
// A directory is split once its read has seen this many entries (a smaller
// one is not worth starting threads for).
constexpr uint64_t kSplitThreshold = 2048;

class UnlinkSplit {
 public:
  // `dirfd` (a dup, owned and closed here) is the directory being read.
  UnlinkSplit(Shared& sh, int dirfd) : sh_(sh), fd_(dirfd) {}
  ~UnlinkSplit();
  UnlinkSplit(const UnlinkSplit&) = delete;
  UnlinkSplit& operator=(const UnlinkSplit&) = delete;

  // Starts up to `helpers` threads; how many started (0: not split).
  int Start(int helpers);
  // Adds a non-directory name to be unlinked.
  void Add(std::string&& name);
  // Moves the names whose unlink failed (other than ENOENT) into *out.
  void TakeProblems(std::vector<std::string>* out);
  // Hands over the last batch, waits until every batch is worked, joins
  // the helpers; then TakeProblems has the rest.
  void Finish();

 private:
  Shared& sh_;
  int fd_;
  std::mutex mu_;
  std::condition_variable work_;  // a batch was queued, or closing
  std::condition_variable idle_;  // a batch was finished
  std::deque<std::vector<std::string>> queue_;
  std::vector<std::string> cur_;
  std::vector<std::string> problems_;
  std::vector<pthread_t> tids_;
  size_t busy_ = 0;
  bool closing_ = false;

  static void* Main(void* self);
  void Loop();
  void Work(std::vector<std::string>& batch);
};

// Removes everything below the base frame of its stack, one level at a time.
class Walker {
 public:
  Walker(Shared& sh, int ring) : sh_(sh), st_(ring) {}

  Stack& stack() { return st_; }
  FailureLog failures;
  PathLog mounts;
  PathLog locked;

  // Reads the top frame from the start: unlinks what is not a directory,
  // queues subdirectories. Returns how many entries it saw.
  uint64_t ReadPass(bool is_root);

  // Works the stack down until only the base frame is left with nothing
  // queued (the base frame itself is not removed).
  void Drain();

  // Removes a non-directory entry of frame `fi`; a directory found instead
  // is queued.
  void UnlinkNonDir(size_t fi, Pending p);

 private:
  Shared& sh_;
  Stack st_;
  std::vector<sys::DirEntry> batch_;
  UnlinkSplit* split_ = nullptr;  // set while a large directory's unlinks are split
  int split_spares_ = 0;          // the spare threads split_ holds

  // When the removal may use more threads, splits the unlinks of frame
  // fi's directory from here on.
  void MaybeSplit(size_t fi, std::unique_ptr<UnlinkSplit>* holder);
  // Runs the names the split handed back through UnlinkNonDir.
  void RetryProblems(size_t fi);
  // Waits for the split's helpers, retries what they handed back, and
  // gives their threads back.
  void EndSplit(size_t fi, std::unique_ptr<UnlinkSplit>* holder);

  void Fail(size_t fi, const std::string& path, const std::string& name, int err, const char* syscall,
            bool concurrent = false);
  // A failure on `name` in frame `fi` that shows the name was swapped under us.
  void FailSwapped(size_t fi, const std::string& name, int err, const char* syscall);
  // Works one listed entry unless it is the removeLast marker or failed before.
  bool Consider(size_t fi, const sys::DirEntry& e, bool skip_last);
  uint64_t ReadSortedBatches(size_t fi, sys::DirReader* rd, bool skip_last);
  void HandleEntry(size_t fi, const sys::DirEntry& e);
  void Mount(size_t fi, const std::string& name);
  void OpenChild(size_t fi, Pending p);
  void PopDone();

  struct Visit;  // the Walk client (remove_walker.cc)

  // Permission repair (remove_repair.cc). RepairSelf: chmod 0700 frame fi's
  // own directory, once, if the caller owns it and it is still the
  // directory recorded. RepairOpen: opening the listed subdirectory `p`
  // failed with EACCES: anchor it (repairing frame fi first if even that is
  // refused) and RepairAnchored it.
  bool RepairSelf(size_t fi);
  int RepairOpen(size_t fi, const Pending& p, const char** syscall);

  // rm-rf.c's unlinkat_harder: runs `op` (a syscall on an entry of frame
  // fi's directory) and, when it fails with EACCES, repairs that directory
  // (RepairSelf) and runs it once more. Only EACCES: EPERM comes from a
  // sticky directory or an immutable entry, which no chmod of ours changes.
  template <class Op>
  int Harder(size_t fi, Op op) {
    int r = op();
    if (r == -EACCES && RepairSelf(fi)) r = op();
    return r;
  }
};

// Runs the queued subdirectories of `main`'s root frame on up to `threads`
// walkers (remove_parallel.cc), merging their failures into `main`.
void RunParallel(Shared& sh, Walker& main, int threads, int ring);

}  // namespace detail
}  // namespace tree
}  // namespace ephem
