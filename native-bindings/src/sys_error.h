// JavaScript errors for failed system calls: message says what failed, on what, and why;
// `code` (e.g. 'EPERM'), `errno` and `syscall` are set like Node's own system errors.
#pragma once

#include <napi.h>

#include <string>

namespace sonde {

Napi::Error SysError(Napi::Env env, int err, const std::string& syscall, const std::string& what);
const char* ErrnoName(int err);

}  // namespace sonde
