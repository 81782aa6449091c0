// N-API surface of the removal and scan engines (tree.h). Each call dups the
// parent fd it is given (so the caller may close its handle at once) and
// runs the engine either on a libuv worker (returns a Promise) or on the
// calling thread (the *Sync variants). Results are plain objects with a
// `status` string; src/fs/remove-tree.ts turns them into errors.
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <limits>

#include "bindings.h"
#include "sys.h"
#include "tree.h"

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

bool Has(const Napi::Object& o, const char* key) {
  if (!o.Has(key)) return false;
  Napi::Value v = o.Get(key);
  return !v.IsUndefined() && !v.IsNull();
}

bool GetBool(const Napi::Object& o, const char* key, bool def) {
  return Has(o, key) ? o.Get(key).ToBoolean().Value() : def;
}

double GetNumber(const Napi::Object& o, const char* key, double def) {
  if (!Has(o, key)) return def;
  Napi::Value v = o.Get(key);
  return v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : def;
}

int ClampInt(double v, int lo, int hi) {
  if (std::isnan(v)) return lo;
  if (v < lo) return lo;
  if (v > hi) return hi;
  return (int)v;
}

uint64_t ToU64(double v) {
  if (std::isnan(v) || v < 0) return 0;
  if (v >= 18446744073709551615.0) return UINT64_MAX;
  return (uint64_t)v;
}

// A cancel flag as JS holds it: an External owning a reference to the flag
// the engine polls (the engine keeps its own reference for as long as it runs).
using CancelExternal = Napi::External<tree::CancelFlag>;

// options.cancel, when it is a flag made by newCancelFlag().
tree::CancelFlag GetCancel(const Napi::Object& o) {
  if (!Has(o, "cancel")) return nullptr;
  Napi::Value v = o.Get("cancel");
  if (!v.IsExternal()) return nullptr;
  tree::CancelFlag* f = v.As<CancelExternal>().Data();
  return f != nullptr ? *f : nullptr;
}

// newCancelFlag() -> an opaque flag to pass as options.cancel
Napi::Value NewCancelFlag(const Napi::CallbackInfo& info) {
  auto* f = new tree::CancelFlag(tree::MakeCancelFlag());
  return CancelExternal::New(info.Env(), f, [](Napi::Env, tree::CancelFlag* p) { delete p; });
}

// cancel(flag): a removal or scan holding the flag stops at its next entry.
Napi::Value Cancel(const Napi::CallbackInfo& info) {
  if (info.Length() > 0 && info[0].IsExternal()) {
    tree::CancelFlag* f = info[0].As<CancelExternal>().Data();
    if (f != nullptr && *f) (*f)->store(true);
  }
  return info.Env().Undefined();
}

// Reads the options object; false (with *why) when malformed.
bool ParseOptions(const Napi::Value& v, tree::RemoveOptions* out, std::string* why) {
  if (!v.IsObject()) return true;
  Napi::Object o = v.As<Napi::Object>();
  out->cancel = GetCancel(o);
  out->keep_root = GetBool(o, "keepRoot", false);
  out->empty_mount = GetBool(o, "emptyMount", false);
  if (out->empty_mount) out->keep_root = true;
  out->skip_locked = GetBool(o, "skipLocked", false);
  out->repair_permissions = GetBool(o, "repairPermissions", true);
  out->max_rescans = ClampInt(GetNumber(o, "maxRescans", 8), 0, 1 << 20);
  out->parallel = ClampInt(GetNumber(o, "parallel", 1), 1, 64);
  out->max_open_dirs = ClampInt(GetNumber(o, "maxOpenDirs", 0), 0, 4096);
  if (Has(o, "maxEntries")) {
    uint64_t budget = ToU64(GetNumber(o, "maxEntries", std::numeric_limits<double>::infinity()));
    out->max_entries = budget < 1 ? 1 : budget;
  }
  if (Has(o, "removeLast")) {
    if (!GetName(o.Get("removeLast"), &out->remove_last)) {
      *why = "removeLast must be a string or Buffer without NUL bytes";
      return false;
    }
    out->has_remove_last = true;
  }
  if (Has(o, "expectDev") || Has(o, "expectIno")) {
    out->expect.set = true;
    out->expect.dev = GetNumber(o, "expectDev", -1);
    out->expect.ino = GetNumber(o, "expectIno", -1);
  }
  if (Has(o, "protect")) {
    Napi::Value pv = o.Get("protect");
    if (!pv.IsArray()) {
      *why = "protect must be an array of paths";
      return false;
    }
    Napi::Array a = pv.As<Napi::Array>();
    for (uint32_t i = 0; i < a.Length(); i++) {
      std::string p;
      if (!GetName(a.Get(i), &p)) {
        *why = "protect must hold strings without NUL bytes";
        return false;
      }
      out->protect.push_back(std::move(p));
    }
  }
  return true;
}

// Scan options have no malformed form; `why` keeps the signature of the
// removal parser so ReadCall can take either.
bool ParseOptions(const Napi::Value& v, tree::ScanOptions* out, std::string* /*why*/) {
  if (!v.IsObject()) return true;
  Napi::Object o = v.As<Napi::Object>();
  out->cancel = GetCancel(o);
  double me = GetNumber(o, "maxEntries", std::numeric_limits<double>::infinity());
  out->max_entries = ToU64(me);
  double md = GetNumber(o, "maxDepth", -1);
  out->max_depth = md < 0 || std::isnan(md) ? -1 : (md > 1e15 ? -1 : (int64_t)md);
  double t = GetNumber(o, "timeoutMs", -1);
  out->timeout_ms = t < 0 || std::isnan(t) || std::isinf(t) ? -1 : (int64_t)t;
  out->stop_above_bytes = ToU64(GetNumber(o, "stopAboveBytes", std::numeric_limits<double>::infinity()));
  out->max_open_dirs = ClampInt(GetNumber(o, "maxOpenDirs", 0), 0, 4096);
  return true;
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

// Common argument reading: (fd, name, display, options[, onProgress]).
// Returns a dup of fd (>= 0) or -errno.
int ReadCommon(const Napi::CallbackInfo& info, std::string* name, std::string* display, std::string* why) {
  if (info.Length() < 3 || !info[0].IsNumber()) {
    *why = "expected (fd, name, display, options)";
    return -EINVAL;
  }
  if (!GetName(info[1], name)) {
    *why = "name must be a string or Buffer without NUL bytes";
    return -EINVAL;
  }
  if (info[2].IsString()) *display = info[2].As<Napi::String>().Utf8Value();
  int fd = sys::Dup(info[0].As<Napi::Number>().Int32Value());
  if (fd < 0) *why = "cannot duplicate the parent directory fd";
  return fd;
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

// Reads (fd, name, display, options) for either engine, the same way for
// the sync and async variants. False with *failure set to the result to
// hand back when an argument is malformed or the fd cannot be duplicated.
template <class Options>
bool ReadCall(const Napi::CallbackInfo& info, TreeCall<Options>* call, Napi::Object* failure) {
  Napi::Env env = info.Env();
  std::string why;
  if (!ParseOptions(info[3], &call->opts, &why)) {
    *failure = InvalidResult(env, why);
    return false;
  }
  int fd = ReadCommon(info, &call->name, &call->display, &why);
  if (fd < 0) {
    *failure = InvalidResult(env, why);
    if (fd != -EINVAL) SetError(*failure, env, tree::Status::kSystem, fd, "dup", call->display, why);
    return false;
  }
  call->fd = fd;
  return true;
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
  if (!ReadCall(info, &call, &failure)) return Resolved(info.Env(), failure);
  return (new RemoveWorker(info.Env(), std::move(call), info[4]))->Start();
}

// removeTreeAtSync(fd, name, display, options, onProgress?) -> result
Napi::Value RemoveTreeSync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  TreeCall<tree::RemoveOptions> call;
  Napi::Object failure;
  if (!ReadCall(info, &call, &failure)) return failure;
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
  if (!ReadCall(info, &call, &failure)) return Resolved(info.Env(), failure);
  return (new ScanWorker(info.Env(), std::move(call)))->Start();
}

// scanTreeAtSync(fd, name, display, options) -> result
Napi::Value ScanTreeSync(const Napi::CallbackInfo& info) {
  TreeCall<tree::ScanOptions> call;
  Napi::Object failure;
  if (!ReadCall(info, &call, &failure)) return failure;
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
