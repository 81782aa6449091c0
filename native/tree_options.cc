// The options readers of tree_options.h.
#include "tree_options.h"

#include <cmath>
#include <cstdint>
#include <limits>

#include "bindings.h"

namespace ephem {
namespace {

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

// Reads a name option (string or Buffer, raw bytes).
Read OptName(Args& args, const Napi::Value& v, const char* what, std::string* out, std::string* why) {
  if (!v.IsString() && !v.IsBuffer()) {
    args.TypeFail(what, "a string or Buffer", v);
    return Read::kThrown;
  }
  if (GetName(v, out)) return Read::kOk;
  *why = std::string(what) + " must not hold a NUL byte";
  return Read::kInvalid;
}

// options.cancel, when present: a flag made by newCancelFlag().
bool GetCancel(Args& args, const Napi::Object& o, tree::CancelFlag* out) {
  Napi::Value v = o.Get("cancel");
  if (v.IsUndefined() || v.IsNull()) return true;
  if (!v.IsExternal()) return args.TypeFail("options.cancel", "a flag made by newCancelFlag()", v);
  tree::CancelFlag* f = v.As<CancelExternal>().Data();
  if (f != nullptr) *out = *f;
  return true;
}

}  // namespace

// Reads the removal options (each type checked; numbers clamped to what
// the engine supports, as tree.h documents).
Read ParseOptions(Args& args, const Napi::Object& o, tree::RemoveOptions* out, std::string* why) {
  if (!GetCancel(args, o, &out->cancel) || !args.OptBool(o, "keepRoot", &out->keep_root) ||
      !args.OptBool(o, "emptyMount", &out->empty_mount) || !args.OptBool(o, "skipLocked", &out->skip_locked) ||
      !args.OptBool(o, "repairPermissions", &out->repair_permissions)) {
    return Read::kThrown;
  }
  if (out->empty_mount) out->keep_root = true;
  double rescans = 8, parallel = 1, open_dirs = 0, budget = 0, dev = -1, ino = -1;
  bool has_rescans, has_parallel, has_open_dirs, has_budget, has_dev, has_ino;
  if (!args.OptNumber(o, "maxRescans", &rescans, &has_rescans) ||
      !args.OptNumber(o, "parallel", &parallel, &has_parallel) ||
      !args.OptNumber(o, "maxOpenDirs", &open_dirs, &has_open_dirs) ||
      !args.OptNumber(o, "maxEntries", &budget, &has_budget) || !args.OptNumber(o, "expectDev", &dev, &has_dev) ||
      !args.OptNumber(o, "expectIno", &ino, &has_ino)) {
    return Read::kThrown;
  }
  out->max_rescans = ClampInt(rescans, 0, 1 << 20);
  out->parallel = ClampInt(parallel, 1, 64);
  out->max_open_dirs = ClampInt(open_dirs, 0, 4096);
  if (has_budget) {
    uint64_t b = ToU64(budget);
    out->max_entries = b < 1 ? 1 : b;
  }
  if (has_dev || has_ino) {
    out->expect.set = true;
    out->expect.dev = dev;
    out->expect.ino = ino;
  }
  Napi::Value last = o.Get("removeLast");
  if (!last.IsUndefined() && !last.IsNull()) {
    Read r = OptName(args, last, "options.removeLast", &out->remove_last, why);
    if (r != Read::kOk) return r;
    out->has_remove_last = true;
  }
  Napi::Value pv = o.Get("protect");
  if (!pv.IsUndefined() && !pv.IsNull()) {
    if (!pv.IsArray()) {
      args.TypeFail("options.protect", "an Array", pv);
      return Read::kThrown;
    }
    Napi::Array a = pv.As<Napi::Array>();
    for (uint32_t i = 0; i < a.Length(); i++) {
      std::string p;
      Read r = OptName(args, a.Get(i), "options.protect[]", &p, why);
      if (r != Read::kOk) return r;
      out->protect.push_back(std::move(p));
    }
  }
  return Read::kOk;
}

// Reads the scan options (each type checked; numbers clamped as tree.h says).
Read ParseOptions(Args& args, const Napi::Object& o, tree::ScanOptions* out, std::string* /*why*/) {
  const double inf = std::numeric_limits<double>::infinity();
  double me = inf, md = -1, t = -1, above = inf, open_dirs = 0;
  bool present;
  if (!GetCancel(args, o, &out->cancel) || !args.OptNumber(o, "maxEntries", &me, &present) ||
      !args.OptNumber(o, "maxDepth", &md, &present) || !args.OptNumber(o, "timeoutMs", &t, &present) ||
      !args.OptNumber(o, "stopAboveBytes", &above, &present) ||
      !args.OptNumber(o, "maxOpenDirs", &open_dirs, &present)) {
    return Read::kThrown;
  }
  out->max_entries = ToU64(me);
  out->max_depth = md < 0 || std::isnan(md) ? -1 : (md > 1e15 ? -1 : (int64_t)md);
  out->timeout_ms = t < 0 || std::isnan(t) || std::isinf(t) ? -1 : (int64_t)t;
  out->stop_above_bytes = ToU64(above);
  out->max_open_dirs = ClampInt(open_dirs, 0, 4096);
  return Read::kOk;
}

}  // namespace ephem
