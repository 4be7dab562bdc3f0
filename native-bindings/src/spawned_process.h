// SpawnedProcess: a command started with fork + execve so that it dies with this process.
// The child sets PR_SET_PDEATHSIG(SIGKILL) before it execs and leads a new session (and so a
// new process group); stdin is /dev/null, stdout and stderr are pipes whose read ends are
// handed to JavaScript as fds. Exit is observed through a pidfd polled on the loop; reap()
// collects the status. Start errors (chdir, execve: ENOENT, EACCES, ...) come back through a
// close-on-exec pipe and are thrown by the constructor, with nothing left running.
#pragma once

#include <napi.h>

#include <memory>

#include "polled_fd.h"

namespace sonde {

class SpawnedProcess : public Napi::ObjectWrap<SpawnedProcess> {
 public:
  static Napi::Function Define(Napi::Env env);
  // JS: new SpawnedProcess({ file, args, env, cwd?, searchPath }).
  explicit SpawnedProcess(const Napi::CallbackInfo& info);
  ~SpawnedProcess() override;

 private:
  Napi::Value Pid(const Napi::CallbackInfo& info);
  Napi::Value StdoutFd(const Napi::CallbackInfo& info);
  Napi::Value StderrFd(const Napi::CallbackInfo& info);
  Napi::Value StartPolling(const Napi::CallbackInfo& info);
  Napi::Value StopPolling(const Napi::CallbackInfo& info);
  Napi::Value Reap(const Napi::CallbackInfo& info);
  Napi::Value JsRef(const Napi::CallbackInfo& info);
  Napi::Value JsUnref(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);

  void SetPollingRef(bool polling);

  int pid_ = -1;
  int stdoutFd_ = -1;
  int stderrFd_ = -1;
  bool reaped_ = false;
  bool heldWhilePolling_ = false;
  // The pidfd: readable once the child has exited.
  std::unique_ptr<PolledFd> exitFd_;
};

}  // namespace sonde
