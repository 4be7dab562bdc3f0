#include "netns.h"

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace sonde {

NetnsScope::NetnsScope(const std::string& path) {
  if (path.empty()) return;
  int original = ::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  if (original < 0) throw NetnsError{errno, "open", "saving this thread's network namespace (/proc/thread-self/ns/net)"};
  int target = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (target < 0) {
    int err = errno;
    ::close(original);
    throw NetnsError{err, "open", "opening network namespace " + path};
  }
  if (::setns(target, CLONE_NEWNET) != 0) {
    int err = errno;
    ::close(target);
    ::close(original);
    throw NetnsError{err, "setns", "entering network namespace " + path + " (needs CAP_SYS_ADMIN)"};
  }
  ::close(target);
  original_ = original;
}

NetnsScope::~NetnsScope() {
  if (original_ < 0) return;
  if (::setns(original_, CLONE_NEWNET) != 0) {
    std::fprintf(stderr, "sonde: cannot return to the original network namespace: %s\n", std::strerror(errno));
    std::abort();
  }
  ::close(original_);
}

}  // namespace sonde
