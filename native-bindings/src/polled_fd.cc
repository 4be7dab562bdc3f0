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
  napi_env env = self->env_;
  // The raw C API on purpose: while a worker is being terminated this callback can still
  // fire and calling into JS fails. node-addon-api would turn that failure into a C++
  // exception and then abort while building the Error; here it is simply skipped.
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value fn = nullptr;
  napi_value global = nullptr;
  if (napi_get_reference_value(env, self->onReadable_, &fn) == napi_ok && fn != nullptr &&
      napi_get_global(env, &global) == napi_ok) {
    napi_value result;
    // napi_make_callback (not napi_call_function) so that microtasks queued by the callback
    // run right after it, as for any libuv-driven callback in Node.
    napi_status status = napi_make_callback(env, nullptr, global, fn, 0, nullptr, &result);
    if (status == napi_pending_exception) {
      napi_value error;
      if (napi_get_and_clear_last_exception(env, &error) == napi_ok) {
        napi_valuetype type;
        // Surface a thrown error as an uncaught exception of the owning thread. A
        // termination (not an object) is left alone.
        if (napi_typeof(env, error, &type) == napi_ok && type == napi_object) napi_fatal_exception(env, error);
      }
    }
  }
  napi_close_handle_scope(env, scope);
  // `self` may be closed or gone now: do not touch it.
}

}  // namespace sonde
