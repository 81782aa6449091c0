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

#include "args.h"
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

// Each binding reads its arguments through Args (args.h) before any
// syscall: a wrong type or range throws, and nothing runs.
#define ARG_FD(i, var, what) \
  int var;                   \
  if (!args.Fd(i, what, &var)) return Napi::Value();
#define ARG_BOOL(i, var, what) \
  bool var;                    \
  if (!args.Bool(i, what, &var)) return Napi::Value();
#define ARG_INT(i, var, what, lo, hi) \
  int var;                            \
  if (!args.Int32(i, what, lo, hi, &var)) return Napi::Value();
// A name: wrong type throws; a NUL byte answers -EINVAL, as "a/b" does.
#define ARG_NAME(i, var, what)                             \
  std::string var;                                         \
  {                                                        \
    bool nul_;                                             \
    if (!args.Name(i, what, &var, &nul_)) return Napi::Value(); \
    if (nul_) return Errno(args.Env(), -EINVAL);           \
  }

Napi::Value Capabilities(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const sys::Capabilities& c = sys::Caps();
  Napi::Object o = Napi::Object::New(env);
  o.Set("platform", sys::kPlatform);
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
  Args args(info, "openDirAt");
  ARG_FD(0, dirfd, "dirfd");
  ARG_NAME(1, name, "name");
  ARG_BOOL(2, no_xdev, "noXdev");
  return Errno(info.Env(), sys::OpenDirAt(dirfd, name.c_str(), no_xdev));
}

Napi::Value OpenPathAt(const Napi::CallbackInfo& info) {
  Args args(info, "openPathAt");
  ARG_FD(0, dirfd, "dirfd");
  ARG_NAME(1, name, "name");
  ARG_BOOL(2, directory, "directory");
  return Errno(info.Env(), sys::OpenPathAt(dirfd, name.c_str(), directory));
}

Napi::Value OpenAt(const Napi::CallbackInfo& info) {
  Args args(info, "openAt");
  ARG_FD(0, dirfd, "dirfd");
  ARG_NAME(1, name, "name");
  ARG_INT(2, flags, "flags", INT32_MIN, INT32_MAX);
  ARG_INT(3, mode, "mode", 0, kMaxMode);
  return Errno(info.Env(), sys::OpenAt(dirfd, name.c_str(), flags, mode));
}

Napi::Value StatAt(const Napi::CallbackInfo& info) {
  Args args(info, "statAt");
  ARG_FD(0, dirfd, "dirfd");
  ARG_NAME(1, name, "name");
  sys::Stat s;
  int r = sys::StatAt(dirfd, name.c_str(), &s);
  if (r < 0) return Errno(info.Env(), r);
  return StatToObject(info.Env(), s);
}

Napi::Value StatFd(const Napi::CallbackInfo& info) {
  Args args(info, "statFd");
  ARG_FD(0, fd, "fd");
  sys::Stat s;
  int r = sys::StatFd(fd, &s);
  if (r < 0) return Errno(info.Env(), r);
  return StatToObject(info.Env(), s);
}

Napi::Value MountId(const Napi::CallbackInfo& info) {
  Args args(info, "mountId");
  ARG_FD(0, fd, "fd");
  sys::MountId m;
  int r = sys::GetMountId(fd, &m);
  if (r < 0) return Errno(info.Env(), r);
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("id", Napi::Number::New(info.Env(), (double)m.id));
  o.Set("unique", m.unique);
  return o;
}

Napi::Value UnlinkAt(const Napi::CallbackInfo& info) {
  Args args(info, "unlinkAt");
  ARG_FD(0, dirfd, "dirfd");
  ARG_NAME(1, name, "name");
  ARG_BOOL(2, is_dir, "isDir");
  return Errno(info.Env(), sys::UnlinkAt(dirfd, name.c_str(), is_dir));
}

Napi::Value MkdirAt(const Napi::CallbackInfo& info) {
  Args args(info, "mkdirAt");
  ARG_FD(0, dirfd, "dirfd");
  ARG_NAME(1, name, "name");
  ARG_INT(2, mode, "mode", 0, kMaxMode);
  return Errno(info.Env(), sys::MkdirAt(dirfd, name.c_str(), mode));
}

Napi::Value RenameAt(const Napi::CallbackInfo& info) {
  Args args(info, "renameAt");
  ARG_FD(0, olddir, "olddir");
  ARG_NAME(1, oldname, "oldname");
  ARG_FD(2, newdir, "newdir");
  ARG_NAME(3, newname, "newname");
  ARG_INT(4, flags, "flags", 0, sys::kRenameNoReplace | sys::kRenameExchange);
  return Errno(info.Env(), sys::RenameAt(olddir, oldname.c_str(), newdir, newname.c_str(), flags));
}

Napi::Value Flock(const Napi::CallbackInfo& info) {
  Args args(info, "flock");
  ARG_FD(0, fd, "fd");
  ARG_INT(1, op, "op", 0, LOCK_SH | LOCK_EX | LOCK_UN | LOCK_NB);
  return Errno(info.Env(), sys::Flock(fd, op));
}

Napi::Value Fsync(const Napi::CallbackInfo& info) {
  Args args(info, "fsync");
  ARG_FD(0, fd, "fd");
  return Errno(info.Env(), sys::Fsync(fd));
}

Napi::Value Close(const Napi::CallbackInfo& info) {
  Args args(info, "close");
  ARG_FD(0, fd, "fd");
  return Errno(info.Env(), sys::Close(fd));
}

Napi::Value Fchmod(const Napi::CallbackInfo& info) {
  Args args(info, "fchmod");
  ARG_FD(0, fd, "fd");
  ARG_INT(1, mode, "mode", 0, kMaxMode);
  return Errno(info.Env(), sys::FchmodFd(fd, mode));
}

Napi::Value ReadlinkAt(const Napi::CallbackInfo& info) {
  Args args(info, "readlinkAt");
  ARG_FD(0, dirfd, "dirfd");
  ARG_NAME(1, name, "name");
  std::string target;
  int r = sys::ReadlinkAt(dirfd, name.c_str(), &target);
  if (r < 0) return Errno(info.Env(), r);
  return Napi::Buffer<char>::Copy(info.Env(), target.data(), target.size());
}

Napi::Value Dup(const Napi::CallbackInfo& info) {
  Args args(info, "dup");
  ARG_FD(0, fd, "fd");
  return Errno(info.Env(), sys::Dup(fd));
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

// Entries per readdirNext call at most.
constexpr int kReaddirMax = 65536;

Napi::Value ReaddirOpen(const Napi::CallbackInfo& info) {
  Args args(info, "readdirOpen");
  ARG_FD(0, fd, "fd");
  int err = 0;
  sys::DirReader* r = sys::DirReader::Open(fd, &err);
  if (r == nullptr) return Errno(info.Env(), err);
  return Napi::External<ReaderBox>::New(info.Env(), new ReaderBox{r}, FreeReader);
}

Napi::Value ReaddirNext(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Args args(info, "readdirNext");
  if (!args.External(0, "reader")) return Napi::Value();
  int64_t m;
  if (!args.Int(1, "max", 1, INT32_MAX, &m)) return Napi::Value();
  int max = m > kReaddirMax ? kReaddirMax : (int)m;  // a larger batch costs memory, nothing more
  ReaderBox* box = info[0].As<Napi::External<ReaderBox>>().Data();
  if (box->reader == nullptr) return Errno(env, -EBADF);
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
  Args args(info, "readdirClose");
  if (!args.External(0, "reader")) return Napi::Value();
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
