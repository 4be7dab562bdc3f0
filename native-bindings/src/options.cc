#include "options.h"

#include <cmath>

namespace sonde {

int64_t RequireInt(Napi::Value v, int64_t min, int64_t max, const std::string& what) {
  Napi::Env env = v.Env();
  if (!v.IsNumber()) {
    throw Napi::TypeError::New(env, what + " must be an integer " + std::to_string(min) + ".." + std::to_string(max));
  }
  double d = v.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(d) || std::floor(d) != d || d < static_cast<double>(min) || d > static_cast<double>(max)) {
    throw Napi::RangeError::New(env, what + " must be an integer " + std::to_string(min) + ".." + std::to_string(max) +
                                         ", got " + v.ToString().Utf8Value());
  }
  return static_cast<int64_t>(d);
}

std::optional<int64_t> OptionalInt(Napi::Object o, const char* field, int64_t min, int64_t max, const std::string& where) {
  Napi::Value v = o.Get(field);
  if (v.IsUndefined()) return std::nullopt;
  return RequireInt(v, min, max, where + ": options." + field);
}

std::optional<bool> OptionalBool(Napi::Object o, const char* field, const std::string& where) {
  Napi::Value v = o.Get(field);
  if (v.IsUndefined()) return std::nullopt;
  if (!v.IsBoolean()) throw Napi::TypeError::New(o.Env(), where + ": options." + field + " must be a boolean");
  return v.As<Napi::Boolean>().Value();
}

std::optional<std::string> OptionalString(Napi::Object o, const char* field, const std::string& where) {
  Napi::Value v = o.Get(field);
  if (v.IsUndefined()) return std::nullopt;
  if (!v.IsString()) throw Napi::TypeError::New(o.Env(), where + ": options." + field + " must be a string");
  return v.As<Napi::String>().Utf8Value();
}

}  // namespace sonde
