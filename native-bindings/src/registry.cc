#include "registry.h"

#include <vector>

namespace sonde {

Registry::Registry(napi_env env) {
  // The hook's arg stays valid: the Registry lives in the addon's instance data, which is
  // freed when the environment's N-API state is torn down, after all cleanup hooks ran.
  napi_add_async_cleanup_hook(env, &Registry::OnCleanup, this, &hook_);
}

Registry::~Registry() {
  if (hook_ != nullptr && !tearingDown_) napi_remove_async_cleanup_hook(hook_);
}

void Registry::OnCleanup(napi_async_cleanup_hook_handle handle, void* arg) {
  auto* self = static_cast<Registry*>(arg);
  self->hook_ = handle;
  self->tearingDown_ = true;
  std::vector<Resource*> open(self->live_.begin(), self->live_.end());
  for (Resource* r : open) r->CloseForTeardown();
  self->ReleaseHookIfDone();
}

void Registry::CloseFinished() {
  --pendingCloses_;
  ReleaseHookIfDone();
}

void Registry::ReleaseHookIfDone() {
  if (tearingDown_ && pendingCloses_ == 0 && hook_ != nullptr) {
    napi_async_cleanup_hook_handle h = hook_;
    hook_ = nullptr;
    napi_remove_async_cleanup_hook(h);
  }
}

}  // namespace sonde
