// The parallel drivers, within the `parallel` threads of one removal
// (Shared::spare):
// - RunParallel: the root's queued subdirectories are handed out one at a
//   time to walkers on their own threads, each with its own fd ring and a
//   dup of the root fd as its base frame;
// - UnlinkSplit: the unlinks of one large directory, wherever it is in the
//   tree, are shared with helper threads while its walker reads it, so a
//   single directory of 200,000 files is not left to one thread.
//
// Why pthread_create, not std::thread or the libuv pool:
// - std::thread's constructor needs std::thread::_M_start_thread from
//   GLIBCXX_3.4.22 (GCC 6), above the prebuilds' GCC 5 floor, so the
//   addon would not load there (native/abi_floor.cc pins pthread_create
//   itself to its pre-2.34 glibc version instead);
// - the addon is built without exceptions: std::thread reports a failure to
//   start by throwing, which here aborts the process, whereas a failed
//   pthread_create (EAGAIN under a thread limit) only means fewer helpers:
//   the calling thread works the queue alone if need be;
// - the async removal already runs on a libuv pool thread, and the sync one
//   on the JS thread: queuing the helpers on the pool (4 threads by default,
//   shared with every fs call of the process) could wait on, or starve, the
//   very pool the caller is using.
#include <pthread.h>

#include <atomic>
#include <cerrno>
#include <memory>
#include <utility>

#include "remove_walker.h"

namespace ephem {
namespace tree {
namespace detail {

int Shared::TakeSpare(int want) {
  int have = spare.load();
  for (;;) {
    int take = have < want ? have : want;
    if (take <= 0) return 0;
    if (spare.compare_exchange_weak(have, have - take)) return take;
  }
}

// ---- UnlinkSplit ----

UnlinkSplit::~UnlinkSplit() {
  Finish();
  CloseFd(fd_);
}

int UnlinkSplit::Start(int helpers) {
  for (int k = 0; k < helpers; k++) {
    pthread_t t;
    // A thread that cannot start only means fewer helpers.
    if (pthread_create(&t, nullptr, Main, this) != 0) break;
    tids_.push_back(t);
  }
  return (int)tids_.size();
}

// GCC 12's libstdc++ exports std::condition_variable::wait at GLIBCXX_3.4.30,
// above the prebuilds' floor (abi_floor.cc, GLIBCXX_3.4.21), and the binary
// would not load on older systems. Waiting with pthread_cond_wait on the
// condition variable's own handle is the same wait, exported by every libc.
static void WaitOn(std::condition_variable& cv, std::unique_lock<std::mutex>& lk) {
  pthread_cond_wait(cv.native_handle(), lk.mutex()->native_handle());
}

void* UnlinkSplit::Main(void* self) {
  static_cast<UnlinkSplit*>(self)->Loop();
  return nullptr;
}

void UnlinkSplit::Loop() {
  std::unique_lock<std::mutex> lk(mu_);
  for (;;) {
    while (queue_.empty() && !closing_) WaitOn(work_, lk);
    if (queue_.empty()) return;  // closing and nothing left
    std::vector<std::string> batch = std::move(queue_.front());
    queue_.pop_front();
    busy_++;
    lk.unlock();
    Work(batch);
    lk.lock();
    busy_--;
    idle_.notify_all();
  }
}

// Unlinks one batch. Runs on any thread: touches only the shared counters,
// its own batch and (under mu_) problems_. After a stop the rest of the
// batch is left, as the serial walk leaves the rest of a directory.
void UnlinkSplit::Work(std::vector<std::string>& batch) {
  std::vector<std::string> failed;
  for (std::string& name : batch) {
    if (sh_.Stopped()) break;
    int r = sys::UnlinkAt(fd_, name.c_str(), false);
    if (r == 0) {
      sh_.Removed(false);
    } else if (r != -ENOENT) {
      failed.push_back(std::move(name));
    }
  }
  if (failed.empty()) return;
  std::lock_guard<std::mutex> lk(mu_);
  for (std::string& n : failed) problems_.push_back(std::move(n));
}

void UnlinkSplit::Add(std::string&& name) {
  if (cur_.empty()) cur_.reserve(kSplitChunk);
  cur_.push_back(std::move(name));
  if (cur_.size() < kSplitChunk) return;
  {
    std::lock_guard<std::mutex> lk(mu_);
    if (queue_.size() < kSplitQueued) {
      queue_.push_back(std::move(cur_));
      cur_.clear();
      work_.notify_one();
      return;
    }
  }
  // Every helper is busy and the queue is full: the reader unlinks this
  // batch itself rather than read further ahead (which bounds the memory).
  Work(cur_);
  cur_.clear();
}

void UnlinkSplit::TakeProblems(std::vector<std::string>* out) {
  std::lock_guard<std::mutex> lk(mu_);
  for (std::string& n : problems_) out->push_back(std::move(n));
  problems_.clear();
}

void UnlinkSplit::Finish() {
  if (!cur_.empty()) {
    Work(cur_);
    cur_.clear();
  }
  {
    std::unique_lock<std::mutex> lk(mu_);
    // The reader helps with what is left instead of only waiting.
    while (!queue_.empty()) {
      std::vector<std::string> batch = std::move(queue_.front());
      queue_.pop_front();
      lk.unlock();
      Work(batch);
      lk.lock();
    }
    while (busy_ > 0) WaitOn(idle_, lk);
    closing_ = true;
    work_.notify_all();
  }
  for (pthread_t t : tids_) pthread_join(t, nullptr);
  tids_.clear();
}

// ---- RunParallel ----

namespace {

struct WorkerArg {
  Walker* w;
  std::vector<Pending>* queue;
  std::atomic<size_t>* next;
  Shared* sh;
};

void WorkLoop(WorkerArg* a) {
  for (;;) {
    if (a->sh->Stopped()) return;
    size_t i = a->next->fetch_add(1);
    if (i >= a->queue->size()) return;
    a->w->stack().frames[0].subdirs.push_back(std::move((*a->queue)[i]));
    a->w->Drain();
  }
}

void* WorkerMain(void* arg) {
  WorkLoop(static_cast<WorkerArg*>(arg));
  return nullptr;
}

}  // namespace

void RunParallel(Shared& sh, Walker& main, int threads, int ring) {
  Frame& root = main.stack().frames[0];
  std::vector<Pending> queue = std::move(root.subdirs);
  root.subdirs.clear();
  std::atomic<size_t> next{0};
  (void)threads;  // the share left is in sh.spare
  size_t want = queue.size() - 1;
  int took = sh.TakeSpare(want > 64 ? 64 : (int)want);
  size_t n = (size_t)took + 1;
  std::vector<std::unique_ptr<Walker>> walkers;
  std::vector<WorkerArg> args(n);
  std::vector<pthread_t> tids;
  std::vector<size_t> started;
  for (size_t k = 1; k < n; k++) {
    int fd = sys::Dup(root.fd);
    if (fd < 0) break;
    std::unique_ptr<Walker> w(new Walker(sh, ring));
    Frame base;
    base.name = root.name;
    base.dev = root.dev;
    base.ino = root.ino;
    base.fd = fd;
    base.read_done = true;
    w->stack().path = main.stack().path;
    w->stack().Push(std::move(base));
    walkers.push_back(std::move(w));
  }
  for (size_t k = 0; k < walkers.size(); k++) {
    args[k] = WorkerArg{walkers[k].get(), &queue, &next, &sh};
    pthread_t t;
    // A thread that cannot start is skipped: the others (and this one) take its share.
    if (pthread_create(&t, nullptr, WorkerMain, &args[k]) == 0) {
      tids.push_back(t);
      started.push_back(k);
    }
  }
  WorkerArg mine{&main, &queue, &next, &sh};
  WorkLoop(&mine);
  for (pthread_t t : tids) pthread_join(t, nullptr);
  sh.GiveSpare(took);
  Frame& r = main.stack().frames[0];
  for (size_t k : started) {
    Walker& w = *walkers[k];
    Frame& b = w.stack().frames[0];
    r.blocked_fail = r.blocked_fail || b.blocked_fail;
    r.blocked_skip = r.blocked_skip || b.blocked_skip;
    main.failures.Merge(std::move(w.failures));
    main.mounts.Merge(std::move(w.mounts));
    main.locked.Merge(std::move(w.locked));
  }
}

}  // namespace detail
}  // namespace tree
}  // namespace ephem
