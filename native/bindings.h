// Registration hooks of the addon's parts, and helpers shared between them.
#pragma once
#include <napi.h>
#include <string>

#include "sys.h"

namespace ephem {

// Reads a name argument (Buffer or string) as raw bytes; false if it is
// neither or holds a NUL byte.
bool GetName(const Napi::Value& v, std::string* out);
// A sync binding's result when the syscall failed: the negative errno as a
// plain number (src/native turns it into a Node-shaped error).
inline Napi::Value Errno(Napi::Env env, int r) { return Napi::Number::New(env, r); }
Napi::Value StatToObject(Napi::Env env, const sys::Stat& s);

void InitFs(Napi::Env env, Napi::Object exports);
void InitFsBatch(Napi::Env env, Napi::Object exports);
void InitTree(Napi::Env env, Napi::Object exports);

}  // namespace ephem
