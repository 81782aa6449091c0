// The bounded logs a walk keeps of its failures, mounts and locked subtrees
// (tree.h): the first few, each path cut short; every one counted.
#include <utility>

#include "tree.h"

namespace ephem {
namespace tree {

std::string KeptPath(const std::string& path) {
  if (path.size() <= kMaxKeptPathBytes) return path;
  size_t from = path.size() - (kMaxKeptPathBytes - 3);
  // Never start inside a UTF-8 sequence (display paths are valid UTF-8).
  while (from < path.size() && (static_cast<unsigned char>(path[from]) & 0xC0) == 0x80) from++;
  return "..." + path.substr(from);
}

void FailureLog::Add(Failure f) {
  count++;
  if (f.concurrent && !has_concurrent) {
    has_concurrent = true;
    first_concurrent = Failure{KeptPath(f.path), f.err, f.syscall, true};
  }
  if (kept.size() >= kMaxKeptPaths) return;
  std::string p = KeptPath(f.path);
  if (bytes + p.size() > kMaxKeptBytes) return;
  bytes += p.size();
  f.path = std::move(p);
  kept.push_back(std::move(f));
}

void FailureLog::Merge(FailureLog&& o) {
  uint64_t others = o.count - o.kept.size();  // counted there but not kept
  for (Failure& f : o.kept) Add(std::move(f));
  count += others;
  if (o.has_concurrent && !has_concurrent) {
    has_concurrent = true;
    first_concurrent = std::move(o.first_concurrent);
  }
}

void PathLog::Add(const std::string& path) {
  count++;
  if (kept.size() >= kMaxKeptPaths) return;
  std::string p = KeptPath(path);
  if (bytes + p.size() > kMaxKeptBytes) return;
  bytes += p.size();
  kept.push_back(std::move(p));
}

void PathLog::Merge(PathLog&& o) {
  uint64_t others = o.count - o.kept.size();
  for (const std::string& p : o.kept) Add(p);
  count += others;
}

}  // namespace tree
}  // namespace ephem
