#include "polled_fd.h"

#include <unistd.h>

namespace sonde {

PolledFd::PolledFd(Napi::Env env, std::shared_ptr<Registry> registry, int fd)
    : env_(env), registry_(std::move(registry)), fd_(fd) {
  registry_->Add(this);
}

PolledFd::~PolledFd() {
  CloseHandle();
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  registry_->Remove(this);
}

void PolledFd::StartPolling(Napi::Function onReadable) {
  if (closed()) throw Napi::Error::New(env_, "startPolling: the descriptor is closed");
  if (registry_->tearingDown()) throw Napi::Error::New(env_, "startPolling: the environment is shutting down");
  onReadable_ = Napi::Persistent(onReadable);
  if (handle_ != nullptr) return;
  uv_loop_t* loop = nullptr;
  if (napi_get_uv_event_loop(env_, &loop) != napi_ok || loop == nullptr) {
    throw Napi::Error::New(env_, "startPolling: no libuv event loop for this thread");
  }
  auto* h = new Handle{uv_poll_t{}, this, registry_};
  int rc = uv_poll_init(loop, &h->poll, fd_);
  if (rc != 0) {
    delete h;
    throw Napi::Error::New(env_, std::string("startPolling: uv_poll_init failed: ") + uv_strerror(rc));
  }
  h->poll.data = h;
  rc = uv_poll_start(&h->poll, UV_READABLE, &PolledFd::OnPoll);
  handle_ = h;
  if (!keepAlive_) uv_unref(reinterpret_cast<uv_handle_t*>(&h->poll));
  if (rc != 0) {
    CloseHandle();
    throw Napi::Error::New(env_, std::string("startPolling: uv_poll_start failed: ") + uv_strerror(rc));
  }
}

void PolledFd::StopPolling() {
  CloseHandle();
  onReadable_.Reset();
}

void PolledFd::SetKeepAlive(bool on) {
  keepAlive_ = on;
  if (handle_ == nullptr) return;
  auto* uvh = reinterpret_cast<uv_handle_t*>(&handle_->poll);
  if (on) {
    uv_ref(uvh);
  } else {
    uv_unref(uvh);
  }
}

void PolledFd::Close() {
  StopPolling();
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

void PolledFd::CloseForTeardown() {
  // No JS here: the callback reference is released later by the destructor.
  CloseHandle();
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

void PolledFd::CloseHandle() {
  if (handle_ == nullptr) return;
  Handle* h = handle_;
  handle_ = nullptr;
  h->owner = nullptr;
  h->registry->CloseStarted();
  // uv_close stops the poll at once (epoll_ctl DEL), so the fd may be closed right after;
  // the memory is freed in OnClosed, on a later loop turn.
  uv_close(reinterpret_cast<uv_handle_t*>(&h->poll), &PolledFd::OnClosed);
}

void PolledFd::OnClosed(uv_handle_t* handle) {
  auto* h = static_cast<Handle*>(handle->data);
  std::shared_ptr<Registry> registry = std::move(h->registry);
  delete h;
  registry->CloseFinished();
}

void PolledFd::OnPoll(uv_poll_t* poll, int /*status*/, int /*events*/) {
  // Errors (status < 0, e.g. EPOLLERR) are reported as readable too: reading the socket is
  // what consumes a pending socket error or error-queue entry.
  auto* h = static_cast<Handle*>(poll->data);
  PolledFd* self = h->owner;
  if (self == nullptr || self->onReadable_.IsEmpty()) return;
  Napi::Env env(self->env_);
  Napi::HandleScope scope(env);
  try {
    // MakeCallback (not Call) so that microtasks queued by the callback run right after it.
    self->onReadable_.MakeCallback(env.Global(), {});
  } catch (const Napi::Error& e) {
    // Surface it as an uncaught exception of the owning thread, like any event callback.
    napi_fatal_exception(env, e.Value());
  }
  // `self` may be closed or gone now: do not touch it.
}

}  // namespace sonde
