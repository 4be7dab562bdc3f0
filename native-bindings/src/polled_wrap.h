// PolledWrap<T>: the JavaScript side of a PolledFd, shared by IcmpSocket and TunDevice — the
// methods startPolling / stopPolling / ref / unref / close, the hold on the JS object while
// it polls, and the "is it still open" check with the caller's method name. The fd's own
// lifecycle (uv_poll_t, cleanup hook, close on worker exit) stays in PolledFd.
#pragma once

#include <napi.h>

#include <memory>
#include <string>
#include <vector>

#include "addon.h"
#include "polled_fd.h"

namespace sonde {

template <typename T>
class PolledWrap : public Napi::ObjectWrap<T> {
 protected:
  using Wrap = Napi::ObjectWrap<T>;
  using Properties = std::vector<typename Wrap::PropertyDescriptor>;

  // `what` names the handle in errors: "the ICMP socket", "the TUN device".
  PolledWrap(const Napi::CallbackInfo& info, const char* what) : Wrap(info), what_(what) {}

  // The class's own properties plus the polling methods every polled handle has.
  static Properties WithPollingMethods(Properties props) {
    props.push_back(Wrap::InstanceMethod("startPolling", &PolledWrap::StartPolling));
    props.push_back(Wrap::InstanceMethod("stopPolling", &PolledWrap::StopPolling));
    props.push_back(Wrap::InstanceMethod("ref", &PolledWrap::JsRef));
    props.push_back(Wrap::InstanceMethod("unref", &PolledWrap::JsUnref));
    props.push_back(Wrap::InstanceMethod("close", &PolledWrap::Close));
    return props;
  }

  // Takes ownership of an open non-blocking fd (registered for the environment's teardown).
  void Adopt(Napi::Env env, int fd) { fd_ = std::make_unique<PolledFd>(env, RegistryFor(env), fd); }

  // The fd, or a JS error "<method>: <what> is closed".
  int RequireOpen(Napi::Env env, const char* method) const {
    if (fd_ == nullptr || fd_->closed()) throw Napi::Error::New(env, std::string(method) + ": " + what_ + " is closed");
    return fd_->fd();
  }

  bool isOpen() const { return fd_ != nullptr && !fd_->closed(); }
  // Only while open (after Adopt or RequireOpen).
  int descriptor() const { return fd_->fd(); }

 private:
  Napi::Value StartPolling(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    RequireOpen(env, "startPolling");
    if (!info[0].IsFunction()) throw Napi::TypeError::New(env, "startPolling: onReadable must be a function");
    fd_->StartPolling(info[0].As<Napi::Function>());
    HoldWhilePolling(true);
    return env.Undefined();
  }

  Napi::Value StopPolling(const Napi::CallbackInfo& info) {
    if (fd_) fd_->StopPolling();
    HoldWhilePolling(false);
    return info.Env().Undefined();
  }

  Napi::Value JsRef(const Napi::CallbackInfo& info) {
    if (fd_) fd_->SetKeepAlive(true);
    return info.Env().Undefined();
  }

  Napi::Value JsUnref(const Napi::CallbackInfo& info) {
    if (fd_) fd_->SetKeepAlive(false);
    return info.Env().Undefined();
  }

  Napi::Value Close(const Napi::CallbackInfo& info) {
    if (fd_) fd_->Close();
    HoldWhilePolling(false);
    return info.Env().Undefined();
  }

  // While polling, the object must not be garbage-collected even if JS dropped it: its
  // callback is still live.
  void HoldWhilePolling(bool polling) {
    if (polling && !held_) {
      Wrap::Ref();
      held_ = true;
    } else if (!polling && held_) {
      Wrap::Unref();
      held_ = false;
    }
  }

  std::unique_ptr<PolledFd> fd_;
  const char* what_;
  bool held_ = false;
};

}  // namespace sonde
