// Reading optional, range-checked fields from a JS options object. Errors name the field.
#pragma once

#include <napi.h>

#include <optional>
#include <string>

namespace sonde {

std::optional<int64_t> OptionalInt(Napi::Object o, const char* field, int64_t min, int64_t max, const std::string& where);
std::optional<bool> OptionalBool(Napi::Object o, const char* field, const std::string& where);
std::optional<std::string> OptionalString(Napi::Object o, const char* field, const std::string& where);
int64_t RequireInt(Napi::Value v, int64_t min, int64_t max, const std::string& what);

}  // namespace sonde
