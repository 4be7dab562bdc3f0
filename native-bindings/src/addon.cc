// Module entry. NODE_API_ADDON registers through N-API, which makes the module
// context-aware: every thread that loads it (main, worker_threads, Piscina workers) gets
// its own Addon instance, classes and cleanup registry.
#include "addon.h"

#include "clock.h"
#include "icmp_socket.h"
#include "spawned_process.h"
#include "tun_device.h"

namespace sonde {

Addon::Addon(Napi::Env env, Napi::Object exports) : registry(std::make_shared<Registry>(env)) {
  icmpSocketClass = Napi::Persistent(IcmpSocket::Define(env));
  tunDeviceClass = Napi::Persistent(TunDevice::Define(env));
  spawnedProcessClass = Napi::Persistent(SpawnedProcess::Define(env));
  DefineAddon(exports, {
                           InstanceMethod<&Addon::OpenIcmpSocket>("openIcmpSocket"),
                           InstanceMethod<&Addon::OpenTun>("openTun"),
                           InstanceMethod<&Addon::RealtimeNs>("realtimeNs"),
                           InstanceMethod<&Addon::SpawnProcess>("spawnProcess"),
                       });
}

Napi::Value Addon::OpenIcmpSocket(const Napi::CallbackInfo& info) { return icmpSocketClass.New({info[0]}); }

Napi::Value Addon::OpenTun(const Napi::CallbackInfo& info) { return tunDeviceClass.New({info[0], info[1]}); }

Napi::Value Addon::SpawnProcess(const Napi::CallbackInfo& info) { return spawnedProcessClass.New({info[0]}); }

Napi::Value Addon::RealtimeNs(const Napi::CallbackInfo& info) {
  return Napi::BigInt::New(info.Env(), static_cast<uint64_t>(sonde::RealtimeNs()));
}

}  // namespace sonde

using SondeAddon = sonde::Addon;
NODE_API_ADDON(SondeAddon)
