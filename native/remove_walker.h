// Internal to the removal engine: the state one removal shares between its
// threads, and the single-threaded walker that empties a subtree.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstdint>
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

  // Permission repair (remove_repair.cc).
  bool RepairSelf(size_t fi);
  int RepairOpen(size_t fi, const Pending& p, const char** syscall);
};

// Runs the queued subdirectories of `main`'s root frame on up to `threads`
// walkers (remove_parallel.cc), merging their failures into `main`.
void RunParallel(Shared& sh, Walker& main, int threads, int ring);

}  // namespace detail
}  // namespace tree
}  // namespace ephem
