// Reading the options object of the tree calls (tree_bindings.cc): each
// option's type is checked (a wrong one throws, args.h), numbers are clamped
// to what the engine supports (tree.h), and a malformed value of the right
// type (a NUL byte in a name) gives an 'invalid' result, as the engine does.
#pragma once

#include <napi.h>

#include <string>

#include "args.h"
#include "tree.h"

namespace ephem {

// A cancel flag as JS holds it: an External owning a reference to the flag
// the engine polls (the engine keeps its own reference for as long as it runs).
using CancelExternal = Napi::External<tree::CancelFlag>;

// How reading the arguments of a tree call ended.
enum class Read {
  kOk,
  kThrown,   // a wrong type: a TypeError is pending (args.h)
  kInvalid,  // a malformed value (a NUL byte in a name): an 'invalid' result, as the engine gives
};

Read ParseOptions(Args& args, const Napi::Object& o, tree::RemoveOptions* out, std::string* why);
Read ParseOptions(Args& args, const Napi::Object& o, tree::ScanOptions* out, std::string* why);

}  // namespace ephem
