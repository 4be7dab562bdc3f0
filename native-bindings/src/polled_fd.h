// A non-blocking file descriptor with an optional uv_poll_t on the owning thread's loop
// that calls a JavaScript function whenever the fd is readable. Shared by IcmpSocket and
// TunDevice. Closing is idempotent and safe from JS, from a finalizer, and from the
// environment cleanup hook (see registry.h).
#pragma once

#include <napi.h>
#include <uv.h>

#include <memory>

#include "registry.h"

namespace sonde {

class PolledFd : public Resource {
 public:
  PolledFd(Napi::Env env, std::shared_ptr<Registry> registry, int fd);
  ~PolledFd() override;
  PolledFd(const PolledFd&) = delete;
  PolledFd& operator=(const PolledFd&) = delete;

  int fd() const { return fd_; }
  bool closed() const { return fd_ < 0; }
  bool polling() const { return handle_ != nullptr; }

  // Throws when closed. Replaces the callback if already polling.
  void StartPolling(Napi::Function onReadable);
  void StopPolling();
  // Whether an active poll keeps the event loop (and so the thread/process) alive.
  void SetKeepAlive(bool on);
  void Close();
  void CloseForTeardown() override;

 private:
  struct Handle {
    uv_poll_t poll;
    PolledFd* owner;
    std::shared_ptr<Registry> registry;
  };
  static void OnPoll(uv_poll_t* poll, int status, int events);
  static void OnClosed(uv_handle_t* handle);
  void CloseHandle();

  napi_env env_;
  std::shared_ptr<Registry> registry_;
  int fd_;
  Handle* handle_ = nullptr;
  Napi::FunctionReference onReadable_;
  bool keepAlive_ = true;
};

}  // namespace sonde
