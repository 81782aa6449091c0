// N-API surface of the removal and scan engines (tree.h). Each call dups the
// parent fd it is given (so the caller may close its handle at once) and
// runs the engine either on a libuv worker (returns a Promise) or on the
// calling thread (the *Sync variants). Results are plain objects with a
// `status` string; src/fs/remove-tree.ts turns them into errors.
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <limits>

#include "args.h"
#include "bindings.h"
#include "sys.h"
#include "tree.h"
#include "tree_options.h"

namespace ephem {
namespace {

const char* StatusName(tree::Status s) {
  switch (s) {
    case tree::Status::kOk: return "ok";
    case tree::Status::kIncomplete: return "incomplete";
    case tree::Status::kConcurrent: return "concurrent";
    case tree::Status::kBusy: return "busy";
    case tree::Status::kNotOurs: return "not-ours";
    case tree::Status::kProtected: return "protected";
    case tree::Status::kSystem: return "system";
    case tree::Status::kInvalid: return "invalid";
    case tree::Status::kAborted: return "aborted";
    case tree::Status::kMount: return "mount";
  }
  return "system";
}

// newCancelFlag() -> an opaque flag to pass as options.cancel
Napi::Value NewCancelFlag(const Napi::CallbackInfo& info) {
  auto* f = new tree::CancelFlag(tree::MakeCancelFlag());
  return CancelExternal::New(info.Env(), f, [](Napi::Env, tree::CancelFlag* p) { delete p; });
}

// cancel(flag): a removal or scan holding the flag stops at its next entry.
Napi::Value Cancel(const Napi::CallbackInfo& info) {
  Args args(info, "cancel");
  if (!args.External(0, "flag")) return Napi::Value();
  tree::CancelFlag* f = info[0].As<CancelExternal>().Data();
  if (f != nullptr && *f) (*f)->store(true);
  return info.Env().Undefined();
}

Napi::Array Strings(Napi::Env env, const std::vector<std::string>& v) {
  Napi::Array a = Napi::Array::New(env, v.size());
  for (size_t i = 0; i < v.size(); i++) a.Set((uint32_t)i, Napi::String::New(env, v[i]));
  return a;
}

// Sets o[key] to the kept paths and o[countKey] to how many there were.
void SetPaths(Napi::Object o, Napi::Env env, const char* key, const char* count_key, const tree::PathLog& log) {
  o.Set(key, Strings(env, log.kept));
  o.Set(count_key, Napi::Number::New(env, (double)log.count));
}

void SetError(Napi::Object o, Napi::Env env, tree::Status status, int err, const char* syscall,
              const std::string& path, const std::string& message) {
  o.Set("status", Napi::String::New(env, StatusName(status)));
  o.Set("errno", Napi::Number::New(env, err));
  o.Set("syscall", Napi::String::New(env, syscall ? syscall : ""));
  o.Set("path", Napi::String::New(env, path));
  o.Set("message", Napi::String::New(env, message));
}

Napi::Object ResultToObject(Napi::Env env, const tree::RemoveResult& r) {
  Napi::Object o = Napi::Object::New(env);
  SetError(o, env, r.status, r.err, r.syscall, r.path, r.message);
  o.Set("entriesRemoved", Napi::Number::New(env, (double)r.entries_removed));
  o.Set("directoriesRemoved", Napi::Number::New(env, (double)r.directories_removed));
  o.Set("complete", Napi::Boolean::New(env, r.complete));
  SetPaths(o, env, "mounts", "mountCount", r.mounts);
  SetPaths(o, env, "locked", "lockedCount", r.locked);
  const std::vector<tree::Failure>& kept = r.failures.kept;
  Napi::Array f = Napi::Array::New(env, kept.size());
  for (size_t i = 0; i < kept.size(); i++) {
    Napi::Object e = Napi::Object::New(env);
    e.Set("path", Napi::String::New(env, kept[i].path));
    e.Set("errno", Napi::Number::New(env, kept[i].err));
    e.Set("syscall", Napi::String::New(env, kept[i].syscall));
    f.Set((uint32_t)i, e);
  }
  o.Set("failures", f);
  o.Set("failureCount", Napi::Number::New(env, (double)r.failures.count));
  return o;
}

Napi::Object ResultToObject(Napi::Env env, const tree::ScanResult& r) {
  Napi::Object o = Napi::Object::New(env);
  SetError(o, env, r.status, r.err, r.syscall, r.path, r.message);
  o.Set("bytes", Napi::Number::New(env, (double)r.bytes));
  o.Set("entries", Napi::Number::New(env, (double)r.entries));
  o.Set("complete", Napi::Boolean::New(env, r.complete));
  o.Set("newestMtimeMs", Napi::Number::New(env, (double)r.newest_mtime_ns / 1e6));
  SetPaths(o, env, "mounts", "mountCount", r.mounts);
  return o;
}

Napi::Object InvalidResult(Napi::Env env, const std::string& why) {
  Napi::Object o = Napi::Object::New(env);
  SetError(o, env, tree::Status::kInvalid, -EINVAL, "", "", why);
  return o;
}

// The arguments of one tree call. Owns the dup'd parent fd, so it is closed
// however the call ends (on the calling thread, or with the worker).
template <class Options>
struct TreeCall {
  int fd = -1;
  std::string name;
  std::string display;
  Options opts;

  TreeCall() = default;
  TreeCall(TreeCall&& o) noexcept
      : fd(o.fd), name(std::move(o.name)), display(std::move(o.display)), opts(std::move(o.opts)) {
    o.fd = -1;
  }
  TreeCall(const TreeCall&) = delete;
  TreeCall& operator=(const TreeCall&) = delete;
  ~TreeCall() {
    if (fd >= 0) sys::Close(fd);
  }
};

// Reads (fd, name, display, options[, onProgress]) for either engine, the
// same way for the sync and async variants, and dups the fd. kInvalid sets
// *failure to the result to hand back (a NUL byte in a name, or a dup that
// failed); kThrown leaves a TypeError/RangeError pending (a wrong type).
template <class Options>
Read ReadCall(const Napi::CallbackInfo& info, const char* fn, TreeCall<Options>* call, Napi::Object* failure) {
  Napi::Env env = info.Env();
  Args args(info, fn);
  int dirfd;
  bool nul;
  if (!args.Fd(0, "dirfd", &dirfd) || !args.Name(1, "name", &call->name, &nul)) return Read::kThrown;
  if (!info[2].IsString()) {
    args.TypeFail("display", "of type string", info[2]);
    return Read::kThrown;
  }
  call->display = info[2].As<Napi::String>().Utf8Value();
  if (!args.OptionalObject(3, "options") || !args.OptionalFunction(4, "onProgress")) return Read::kThrown;
  std::string why;
  Read r = nul ? Read::kInvalid : Read::kOk;
  if (nul) why = "name must be a string or Buffer without NUL bytes";
  if (r == Read::kOk && info[3].IsObject()) r = ParseOptions(args, info[3].As<Napi::Object>(), &call->opts, &why);
  if (r == Read::kThrown) return r;
  if (r == Read::kInvalid) {
    *failure = InvalidResult(env, why);
    return r;
  }
  int fd = sys::Dup(dirfd);
  if (fd < 0) {
    *failure = InvalidResult(env, "cannot duplicate the parent directory fd");
    SetError(*failure, env, tree::Status::kSystem, fd, "dup", call->display, "cannot duplicate the parent directory fd");
    return Read::kInvalid;
  }
  call->fd = fd;
  return Read::kOk;
}

// What both workers share: the call they own and resolving the promise with
// the engine's result. `Base` is the N-API worker kind (with or without a
// progress queue); subclasses run the engine in Execute into result_.
template <class Base, class Options, class Result>
class TreeWorker : public Base {
 public:
  TreeWorker(Napi::Env env, const char* resource_name, TreeCall<Options>&& call)
      : Base(env, resource_name), deferred_(Napi::Promise::Deferred::New(env)), call_(std::move(call)) {}

  // Queues the worker (which deletes itself once settled) and returns its promise.
  Napi::Promise Start() {
    Napi::Promise p = deferred_.Promise();
    this->Queue();
    return p;
  }

 protected:
  void OnOK() override {
    Napi::HandleScope scope(this->Env());
    deferred_.Resolve(ResultToObject(this->Env(), result_));
  }
  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

  Napi::Promise::Deferred deferred_;
  TreeCall<Options> call_;
  Result result_;
};

class RemoveWorker
    : public TreeWorker<Napi::AsyncProgressQueueWorker<uint64_t>, tree::RemoveOptions, tree::RemoveResult> {
 public:
  RemoveWorker(Napi::Env env, TreeCall<tree::RemoveOptions>&& call, Napi::Value progress)
      : TreeWorker(env, "ephemdir:removeTree", std::move(call)) {
    if (progress.IsFunction()) progress_ = Napi::Persistent(progress.As<Napi::Function>());
    // A progress callback that throws stops the removal through this flag.
    if (!call_.opts.cancel) call_.opts.cancel = tree::MakeCancelFlag();
  }

 protected:
  void Execute(const ExecutionProgress& progress) override {
    if (!progress_.IsEmpty()) {
      call_.opts.on_progress = [&progress](uint64_t n) {
        progress.Send(&n, 1);
        return true;
      };
    }
    result_ = tree::RemoveTreeAt(call_.fd, call_.name, call_.display, call_.opts);
    call_.opts.on_progress = nullptr;
  }

  void OnProgress(const uint64_t* data, size_t count) override {
    if (count == 0 || progress_.IsEmpty()) return;
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    progress_.Call({Napi::Number::New(env, (double)data[count - 1])});
    if (env.IsExceptionPending()) {
      // The worker runs on; stop it at its next entry (src/fs/remove-tree.ts
      // catches the callback's own errors and cancels the same way).
      env.GetAndClearPendingException();
      call_.opts.cancel->store(true);
    }
  }

 private:
  Napi::FunctionReference progress_;
};

class ScanWorker : public TreeWorker<Napi::AsyncWorker, tree::ScanOptions, tree::ScanResult> {
 public:
  ScanWorker(Napi::Env env, TreeCall<tree::ScanOptions>&& call)
      : TreeWorker(env, "ephemdir:scanTree", std::move(call)) {}

 protected:
  void Execute() override { result_ = tree::ScanTreeAt(call_.fd, call_.name, call_.display, call_.opts); }
};

Napi::Value Resolved(Napi::Env env, Napi::Value v) {
  auto d = Napi::Promise::Deferred::New(env);
  d.Resolve(v);
  return d.Promise();
}

// removeTreeAt(fd, name, display, options, onProgress?) -> Promise<result>
Napi::Value RemoveTreeAsync(const Napi::CallbackInfo& info) {
  TreeCall<tree::RemoveOptions> call;
  Napi::Object failure;
  Read r = ReadCall(info, "removeTreeAt", &call, &failure);
  if (r == Read::kThrown) return Napi::Value();
  if (r == Read::kInvalid) return Resolved(info.Env(), failure);
  return (new RemoveWorker(info.Env(), std::move(call), info[4]))->Start();
}

// removeTreeAtSync(fd, name, display, options, onProgress?) -> result
Napi::Value RemoveTreeSync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  TreeCall<tree::RemoveOptions> call;
  Napi::Object failure;
  Read read = ReadCall(info, "removeTreeAtSync", &call, &failure);
  if (read == Read::kThrown) return Napi::Value();
  if (read == Read::kInvalid) return failure;
  Napi::Function cb;
  if (info.Length() > 4 && info[4].IsFunction()) {
    cb = info[4].As<Napi::Function>();
    call.opts.progress_on_caller_thread = true;
    call.opts.on_progress = [&env, &cb](uint64_t n) {
      Napi::HandleScope scope(env);
      cb.Call({Napi::Number::New(env, (double)n)});
      return !env.IsExceptionPending();
    };
  }
  tree::RemoveResult r = tree::RemoveTreeAt(call.fd, call.name, call.display, call.opts);
  if (env.IsExceptionPending()) return env.Undefined();  // the callback threw: rethrown to JS
  return ResultToObject(env, r);
}

// scanTreeAt(fd, name, display, options) -> Promise<result>
Napi::Value ScanTreeAsync(const Napi::CallbackInfo& info) {
  TreeCall<tree::ScanOptions> call;
  Napi::Object failure;
  Read r = ReadCall(info, "scanTreeAt", &call, &failure);
  if (r == Read::kThrown) return Napi::Value();
  if (r == Read::kInvalid) return Resolved(info.Env(), failure);
  return (new ScanWorker(info.Env(), std::move(call)))->Start();
}

// scanTreeAtSync(fd, name, display, options) -> result
Napi::Value ScanTreeSync(const Napi::CallbackInfo& info) {
  TreeCall<tree::ScanOptions> call;
  Napi::Object failure;
  Read r = ReadCall(info, "scanTreeAtSync", &call, &failure);
  if (r == Read::kThrown) return Napi::Value();
  if (r == Read::kInvalid) return failure;
  return ResultToObject(info.Env(), tree::ScanTreeAt(call.fd, call.name, call.display, call.opts));
}

}  // namespace

void InitTree(Napi::Env env, Napi::Object exports) {
  exports.Set("removeTreeAt", Napi::Function::New(env, RemoveTreeAsync));
  exports.Set("removeTreeAtSync", Napi::Function::New(env, RemoveTreeSync));
  exports.Set("scanTreeAt", Napi::Function::New(env, ScanTreeAsync));
  exports.Set("scanTreeAtSync", Napi::Function::New(env, ScanTreeSync));
  exports.Set("newCancelFlag", Napi::Function::New(env, NewCancelFlag));
  exports.Set("cancel", Napi::Function::New(env, Cancel));
}

}  // namespace ephem
