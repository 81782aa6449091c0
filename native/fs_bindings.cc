// Synchronous N-API wrappers over sys.h. Each returns its result, or a
// negative errno as a plain number; src/native/ turns that into a Node-style
// error with the syscall name and path. No policy lives here.
#include "bindings.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "sys.h"

namespace ephem {

bool GetName(const Napi::Value& v, std::string* out) {
  if (v.IsBuffer()) {
    auto buf = v.As<Napi::Buffer<char>>();
    out->assign(buf.Data(), buf.Length());
  } else if (v.IsString()) {
    *out = v.As<Napi::String>().Utf8Value();
  } else {
    return false;
  }
  // An embedded NUL would silently truncate the name at the syscall.
  return out->find('\0') == std::string::npos;
}

Napi::Value StatToObject(Napi::Env env, const sys::Stat& s) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("dev", Napi::Number::New(env, (double)s.dev));
  o.Set("ino", Napi::Number::New(env, (double)s.ino));
  o.Set("mode", Napi::Number::New(env, s.mode));
  o.Set("uid", Napi::Number::New(env, s.uid));
  o.Set("gid", Napi::Number::New(env, s.gid));
  o.Set("nlink", Napi::Number::New(env, (double)s.nlink));
  o.Set("size", Napi::Number::New(env, (double)s.size));
  o.Set("blocks", Napi::Number::New(env, (double)s.blocks));
  o.Set("atimeMs", Napi::Number::New(env, s.atime_ns / 1e6));
  o.Set("mtimeMs", Napi::Number::New(env, s.mtime_ns / 1e6));
  o.Set("ctimeMs", Napi::Number::New(env, s.ctime_ns / 1e6));
  o.Set("birthtimeMs", s.has_btime ? Napi::Number::New(env, s.btime_ns / 1e6) : env.Null());
  o.Set("mntId", s.has_mnt_id ? Napi::Number::New(env, (double)s.mnt_id) : env.Null());
  o.Set("mntIdUnique", Napi::Boolean::New(env, s.mnt_id_unique));
  o.Set("mountRoot", s.mount_root < 0 ? env.Null() : Napi::Boolean::New(env, s.mount_root == 1));
  return o;
}

namespace {

Napi::Value Errno(Napi::Env env, int r) { return Napi::Number::New(env, r); }

#define ARG_INT(i) info[i].As<Napi::Number>().Int32Value()
#define ARG_BOOL(i) info[i].ToBoolean().Value()
#define ARG_NAME(i, var)                                          \
  std::string var;                                                \
  if (!GetName(info[i], &var)) return Errno(info.Env(), -EINVAL);

Napi::Value Capabilities(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const sys::Capabilities& c = sys::Caps();
  Napi::Object o = Napi::Object::New(env);
#if defined(__linux__)
  o.Set("platform", "linux");
#else
  o.Set("platform", "darwin");
#endif
  o.Set("openat2", c.openat2);
  o.Set("statx", c.statx);
  o.Set("mountId", c.mnt_id);
  o.Set("mountIdUnique", c.mnt_id_unique);
  o.Set("mountIdFdinfo", c.mnt_id_fdinfo);
  o.Set("renameNoReplace", c.renameat2_noreplace);
  o.Set("fchmodat2", c.fchmodat2);
  o.Set("oPath", c.o_path);
  o.Set("noFollowAny", c.nofollow_any);
  return o;
}

Napi::Value OpenRoot(const Napi::CallbackInfo& info) {
  int fd;
  do {
    fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  } while (fd < 0 && errno == EINTR);
  return Errno(info.Env(), fd < 0 ? -errno : fd);
}

Napi::Value OpenDirAt(const Napi::CallbackInfo& info) {
  ARG_NAME(1, name);
  return Errno(info.Env(), sys::OpenDirAt(ARG_INT(0), name.c_str(), ARG_BOOL(2)));
}

Napi::Value OpenPathAt(const Napi::CallbackInfo& info) {
  ARG_NAME(1, name);
  return Errno(info.Env(), sys::OpenPathAt(ARG_INT(0), name.c_str(), ARG_BOOL(2)));
}

Napi::Value OpenAt(const Napi::CallbackInfo& info) {
  ARG_NAME(1, name);
  return Errno(info.Env(), sys::OpenAt(ARG_INT(0), name.c_str(), ARG_INT(2), ARG_INT(3)));
}

Napi::Value StatAt(const Napi::CallbackInfo& info) {
  ARG_NAME(1, name);
  sys::Stat s;
  int r = sys::StatAt(ARG_INT(0), name.c_str(), &s);
  if (r < 0) return Errno(info.Env(), r);
  return StatToObject(info.Env(), s);
}

Napi::Value StatFd(const Napi::CallbackInfo& info) {
  sys::Stat s;
  int r = sys::StatFd(ARG_INT(0), &s);
  if (r < 0) return Errno(info.Env(), r);
  return StatToObject(info.Env(), s);
}

Napi::Value MountId(const Napi::CallbackInfo& info) {
  sys::MountId m;
  int r = sys::GetMountId(ARG_INT(0), &m);
  if (r < 0) return Errno(info.Env(), r);
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("id", Napi::Number::New(info.Env(), (double)m.id));
  o.Set("unique", m.unique);
  return o;
}

Napi::Value UnlinkAt(const Napi::CallbackInfo& info) {
  ARG_NAME(1, name);
  return Errno(info.Env(), sys::UnlinkAt(ARG_INT(0), name.c_str(), ARG_BOOL(2)));
}

Napi::Value MkdirAt(const Napi::CallbackInfo& info) {
  ARG_NAME(1, name);
  return Errno(info.Env(), sys::MkdirAt(ARG_INT(0), name.c_str(), ARG_INT(2)));
}

Napi::Value RenameAt(const Napi::CallbackInfo& info) {
  ARG_NAME(1, oldname);
  ARG_NAME(3, newname);
  return Errno(info.Env(), sys::RenameAt(ARG_INT(0), oldname.c_str(), ARG_INT(2), newname.c_str(), ARG_INT(4)));
}

Napi::Value Flock(const Napi::CallbackInfo& info) {
  return Errno(info.Env(), sys::Flock(ARG_INT(0), ARG_INT(1)));
}

Napi::Value Fsync(const Napi::CallbackInfo& info) {
  return Errno(info.Env(), sys::Fsync(ARG_INT(0)));
}

Napi::Value Close(const Napi::CallbackInfo& info) {
  return Errno(info.Env(), sys::Close(ARG_INT(0)));
}

Napi::Value Fchmod(const Napi::CallbackInfo& info) {
  return Errno(info.Env(), sys::FchmodFd(ARG_INT(0), ARG_INT(1)));
}

Napi::Value ReadlinkAt(const Napi::CallbackInfo& info) {
  ARG_NAME(1, name);
  std::string target;
  int r = sys::ReadlinkAt(ARG_INT(0), name.c_str(), &target);
  if (r < 0) return Errno(info.Env(), r);
  return Napi::Buffer<char>::Copy(info.Env(), target.data(), target.size());
}

Napi::Value Dup(const Napi::CallbackInfo& info) {
  return Errno(info.Env(), sys::Dup(ARG_INT(0)));
}

// A streaming directory reader: readdirOpen(fd) -> handle; readdirNext(handle,
// max) -> { names: Buffer[], types: number[] } (empty at the end);
// readdirClose(handle). The handle is an External freed on close or by GC.
struct ReaderBox {
  sys::DirReader* reader;
};

void FreeReader(Napi::Env, ReaderBox* box) {
  delete box->reader;
  delete box;
}

Napi::Value ReaddirOpen(const Napi::CallbackInfo& info) {
  int err = 0;
  sys::DirReader* r = sys::DirReader::Open(ARG_INT(0), &err);
  if (r == nullptr) return Errno(info.Env(), err);
  return Napi::External<ReaderBox>::New(info.Env(), new ReaderBox{r}, FreeReader);
}

Napi::Value ReaddirNext(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsExternal()) return Errno(env, -EBADF);
  ReaderBox* box = info[0].As<Napi::External<ReaderBox>>().Data();
  if (box->reader == nullptr) return Errno(env, -EBADF);
  int max = info.Length() > 1 && info[1].IsNumber() ? ARG_INT(1) : 1024;
  if (max < 1) max = 1;
  if (max > 65536) max = 65536;
  std::vector<sys::DirEntry> entries(max);
  int n = box->reader->Next(entries.data(), max);
  if (n < 0) return Errno(env, n);
  Napi::Array names = Napi::Array::New(env, n);
  Napi::Array types = Napi::Array::New(env, n);
  for (int i = 0; i < n; i++) {
    names.Set(i, Napi::Buffer<char>::Copy(env, entries[i].name.data(), entries[i].name.size()));
    types.Set(i, Napi::Number::New(env, entries[i].type));
  }
  Napi::Object o = Napi::Object::New(env);
  o.Set("names", names);
  o.Set("types", types);
  return o;
}

Napi::Value ReaddirClose(const Napi::CallbackInfo& info) {
  if (!info[0].IsExternal()) return Errno(info.Env(), -EBADF);
  ReaderBox* box = info[0].As<Napi::External<ReaderBox>>().Data();
  delete box->reader;
  box->reader = nullptr;
  return Errno(info.Env(), 0);
}

Napi::Object Constants(Napi::Env env) {
  Napi::Object c = Napi::Object::New(env);
#define C(name) c.Set(#name, Napi::Number::New(env, name))
  C(O_RDONLY); C(O_WRONLY); C(O_RDWR); C(O_CREAT); C(O_EXCL); C(O_TRUNC);
  C(O_APPEND); C(O_NONBLOCK); C(O_DIRECTORY); C(O_NOFOLLOW); C(O_CLOEXEC);
  C(LOCK_SH); C(LOCK_EX); C(LOCK_UN); C(LOCK_NB);
  C(DT_UNKNOWN); C(DT_FIFO); C(DT_CHR); C(DT_DIR); C(DT_BLK); C(DT_REG);
  C(DT_LNK); C(DT_SOCK);
  C(S_IFMT); C(S_IFDIR); C(S_IFREG); C(S_IFLNK); C(S_IFIFO); C(S_IFSOCK);
  C(S_IFCHR); C(S_IFBLK); C(S_ISVTX);
  C(AT_FDCWD);
#undef C
  c.Set("RENAME_NOREPLACE", Napi::Number::New(env, sys::kRenameNoReplace));
  c.Set("RENAME_EXCHANGE", Napi::Number::New(env, sys::kRenameExchange));
  return c;
}

}  // namespace

void InitFs(Napi::Env env, Napi::Object exports) {
  exports.Set("capabilities", Napi::Function::New(env, Capabilities));
  exports.Set("openRoot", Napi::Function::New(env, OpenRoot));
  exports.Set("openDirAt", Napi::Function::New(env, OpenDirAt));
  exports.Set("openPathAt", Napi::Function::New(env, OpenPathAt));
  exports.Set("openAt", Napi::Function::New(env, OpenAt));
  exports.Set("statAt", Napi::Function::New(env, StatAt));
  exports.Set("statFd", Napi::Function::New(env, StatFd));
  exports.Set("mountId", Napi::Function::New(env, MountId));
  exports.Set("unlinkAt", Napi::Function::New(env, UnlinkAt));
  exports.Set("mkdirAt", Napi::Function::New(env, MkdirAt));
  exports.Set("renameAt", Napi::Function::New(env, RenameAt));
  exports.Set("flock", Napi::Function::New(env, Flock));
  exports.Set("fsync", Napi::Function::New(env, Fsync));
  exports.Set("close", Napi::Function::New(env, Close));
  exports.Set("fchmod", Napi::Function::New(env, Fchmod));
  exports.Set("dup", Napi::Function::New(env, Dup));
  exports.Set("readlinkAt", Napi::Function::New(env, ReadlinkAt));
  exports.Set("readdirOpen", Napi::Function::New(env, ReaddirOpen));
  exports.Set("readdirNext", Napi::Function::New(env, ReaddirNext));
  exports.Set("readdirClose", Napi::Function::New(env, ReaddirClose));
  exports.Set("constants", Constants(env));
}

}  // namespace ephem
