// Runs one piece of code with the calling thread inside another network namespace.
//
// Why: the test network simulator puts its TUN device and routes in a namespace the test
// created, and the engine under test must send from inside it, in-process (worker threads
// included), without `ip netns exec` or a child process. A socket or TUN device belongs
// to the namespace that was current when it was created and keeps it for life, so we
// switch only this thread (setns(CLONE_NEWNET) affects the calling thread alone), create
// the fd, and switch straight back to the thread's original namespace — also on error.
#pragma once

#include <string>

namespace sonde {

class NetnsScope {
 public:
  // Enters `path` (e.g. /run/netns/NAME) when non-empty. Throws NetnsError on failure.
  explicit NetnsScope(const std::string& path);
  // Returns to the original namespace. If that is impossible the thread would keep running
  // in the wrong namespace, so the process is aborted with a message instead.
  ~NetnsScope();
  NetnsScope(const NetnsScope&) = delete;
  NetnsScope& operator=(const NetnsScope&) = delete;

 private:
  int original_ = -1;
};

struct NetnsError {
  int err;
  std::string syscall;
  std::string what;
};

}  // namespace sonde
