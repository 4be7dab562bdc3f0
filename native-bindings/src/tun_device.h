// TunDevice: a TUN interface (IFF_TUN | IFF_NO_PI, non-blocking) whose packets cross the
// JS boundary in batches of TUN frames (layout.ts: u32 length | packet | pad to 4).
#pragma once

#include <napi.h>

#include <memory>
#include <string>
#include <vector>

#include "polled_wrap.h"

namespace sonde {

class TunDevice : public PolledWrap<TunDevice> {
 public:
  static Napi::Function Define(Napi::Env env);
  // JS: new TunDevice(name, options?) with options { netns?: string }.
  explicit TunDevice(const Napi::CallbackInfo& info);
  ~TunDevice() override;

 private:
  Napi::Value Name(const Napi::CallbackInfo& info);
  Napi::Value Read(const Napi::CallbackInfo& info);
  Napi::Value Write(const Napi::CallbackInfo& info);
  Napi::Value Stats(const Napi::CallbackInfo& info);

  std::string name_;
  // One packet read from the device that did not fit the caller's buffer yet.
  std::vector<uint8_t> scratch_;
  size_t pendingLen_ = 0;
  uint64_t packetsRead_ = 0;
  uint64_t packetsWritten_ = 0;
  uint64_t writeErrors_ = 0;
};

}  // namespace sonde
