// Module entry point: registers each part and the source stamp the loader
// compares against the package's own sources.
#include <napi.h>

#include "bindings.h"

#ifndef EPHEMDIR_STAMP
#error "EPHEMDIR_STAMP must be defined by binding.gyp"
#endif
#define EPHEM_STR2(x) #x
#define EPHEM_STR(x) EPHEM_STR2(x)

namespace {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("stamp", Napi::String::New(env, EPHEM_STR(EPHEMDIR_STAMP)));
  ephem::InitFs(env, exports);
  ephem::InitFsBatch(env, exports);
  ephem::InitTree(env, exports);
  return exports;
}

}  // namespace

NODE_API_MODULE(ephemdir, Init)
