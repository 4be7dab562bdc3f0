// Per-environment (per thread) state of the addon: N-API addons are context-aware, so each
// worker thread that loads the module gets its own instance of this.
#pragma once

#include <napi.h>

#include <memory>

#include "registry.h"

namespace sonde {

class Addon : public Napi::Addon<Addon> {
 public:
  Addon(Napi::Env env, Napi::Object exports);

  std::shared_ptr<Registry> registry;
  Napi::FunctionReference icmpSocketClass;
  Napi::FunctionReference tunDeviceClass;
  Napi::FunctionReference spawnedProcessClass;

 private:
  Napi::Value OpenIcmpSocket(const Napi::CallbackInfo& info);
  Napi::Value OpenTun(const Napi::CallbackInfo& info);
  Napi::Value RealtimeNs(const Napi::CallbackInfo& info);
  Napi::Value SpawnProcess(const Napi::CallbackInfo& info);
};

inline std::shared_ptr<Registry> RegistryFor(Napi::Env env) { return env.GetInstanceData<Addon>()->registry; }

}  // namespace sonde
