// The parallel driver: the root's queued subdirectories are handed out one
// at a time to walkers on their own threads, each with its own fd ring and
// a dup of the root fd as its base frame.
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
#include <memory>
#include <utility>

#include "remove_walker.h"

namespace ephem {
namespace tree {
namespace detail {

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
  size_t n = (size_t)threads < queue.size() ? (size_t)threads : queue.size();
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
