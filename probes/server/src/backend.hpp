// What a probe server needs from the target it drives: the calls of the
// probe protocol, in the shape of the Linux system calls they stand for.
//
// Each call returns what the system call would (-1 on failure) and leaves the
// failure's number in errno, so the kernel backend is a plain pass-through
// and a userspace stack reproduces the syscall boundary exactly: the same
// user buffers, lengths and flags reach it. Pointers point into buffers the
// server allocated (GuardedBuffer): an access past a declared length reaches
// a guard page, as it would in the kernel.
#pragma once

#include <poll.h>
#include <sys/socket.h>

#include <optional>
#include <string>
#include <vector>

namespace ipconform::probe {

struct TargetIdentity {
  std::string target;          // short name ("kernel", "stack")
  std::string implementation;  // free text
  std::string release;         // e.g. uname -r
  std::vector<std::string> features;
};

// The answer to a sysctl request: err 0 and the value read (after a write,
// the value read back; nullopt if the entry cannot be read), or an errno.
struct SysctlAnswer {
  int err = 0;
  std::optional<std::string> value;
};

class Backend {
 public:
  virtual ~Backend() = default;

  virtual TargetIdentity identity() = 0;
  // Drops the named capabilities (names already checked by is_capability)
  // for the case; 0 or an errno (the drop is then undone).
  virtual int begin(const std::vector<std::string>& caps_drop) = 0;
  virtual bool is_capability(const std::string& name) = 0;
  // Back to the state after hello: sockets closed, capabilities and
  // sysctls restored, learnt paths forgotten. 0 or the first errno, with
  // every failure described in `detail`.
  virtual int reset(std::string& detail) = 0;
  // `path` is relative to /proc/sys and already validated; no value: read.
  virtual SysctlAnswer sysctl(const std::string& path, const std::optional<std::string>& value) = 0;

  virtual int socket(int domain, int type, int protocol) = 0;
  virtual int bind(int fd, const sockaddr* addr, socklen_t len) = 0;
  virtual int connect(int fd, const sockaddr* addr, socklen_t len) = 0;
  virtual int listen(int fd, int backlog) = 0;
  virtual int accept4(int fd, sockaddr* addr, socklen_t* len, int flags) = 0;
  virtual int getsockname(int fd, sockaddr* addr, socklen_t* len) = 0;
  virtual int getpeername(int fd, sockaddr* addr, socklen_t* len) = 0;
  virtual int setsockopt(int fd, int level, int name, const void* value, socklen_t len) = 0;
  virtual int getsockopt(int fd, int level, int name, void* value, socklen_t* len) = 0;
  virtual ssize_t sendto(int fd, const void* buf, size_t len, int flags, const sockaddr* addr,
                         socklen_t addrlen) = 0;
  virtual ssize_t recvfrom(int fd, void* buf, size_t len, int flags, sockaddr* addr,
                           socklen_t* addrlen) = 0;
  virtual ssize_t sendmsg(int fd, const msghdr* msg, int flags) = 0;
  virtual ssize_t recvmsg(int fd, msghdr* msg, int flags) = 0;
  virtual int poll(pollfd* fds, nfds_t n, int timeout_ms) = 0;
  virtual int shutdown(int fd, int how) = 0;
  virtual int close(int fd) = 0;
  virtual int ioctl(int fd, unsigned long request, void* arg) = 0;
};

}  // namespace ipconform::probe
