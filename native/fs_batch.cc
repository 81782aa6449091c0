// Batched directory reads for the registry: one N-API call per directory,
// with packed results (a few Buffers and one Float64Array) rather than a JS
// value per file, so the cost of a listing is the syscalls, not the
// boundary. Like fs_bindings.cc: results or a negative errno, no policy.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "args.h"
#include "bindings.h"
#include "packed.h"
#include "sys.h"

namespace ephem {
namespace {

Napi::Float64Array ToFloat64Array(Napi::Env env, const std::vector<double>& v) {
  Napi::ArrayBuffer ab = Napi::ArrayBuffer::New(env, v.size() * sizeof(double));
  if (!v.empty()) std::memcpy(ab.Data(), v.data(), v.size() * sizeof(double));
  return Napi::Float64Array::New(env, v.size(), ab, 0);
}

namespace file = packed::file;
namespace statnames = packed::statnames;
namespace marked = packed::marked;

// The largest file readFilesAt and probeMarkedDirsAt read into memory.
constexpr int64_t kMaxReadBytes = INT32_MAX;

// Reads every small regular file directly in a directory fd, in one call:
// the registry's entries, without a JS round trip per file. Each file is
// opened with O_NOFOLLOW|O_NONBLOCK (a symlink or FIFO cannot trap us) and
// read only if fstat says it is a regular file of at most `max` bytes; the
// caller still applies its own ownership and type rules to mode and uid.
// Names starting with '.' (temporary files in flight) are skipped.
//
// readFilesAt(dirfd, max) -> { names: Buffer, data: Buffer, meta: Float64Array }
// or a negative errno. `names` and `data` are every name and every content
// read, concatenated; `meta` holds file::kStride numbers per file
// (packed.h): name
// [start, end) in `names`, data [start, end) in `data` (-1, -1 when not
// read), then mode, uid and size from fstat (0 when errno is set), errno
// (0 or negative, from open, fstat or read), and ino, mtimeMs, ctimeMs from
// the same fstat (converted as StatToObject does, so a listing cache can
// compare them with statNamesAt's). A file that grew past fstat's size
// reads as size + 1 bytes, so the caller sees the mismatch.
Napi::Value ReadFilesAt(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Args args(info, "readFilesAt");
  int dirfd;
  int64_t max;
  if (!args.Fd(0, "dirfd", &dirfd) || !args.Int(1, "max", 0, kMaxReadBytes, &max)) return Napi::Value();
  int err = 0;
  std::unique_ptr<sys::DirReader> reader(sys::DirReader::Open(dirfd, &err));
  if (!reader) return Errno(env, err);
  std::string names;
  std::string data;
  std::vector<double> meta;
  std::vector<sys::DirEntry> batch(256);
  for (;;) {
    int got = reader->Next(batch.data(), (int)batch.size());
    if (got < 0) return Errno(env, got);
    if (got == 0) break;
    for (int i = 0; i < got; i++) {
      const std::string& name = batch[i].name;
      if (name.empty() || name[0] == '.') continue;
      double m[file::kStride] = {};
      m[file::k_nameStart] = (double)names.size();
      names.append(name);
      m[file::k_nameEnd] = (double)names.size();
      m[file::k_dataStart] = m[file::k_dataEnd] = -1;
      int code = 0;
      sys::Stat st;
      int fd = sys::OpenAt(dirfd, name.c_str(), O_RDONLY | O_NONBLOCK, 0);
      if (fd < 0) {
        code = fd;
      } else {
        code = sys::StatFd(fd, &st);
        if (code == 0 && S_ISREG(st.mode) && st.size <= max) {
          // Read straight into the packed buffer. Asking for one byte more
          // than fstat's size makes a regular file's EOF a short read, so a
          // file that did not change costs a single read().
          const size_t start = data.size();
          const size_t want = (size_t)st.size + 1;
          data.resize(start + want);
          size_t len = 0;
          while (len < want) {
            const size_t ask = want - len;
            ssize_t r = read(fd, &data[start + len], ask);
            if (r < 0 && errno == EINTR) continue;
            if (r < 0) {
              code = -errno;
              break;
            }
            len += (size_t)r;
            if ((size_t)r < ask) break;  // EOF (or shrunk: the caller sees the size differ)
          }
          // len == want: grew past fstat's size; the caller refuses it.
          data.resize(code == 0 ? start + len : start);
          if (code == 0) {
            m[file::k_dataStart] = (double)start;
            m[file::k_dataEnd] = (double)(start + len);
          }
        }
        sys::Close(fd);
      }
      if (code == 0) {
        m[file::k_mode] = st.mode;
        m[file::k_uid] = st.uid;
        m[file::k_size] = (double)st.size;
        m[file::k_ino] = (double)st.ino;
        m[file::k_mtimeMs] = st.mtime_ns / 1e6;
        m[file::k_ctimeMs] = st.ctime_ns / 1e6;
      }
      m[file::k_errno] = code;
      meta.insert(meta.end(), m, m + file::kStride);
    }
  }
  Napi::Object o = Napi::Object::New(env);
  o.Set("names", Napi::Buffer<char>::Copy(env, names.data(), names.size()));
  o.Set("data", Napi::Buffer<char>::Copy(env, data.data(), data.size()));
  o.Set("meta", ToFloat64Array(env, meta));
  return o;
}

// statNamesAt(dirfd, names: (string | Buffer)[]) -> Float64Array of
// statnames::kStride numbers per name (packed.h): errno (0 or negative), mode, ino, size,
// mtimeMs, ctimeMs (all 0 on error; converted as StatToObject does). lstat
// semantics (sys::StatAt, AT_SYMLINK_NOFOLLOW); each name must be a single
// component (a string or Buffer without NUL), else its slot says -EINVAL.
// A dirfd that is not an open directory (EBADF, ENOTDIR: a one-component
// name cannot cause either) fails the whole call with a negative errno.
Napi::Value StatNamesAt(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Args args(info, "statNamesAt");
  int dirfd;
  Napi::Array list;
  if (!args.Fd(0, "dirfd", &dirfd) || !args.Array(1, "names", &list)) return Napi::Value();
  const uint32_t n = list.Length();
  std::vector<double> out((size_t)n * statnames::kStride, 0.0);
  std::string name;
  for (uint32_t i = 0; i < n; i++) {
    int code = -EINVAL;
    sys::Stat st;
    if (GetName(list.Get(i), &name)) code = sys::StatAt(dirfd, name.c_str(), &st);
    if (code == -EBADF || code == -ENOTDIR) return Errno(env, code);
    double* m = &out[(size_t)i * statnames::kStride];
    m[statnames::k_errno] = code;
    if (code == 0) {
      m[statnames::k_mode] = st.mode;
      m[statnames::k_ino] = (double)st.ino;
      m[statnames::k_size] = (double)st.size;
      m[statnames::k_mtimeMs] = st.mtime_ns / 1e6;
      m[statnames::k_ctimeMs] = st.ctime_ns / 1e6;
    }
  }
  return ToFloat64Array(env, out);
}

// The largest marker probeMarkedDirsAt reads (each name gets max + 1 bytes).
constexpr int64_t kMaxMarkerBytes = 4096;

// Reads an opened marker file (at most `max` bytes) into `out` and closes
// it: its length, or a negative errno (-EINVAL: not a regular file, or larger).
int ReadOpenMarker(int fd, int64_t max, char* out) {
  sys::Stat st;
  int code = sys::StatFd(fd, &st);
  if (code == 0 && (!S_ISREG(st.mode) || st.size > max)) code = -EINVAL;
  size_t len = 0;
  while (code == 0 && len < (size_t)max + 1) {
    const size_t ask = (size_t)max + 1 - len;
    ssize_t r = read(fd, out + len, ask);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) code = -errno;
    if (r <= 0) break;
    len += (size_t)r;
    if ((size_t)r < ask) break;  // a regular file's short read is its end: one read() for a marker
  }
  sys::Close(fd);
  if (code == 0 && len > (size_t)max) code = -EINVAL;  // grew past the limit
  return code < 0 ? code : (int)len;
}

// probeMarkedDirsAt(dirfd, names, marker, max) -> { meta: Float64Array,
// markers: Buffer } or a negative errno. What a listing needs to tell
// whether each name is still the directory it tracks, in one call:
// marked::kStride numbers per name (packed.h) (errno 0 or negative; mode and ino of the name, lstat
// semantics; the marker's length or a negative errno), and the marker's
// bytes at markers[i * (max + 1)]. The marker is opened without following a
// symlink or leaving the dirfd (sys::OpenChildAt, else sys::OpenDirAt and
// OpenAt), with O_NONBLOCK, and read only when fstat says it is a small
// regular file. Not a directory: the marker slot is -ENOTDIR.
Napi::Value ProbeMarkedDirsAt(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Args args(info, "probeMarkedDirsAt");
  int dirfd;
  Napi::Array list;
  std::string marker;
  bool nul;
  int64_t max;
  if (!args.Fd(0, "dirfd", &dirfd) || !args.Array(1, "names", &list) || !args.Name(2, "marker", &marker, &nul) ||
      !args.Int(3, "max", 1, kMaxMarkerBytes, &max)) {
    return Napi::Value();
  }
  if (nul) return Errno(env, -EINVAL);
  const uint32_t n = list.Length();
  std::vector<double> meta((size_t)n * marked::kStride, 0.0);
  Napi::Buffer<char> markers = Napi::Buffer<char>::New(env, (size_t)n * (size_t)(max + 1));
  std::memset(markers.Data(), 0, markers.Length());
  std::string name;
  for (uint32_t i = 0; i < n; i++) {
    double* m = &meta[(size_t)i * marked::kStride];
    m[marked::k_marker] = -ENOTDIR;
    if (!GetName(list.Get(i), &name)) {
      m[marked::k_errno] = -EINVAL;
      continue;
    }
    // lstat first: the type and inode a listing compares, and nothing more
    // to do for anything but a directory.
    sys::Stat st;
    int code = sys::StatAt(dirfd, name.c_str(), &st);
    if (code == -EBADF || code == -ENOTDIR) return Errno(env, code);
    m[marked::k_errno] = code;
    if (code != 0) continue;
    m[marked::k_mode] = st.mode;
    m[marked::k_ino] = (double)st.ino;
    if (!S_ISDIR(st.mode)) continue;
    char* out = markers.Data() + (size_t)i * (size_t)(max + 1);
    // One openat2 of name/marker where the kernel has it; else the
    // directory (never a symlink), then the marker in it.
    int fd = sys::OpenChildAt(dirfd, name.c_str(), marker.c_str(), O_RDONLY | O_NONBLOCK);
    if (fd != -ENOSYS) {
      m[marked::k_marker] = fd < 0 ? fd : ReadOpenMarker(fd, max, out);
      continue;
    }
    int dfd = sys::OpenDirAt(dirfd, name.c_str(), false);
    // A directory we could not open (permissions, a mount we may not
    // enter): its marker is unknown, not absent.
    if (dfd < 0) {
      m[marked::k_marker] = dfd;
      continue;
    }
    int mfd = sys::OpenAt(dfd, marker.c_str(), O_RDONLY | O_NONBLOCK, 0);
    m[marked::k_marker] = mfd < 0 ? mfd : ReadOpenMarker(mfd, max, out);
    sys::Close(dfd);
  }
  Napi::Object o = Napi::Object::New(env);
  o.Set("meta", ToFloat64Array(env, meta));
  o.Set("markers", markers);
  return o;
}

// { stride, <field>: slot, ... } of one layout, from its field list.
#define EPHEM_LAYOUT(ns, FIELDS)                                         \
  [&] {                                                                  \
    Napi::Object o = Napi::Object::New(env);                             \
    o.Set("stride", Napi::Number::New(env, ns::kStride));                \
    FIELDS(EPHEM_LAYOUT_FIELD_##ns)                                      \
    return o;                                                            \
  }()
#define EPHEM_LAYOUT_FIELD_file(name) o.Set(#name, Napi::Number::New(env, file::k_##name));
#define EPHEM_LAYOUT_FIELD_statnames(name) o.Set(#name, Napi::Number::New(env, statnames::k_##name));
#define EPHEM_LAYOUT_FIELD_marked(name) o.Set(#name, Napi::Number::New(env, marked::k_##name));

// The `layouts` export: where each field of a packed record sits.
Napi::Object Layouts(Napi::Env env) {
  Napi::Object l = Napi::Object::New(env);
  l.Set("smallFiles", EPHEM_LAYOUT(file, EPHEM_SMALL_FILE_FIELDS));
  l.Set("statNames", EPHEM_LAYOUT(statnames, EPHEM_STAT_NAME_FIELDS));
  l.Set("markedDirs", EPHEM_LAYOUT(marked, EPHEM_MARKED_DIR_FIELDS));
  return l;
}

}  // namespace

void InitFsBatch(Napi::Env env, Napi::Object exports) {
  exports.Set("layouts", Layouts(env));
  exports.Set("readFilesAt", Napi::Function::New(env, ReadFilesAt));
  exports.Set("statNamesAt", Napi::Function::New(env, StatNamesAt));
  exports.Set("probeMarkedDirsAt", Napi::Function::New(env, ProbeMarkedDirsAt));
}

}  // namespace ephem
