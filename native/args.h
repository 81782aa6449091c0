// Argument checks for every binding (fs_bindings.cc, fs_batch.cc,
// tree_bindings.cc), done before any syscall. With C++ exceptions off,
// `As<Napi::Number>()` on a string reads as 0 with an exception pending and
// the call would go on (close('x') closed stdin): so each reader below
// checks the type and range first and, when they are wrong, throws what
// Node's own fs throws and returns false; the binding then returns at once.
//
//   wrong type      TypeError  code ERR_INVALID_ARG_TYPE
//   out of range    RangeError code ERR_OUT_OF_RANGE (not an integer, or
//                              outside the bounds named in the message)
//
// A name of the right type holding a NUL byte is not thrown: the syscall
// layer refuses it as it refuses "a/b" (-EINVAL), and callers rely on that.
#pragma once

#include <napi.h>

#include <cstdint>
#include <string>

namespace ephem {

class Args {
 public:
  // `fn` names the binding in messages ("openDirAt").
  Args(const Napi::CallbackInfo& info, const char* fn) : info_(info), fn_(fn) {}

  Napi::Env Env() const { return info_.Env(); }
  Napi::Value operator[](size_t i) const { return info_[i]; }

  // A file descriptor: an integer from 0 to 2^31 - 1.
  bool Fd(size_t i, const char* what, int* out);
  // An integer within [lo, hi].
  bool Int(size_t i, const char* what, int64_t lo, int64_t hi, int64_t* out);
  bool Int32(size_t i, const char* what, int32_t lo, int32_t hi, int* out);
  bool Bool(size_t i, const char* what, bool* out);
  // A string or Buffer, as raw bytes. *has_nul tells whether it holds a NUL
  // byte (the caller answers -EINVAL, as the syscall layer would).
  bool Name(size_t i, const char* what, std::string* out, bool* has_nul);
  bool Array(size_t i, const char* what, Napi::Array* out);
  bool External(size_t i, const char* what);
  // Absent (undefined) is allowed; anything else must be a function.
  bool OptionalFunction(size_t i, const char* what);
  // Absent (undefined) is allowed; anything else must be an object.
  bool OptionalObject(size_t i, const char* what);

  // The same checks for a property of an options object; absent (undefined
  // or null) leaves *out alone and passes.
  bool OptBool(const Napi::Object& o, const char* key, bool* out);
  bool OptNumber(const Napi::Object& o, const char* key, double* out, bool* present);

  // Throws the TypeError of a value of the wrong type (`expected`: "of type
  // number", "a string or Buffer") and returns false.
  bool TypeFail(const std::string& what, const char* expected, const Napi::Value& v);
  bool RangeFail(const std::string& what, const std::string& bounds, const Napi::Value& v);

 private:
  const Napi::CallbackInfo& info_;
  const char* fn_;
};

// Mode bits a chmod or mkdir may take (permissions, setuid/setgid, sticky).
constexpr int64_t kMaxMode = 07777;

}  // namespace ephem
