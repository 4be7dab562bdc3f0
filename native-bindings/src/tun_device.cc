#include "tun_device.h"

#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "addon.h"
#include "netns.h"
#include "options.h"
#include "sys_error.h"

namespace sonde {
namespace {

constexpr size_t kMaxPacket = 65536;

size_t Pad4(size_t n) { return (n + 3) & ~size_t{3}; }

}  // namespace

Napi::Function TunDevice::Define(Napi::Env env) {
  return DefineClass(env, "TunDevice",
                     WithPollingMethods({
                         InstanceAccessor<&TunDevice::Name>("name"),
                         InstanceMethod<&TunDevice::Read>("read"),
                         InstanceMethod<&TunDevice::Write>("write"),
                         InstanceMethod<&TunDevice::Stats>("stats"),
                     }));
}

TunDevice::TunDevice(const Napi::CallbackInfo& info) : PolledWrap<TunDevice>(info, "the TUN device") {
  Napi::Env env = info.Env();
  const std::string where = "openTun";
  if (!info[0].IsString()) throw Napi::TypeError::New(env, where + ": name must be a string");
  std::string name = info[0].As<Napi::String>().Utf8Value();
  if (name.empty() || name.size() >= IFNAMSIZ) {
    throw Napi::RangeError::New(env, where + ": name must have 1.." + std::to_string(IFNAMSIZ - 1) + " characters, got '" + name + "'");
  }
  std::string netns;
  if (!info[1].IsUndefined()) {
    if (!info[1].IsObject()) throw Napi::TypeError::New(env, where + ": options must be an object");
    netns = OptionalString(info[1].As<Napi::Object>(), "netns", where).value_or("");
  }

  int fd = -1;
  int err = 0;
  std::string syscall;
  ifreq ifr{};
  std::strncpy(ifr.ifr_name, name.c_str(), IFNAMSIZ - 1);
  ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
  try {
    // The device joins the namespace of the thread that opens /dev/net/tun.
    NetnsScope scope(netns);
    fd = ::open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
      err = errno;
      syscall = "open /dev/net/tun";
    } else if (::ioctl(fd, TUNSETIFF, &ifr) != 0) {
      err = errno;
      syscall = "ioctl TUNSETIFF";
      ::close(fd);
      fd = -1;
    }
  } catch (const NetnsError& e) {
    throw SysError(env, e.err, e.syscall, where + ": " + e.what);
  }
  if (fd < 0) {
    std::string hint = err == EPERM ? " (needs CAP_NET_ADMIN)" : err == EBUSY ? " (a device with that name is in use)" : "";
    throw SysError(env, err, syscall, where + ": creating TUN device '" + name + "'" +
                                          (netns.empty() ? "" : " in network namespace " + netns) + hint);
  }
  Adopt(env, fd);
  name_ = ifr.ifr_name;
  scratch_.resize(kMaxPacket);
}

TunDevice::~TunDevice() = default;

Napi::Value TunDevice::Name(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), name_); }

Napi::Value TunDevice::Read(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = RequireOpen(env, "read");
  if (!info[0].IsBuffer()) throw Napi::TypeError::New(env, "read: out must be a Buffer for TUN frames");
  auto buffer = info[0].As<Napi::Buffer<uint8_t>>();
  uint8_t* out = buffer.Data();
  const size_t size = buffer.Length();
  size_t offset = 0;
  uint32_t frames = 0;
  for (;;) {
    if (pendingLen_ == 0) {
      ssize_t n = ::read(fd, scratch_.data(), scratch_.size());
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) break;
        throw SysError(env, errno, "read", "read: TUN device " + name_);
      }
      if (n == 0) break;
      pendingLen_ = static_cast<size_t>(n);
      ++packetsRead_;
    }
    size_t need = 4 + Pad4(pendingLen_);
    if (offset + need > size) break;  // keep it for the next call
    uint32_t len = static_cast<uint32_t>(pendingLen_);
    std::memcpy(out + offset, &len, 4);
    std::memcpy(out + offset + 4, scratch_.data(), pendingLen_);
    std::memset(out + offset + 4 + pendingLen_, 0, need - 4 - pendingLen_);
    offset += need;
    ++frames;
    pendingLen_ = 0;
  }
  return Napi::Number::New(env, frames);
}

Napi::Value TunDevice::Write(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = RequireOpen(env, "write");
  if (!info[0].IsBuffer()) throw Napi::TypeError::New(env, "write: frames must be a Buffer of TUN frames");
  auto buffer = info[0].As<Napi::Buffer<uint8_t>>();
  size_t count = static_cast<size_t>(RequireInt(info[1], 0, 1LL << 40, "write: count"));
  const uint8_t* data = buffer.Data();
  const size_t size = buffer.Length();
  // Check every frame first, so that bad input writes nothing.
  size_t offset = 0;
  for (size_t i = 0; i < count; ++i) {
    if (offset + 4 > size) {
      throw Napi::RangeError::New(env, "write: frame " + std::to_string(i) + " starts past the end of the Buffer (" +
                                           std::to_string(size) + " bytes for " + std::to_string(count) + " frames)");
    }
    uint32_t len;
    std::memcpy(&len, data + offset, 4);
    if (len == 0 || len > kMaxPacket - 1 || offset + 4 + len > size) {
      throw Napi::RangeError::New(env, "write: frame " + std::to_string(i) + " has length " + std::to_string(len) +
                                           ", which is 0, over 65535, or past the end of the Buffer");
    }
    offset += 4 + Pad4(len);
  }
  offset = 0;
  size_t written = 0;
  while (written < count) {
    uint32_t len;
    std::memcpy(&len, data + offset, 4);
    ssize_t n = ::write(fd, data + offset + 4, len);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      ++writeErrors_;  // e.g. EINVAL for a packet that is not IPv4/IPv6: dropped, go on
    } else {
      ++packetsWritten_;
    }
    offset += 4 + Pad4(len);
    ++written;
  }
  return Napi::Number::New(env, static_cast<double>(written));
}

Napi::Value TunDevice::Stats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object s = Napi::Object::New(env);
  s.Set("packetsRead", Napi::Number::New(env, static_cast<double>(packetsRead_)));
  s.Set("packetsWritten", Napi::Number::New(env, static_cast<double>(packetsWritten_)));
  s.Set("writeErrors", Napi::Number::New(env, static_cast<double>(writeErrors_)));
  return s;
}

}  // namespace sonde
