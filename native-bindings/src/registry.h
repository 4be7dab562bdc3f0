// Per-environment bookkeeping of every open fd and libuv handle the addon owns.
//
// Why: a worker thread (or a Piscina pool) that ends while one of our uv_poll_t handles is
// still open makes Node abort the whole process with "uv_loop_close() while having open
// handles". An async environment cleanup hook runs before the loop is closed: it closes
// every live resource, and Node keeps turning the loop until the last uv_close callback has
// run and we remove the hook.
#pragma once

#include <node_api.h>

#include <memory>
#include <unordered_set>

namespace sonde {

class Resource {
 public:
  virtual ~Resource() = default;
  // Close fds and libuv handles without calling into JavaScript (the environment is ending).
  virtual void CloseForTeardown() = 0;
};

class Registry {
 public:
  explicit Registry(napi_env env);
  ~Registry();
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  void Add(Resource* r) { live_.insert(r); }
  void Remove(Resource* r) { live_.erase(r); }
  // Bracket every uv_close: the cleanup hook is released once no close is pending.
  void CloseStarted() { ++pendingCloses_; }
  void CloseFinished();
  bool tearingDown() const { return tearingDown_; }

 private:
  static void OnCleanup(napi_async_cleanup_hook_handle handle, void* arg);
  void ReleaseHookIfDone();

  std::unordered_set<Resource*> live_;
  napi_async_cleanup_hook_handle hook_ = nullptr;
  int pendingCloses_ = 0;
  bool tearingDown_ = false;
};

}  // namespace sonde
