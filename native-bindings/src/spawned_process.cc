#include "spawned_process.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

#include "addon.h"
#include "options.h"
#include "sys_error.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_close_range
#define SYS_close_range 436
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

namespace sonde {
namespace {

// What the child could not do, written to the error pipe before it exits.
enum Stage : int32_t { kSetup = 1, kChdir = 2, kExec = 3 };
struct ChildError {
  int32_t stage;
  int32_t err;
};

const char* StageSyscall(int32_t stage) {
  switch (stage) {
    case kChdir: return "chdir";
    case kExec: return "execve";
    default: return "child setup";
  }
}

// Between fork and execve only async-signal-safe calls: no allocation, no locks.
[[noreturn]] void ChildFail(int errorFd, int32_t stage, int err) {
  ChildError e{stage, err};
  ssize_t ignored = ::write(errorFd, &e, sizeof e);
  (void)ignored;
  _exit(127);
}

struct ChildPlan {
  pid_t parent;
  int devNull;
  int stdoutWrite;
  int stderrWrite;
  int errorWrite;
  const char* cwd;  // nullptr: the daemon's
  std::vector<const char*> candidates;
  char* const* argv;
  char* const* envp;
};

[[noreturn]] void RunChild(const ChildPlan& p) {
  // SIGKILL when the parent thread exits (the daemon dies), even by SIGKILL.
  if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) ChildFail(p.errorWrite, kSetup, errno);
  // The parent may have died before prctl: then no signal will ever come.
  if (::getppid() != p.parent) _exit(127);
  // A session of its own: the command leads a process group that is killed as a whole.
  if (::setsid() < 0) ChildFail(p.errorWrite, kSetup, errno);
  if (::dup2(p.devNull, 0) < 0 || ::dup2(p.stdoutWrite, 1) < 0 || ::dup2(p.stderrWrite, 2) < 0) {
    ChildFail(p.errorWrite, kSetup, errno);
  }
  // Whatever else the daemon has open (a descriptor opened without O_CLOEXEC by a library)
  // closes at exec; old kernels without close_range rely on O_CLOEXEC alone.
  ::syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC);
  if (p.cwd != nullptr && ::chdir(p.cwd) != 0) ChildFail(p.errorWrite, kChdir, errno);
  // Node ignores SIGPIPE and handles others; an exec'd program starts with the defaults.
  for (int s = 1; s < NSIG; ++s) {
    if (s == SIGKILL || s == SIGSTOP) continue;
    struct sigaction sa {};
    sa.sa_handler = SIG_DFL;
    ::sigaction(s, &sa, nullptr);
  }
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  // Like execvp over the search path: EACCES on any candidate wins over ENOENT.
  int err = ENOENT;
  bool denied = false;
  for (const char* path : p.candidates) {
    ::execve(path, p.argv, p.envp);
    err = errno;
    if (err == EACCES) {
      denied = true;
    } else if (err != ENOENT && err != ENOTDIR && err != ESTALE) {
      break;
    }
  }
  ChildFail(p.errorWrite, kExec, denied && (err == ENOENT || err == ENOTDIR || err == ESTALE) ? EACCES : err);
}

// A descriptor above 2: if the daemon runs with 0, 1 or 2 closed, a new fd could take that
// number and dup2 onto it in the child would be a no-op that keeps O_CLOEXEC.
int AboveStdio(int fd) {
  if (fd < 0 || fd > 2) return fd;
  int moved = ::fcntl(fd, F_DUPFD_CLOEXEC, 3);
  int err = errno;
  ::close(fd);
  errno = err;
  return moved;
}

void CloseAll(std::initializer_list<int> fds) {
  for (int fd : fds) {
    if (fd >= 0) ::close(fd);
  }
}

std::string RequireString(Napi::Value v, const std::string& what) {
  if (!v.IsString()) throw Napi::TypeError::New(v.Env(), what + " must be a string");
  std::string s = v.As<Napi::String>().Utf8Value();
  if (s.find('\0') != std::string::npos) throw Napi::TypeError::New(v.Env(), what + " must not contain a NUL character");
  return s;
}

std::vector<std::string> RequireStrings(Napi::Value v, const std::string& what) {
  if (!v.IsArray()) throw Napi::TypeError::New(v.Env(), what + " must be an array of strings");
  auto array = v.As<Napi::Array>();
  std::vector<std::string> out;
  out.reserve(array.Length());
  for (uint32_t i = 0; i < array.Length(); ++i) out.push_back(RequireString(array.Get(i), what + "[" + std::to_string(i) + "]"));
  return out;
}

std::vector<char*> PointersTo(std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

}  // namespace

Napi::Function SpawnedProcess::Define(Napi::Env env) {
  return DefineClass(env, "SpawnedProcess",
                     {
                         InstanceAccessor<&SpawnedProcess::Pid>("pid"),
                         InstanceAccessor<&SpawnedProcess::StdoutFd>("stdoutFd"),
                         InstanceAccessor<&SpawnedProcess::StderrFd>("stderrFd"),
                         InstanceMethod<&SpawnedProcess::StartPolling>("startPolling"),
                         InstanceMethod<&SpawnedProcess::StopPolling>("stopPolling"),
                         InstanceMethod<&SpawnedProcess::Reap>("reap"),
                         InstanceMethod<&SpawnedProcess::JsRef>("ref"),
                         InstanceMethod<&SpawnedProcess::JsUnref>("unref"),
                         InstanceMethod<&SpawnedProcess::Close>("close"),
                     });
}

SpawnedProcess::SpawnedProcess(const Napi::CallbackInfo& info) : Napi::ObjectWrap<SpawnedProcess>(info) {
  Napi::Env env = info.Env();
  const std::string where = "spawnProcess";
  if (!info[0].IsObject()) throw Napi::TypeError::New(env, where + ": options must be an object");
  auto o = info[0].As<Napi::Object>();
  std::string file = RequireString(o.Get("file"), where + ": file");
  std::vector<std::string> args = RequireStrings(o.Get("args"), where + ": args");
  std::vector<std::string> envStrings = RequireStrings(o.Get("env"), where + ": env");
  std::string searchPath = RequireString(o.Get("searchPath"), where + ": searchPath");
  std::optional<std::string> cwd;
  if (!o.Get("cwd").IsUndefined()) cwd = RequireString(o.Get("cwd"), where + ": cwd");
  // PR_SET_PDEATHSIG fires when the thread that forked exits, not the process: a command
  // spawned from a worker thread would be killed when that worker ends.
  if (static_cast<pid_t>(::syscall(SYS_gettid)) != ::getpid()) {
    throw Napi::Error::New(env, where + ": must be called on the main thread (the child is killed when the thread that spawned it exits)");
  }

  // Everything the child needs is built here: after fork it may not allocate.
  std::vector<std::string> candidates;
  if (file.find('/') != std::string::npos) {
    candidates.push_back(file);
  } else if (!file.empty()) {
    size_t start = 0;
    while (start <= searchPath.size()) {
      size_t end = searchPath.find(':', start);
      if (end == std::string::npos) end = searchPath.size();
      // An empty entry would mean the working directory: never searched.
      if (end > start) candidates.push_back(searchPath.substr(start, end - start) + "/" + file);
      start = end + 1;
    }
  }
  std::vector<std::string> argvStrings;
  argvStrings.reserve(args.size() + 1);
  argvStrings.push_back(file);
  for (auto& a : args) argvStrings.push_back(a);
  std::vector<char*> argv = PointersTo(argvStrings);
  std::vector<char*> envp = PointersTo(envStrings);

  int devNull = -1, outPipe[2] = {-1, -1}, errPipe[2] = {-1, -1}, failPipe[2] = {-1, -1};
  auto closeSetup = [&] { CloseAll({devNull, outPipe[0], outPipe[1], errPipe[0], errPipe[1], failPipe[0], failPipe[1]}); };
  auto setupFailed = [&](const char* syscall) {
    int err = errno;
    closeSetup();
    return SysError(env, err, syscall, where + ": starting '" + file + "'");
  };
  devNull = AboveStdio(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  if (devNull < 0) throw setupFailed("open /dev/null");
  for (int* p : {outPipe, errPipe, failPipe}) {
    if (::pipe2(p, O_CLOEXEC) != 0) throw setupFailed("pipe2");
    p[0] = AboveStdio(p[0]);
    p[1] = AboveStdio(p[1]);
    if (p[0] < 0 || p[1] < 0) throw setupFailed("fcntl F_DUPFD_CLOEXEC");
  }

  ChildPlan plan{::getpid(), devNull, outPipe[1], errPipe[1], failPipe[1], cwd ? cwd->c_str() : nullptr, {}, argv.data(), envp.data()};
  plan.candidates.reserve(candidates.size());
  for (auto& c : candidates) plan.candidates.push_back(c.c_str());

  // No signal handler of the daemon may run in the child before it resets them.
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  pid_t pid = ::fork();
  if (pid == 0) RunChild(plan);
  int forkErr = errno;
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  if (pid < 0) {
    errno = forkErr;
    throw setupFailed("fork");
  }

  CloseAll({devNull, outPipe[1], errPipe[1], failPipe[1]});
  devNull = outPipe[1] = errPipe[1] = failPipe[1] = -1;
  // EOF: execve succeeded (the pipe was close-on-exec); a record: the child failed.
  ChildError failure{};
  ssize_t n;
  do {
    n = ::read(failPipe[0], &failure, sizeof failure);
  } while (n < 0 && errno == EINTR);
  ::close(failPipe[0]);
  failPipe[0] = -1;
  if (n != 0) {
    int status;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    closeSetup();
    int err = n == static_cast<ssize_t>(sizeof failure) ? failure.err : EIO;
    throw SysError(env, err, n == static_cast<ssize_t>(sizeof failure) ? StageSyscall(failure.stage) : "read error pipe",
                   where + ": starting '" + file + "'");
  }

  int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (pidfd < 0) {
    int err = errno;
    ::kill(pid, SIGKILL);
    int status;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    closeSetup();
    throw SysError(env, err, "pidfd_open", where + ": watching '" + file + "' (needs Linux 5.3 or later)");
  }
  pid_ = pid;
  stdoutFd_ = outPipe[0];
  stderrFd_ = errPipe[0];
  exitFd_ = std::make_unique<PolledFd>(env, RegistryFor(env), pidfd);
}

SpawnedProcess::~SpawnedProcess() = default;

Napi::Value SpawnedProcess::Pid(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), pid_); }
Napi::Value SpawnedProcess::StdoutFd(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), stdoutFd_); }
Napi::Value SpawnedProcess::StderrFd(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), stderrFd_); }

void SpawnedProcess::SetPollingRef(bool polling) {
  if (polling && !heldWhilePolling_) {
    Napi::ObjectWrap<SpawnedProcess>::Ref();
    heldWhilePolling_ = true;
  } else if (!polling && heldWhilePolling_) {
    Napi::ObjectWrap<SpawnedProcess>::Unref();
    heldWhilePolling_ = false;
  }
}

Napi::Value SpawnedProcess::StartPolling(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!exitFd_ || exitFd_->closed()) throw Napi::Error::New(env, "startPolling: the process was reaped or closed");
  if (!info[0].IsFunction()) throw Napi::TypeError::New(env, "startPolling: onExit must be a function");
  exitFd_->StartPolling(info[0].As<Napi::Function>());
  SetPollingRef(true);
  return env.Undefined();
}

Napi::Value SpawnedProcess::StopPolling(const Napi::CallbackInfo& info) {
  if (exitFd_) exitFd_->StopPolling();
  SetPollingRef(false);
  return info.Env().Undefined();
}

Napi::Value SpawnedProcess::Reap(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (reaped_) throw Napi::Error::New(env, "reap: process " + std::to_string(pid_) + " was already reaped");
  siginfo_t si{};
  int rc;
  do {
    rc = ::waitid(P_PID, static_cast<id_t>(pid_), &si, WEXITED | WNOHANG);
  } while (rc < 0 && errno == EINTR);
  if (rc < 0) throw SysError(env, errno, "waitid", "reap: process " + std::to_string(pid_));
  if (si.si_pid == 0) return env.Null();  // still running
  reaped_ = true;
  if (exitFd_) exitFd_->Close();
  SetPollingRef(false);
  auto out = Napi::Object::New(env);
  bool exited = si.si_code == CLD_EXITED;
  out.Set("exitCode", exited ? Napi::Number::New(env, si.si_status) : env.Null());
  out.Set("signal", exited ? env.Null() : Napi::Number::New(env, si.si_status));
  return out;
}

Napi::Value SpawnedProcess::JsRef(const Napi::CallbackInfo& info) {
  if (exitFd_) exitFd_->SetKeepAlive(true);
  return info.Env().Undefined();
}

Napi::Value SpawnedProcess::JsUnref(const Napi::CallbackInfo& info) {
  if (exitFd_) exitFd_->SetKeepAlive(false);
  return info.Env().Undefined();
}

Napi::Value SpawnedProcess::Close(const Napi::CallbackInfo& info) {
  if (exitFd_) exitFd_->Close();
  SetPollingRef(false);
  return info.Env().Undefined();
}

}  // namespace sonde
