// The argument readers of args.h.
#include "args.h"

#include <cmath>
#include <cstdio>

namespace ephem {

namespace {

// "type string", "null", "an instance of Array"... as Node says it.
std::string Describe(const Napi::Value& v) {
  if (v.IsUndefined()) return "undefined";
  if (v.IsNull()) return "null";
  if (v.IsNumber()) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "type number (%.17g)", v.As<Napi::Number>().DoubleValue());
    return buf;
  }
  if (v.IsBoolean()) return v.As<Napi::Boolean>().Value() ? "type boolean (true)" : "type boolean (false)";
  if (v.IsString()) return "type string";
  if (v.IsBuffer()) return "an instance of Buffer";
  if (v.IsArray()) return "an instance of Array";
  if (v.IsFunction()) return "type function";
  if (v.IsExternal()) return "type external";
  if (v.IsBigInt()) return "type bigint";
  if (v.IsSymbol()) return "type symbol";
  return "type object";
}

bool IsAbsent(const Napi::Value& v) { return v.IsUndefined() || v.IsNull(); }

}  // namespace

bool Args::TypeFail(const std::string& what, const char* expected, const Napi::Value& v) {
  std::string msg = "The \"" + what + "\" argument of " + fn_ + " must be " + expected + ". Received " + Describe(v);
  napi_throw_type_error(info_.Env(), "ERR_INVALID_ARG_TYPE", msg.c_str());
  return false;
}

bool Args::RangeFail(const std::string& what, const std::string& bounds, const Napi::Value& v) {
  std::string msg = "The value of \"" + what + "\" (" + fn_ + ") is out of range. It must be " + bounds +
                    ". Received " + Describe(v);
  napi_throw_range_error(info_.Env(), "ERR_OUT_OF_RANGE", msg.c_str());
  return false;
}

bool Args::Int(size_t i, const char* what, int64_t lo, int64_t hi, int64_t* out) {
  Napi::Value v = info_[i];
  if (!v.IsNumber()) return TypeFail(what, "of type number", v);
  double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= (double)lo && d <= (double)hi) || std::trunc(d) != d) {
    return RangeFail(what, "an integer >= " + std::to_string(lo) + " and <= " + std::to_string(hi), v);
  }
  *out = (int64_t)d;
  return true;
}

bool Args::Int32(size_t i, const char* what, int32_t lo, int32_t hi, int* out) {
  int64_t v;
  if (!Int(i, what, lo, hi, &v)) return false;
  *out = (int)v;
  return true;
}

bool Args::Fd(size_t i, const char* what, int* out) { return Int32(i, what, 0, INT32_MAX, out); }

bool Args::Bool(size_t i, const char* what, bool* out) {
  Napi::Value v = info_[i];
  if (!v.IsBoolean()) return TypeFail(what, "of type boolean", v);
  *out = v.As<Napi::Boolean>().Value();
  return true;
}

bool Args::Name(size_t i, const char* what, std::string* out, bool* has_nul) {
  Napi::Value v = info_[i];
  if (v.IsBuffer()) {
    auto buf = v.As<Napi::Buffer<char>>();
    out->assign(buf.Data(), buf.Length());
  } else if (v.IsString()) {
    *out = v.As<Napi::String>().Utf8Value();
  } else {
    return TypeFail(what, "a string or Buffer", v);
  }
  *has_nul = out->find('\0') != std::string::npos;
  return true;
}

bool Args::Array(size_t i, const char* what, Napi::Array* out) {
  Napi::Value v = info_[i];
  if (!v.IsArray()) return TypeFail(what, "an Array", v);
  *out = v.As<Napi::Array>();
  return true;
}

bool Args::External(size_t i, const char* what) {
  Napi::Value v = info_[i];
  if (!v.IsExternal()) return TypeFail(what, "a handle made by the addon", v);
  return true;
}

bool Args::OptionalFunction(size_t i, const char* what) {
  Napi::Value v = info_[i];
  if (v.IsUndefined() || v.IsFunction()) return true;
  return TypeFail(what, "of type function", v);
}

bool Args::OptionalObject(size_t i, const char* what) {
  Napi::Value v = info_[i];
  if (v.IsUndefined() || (v.IsObject() && !v.IsArray() && !v.IsFunction())) return true;
  return TypeFail(what, "of type object", v);
}

bool Args::OptBool(const Napi::Object& o, const char* key, bool* out) {
  Napi::Value v = o.Get(key);
  if (IsAbsent(v)) return true;
  if (!v.IsBoolean()) return TypeFail(std::string("options.") + key, "of type boolean", v);
  *out = v.As<Napi::Boolean>().Value();
  return true;
}

bool Args::OptNumber(const Napi::Object& o, const char* key, double* out, bool* present) {
  Napi::Value v = o.Get(key);
  *present = !IsAbsent(v);
  if (!*present) return true;
  if (!v.IsNumber()) return TypeFail(std::string("options.") + key, "of type number", v);
  *out = v.As<Napi::Number>().DoubleValue();
  return true;
}

}  // namespace ephem
