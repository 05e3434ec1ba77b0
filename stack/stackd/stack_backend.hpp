// The probe-protocol backend of stackd: each probe call goes to the
// reference stack's syscall edge, with its -errno turned into errno.
#pragma once

#include <functional>

#include "backend.hpp"
#include "stack/api/syscalls.hpp"

namespace ipc::stack::stackd {

class StackBackend final : public ipconform::probe::Backend {
 public:
  // `now` reads the clock the event loop drives the stack with.
  StackBackend(core::Stack& stack, api::Syscalls& sys, std::function<core::Clock::time_point()> now);

  ipconform::probe::TargetIdentity identity() override;
  int begin(const std::vector<std::string>& caps_drop) override;
  bool is_capability(const std::string& name) override;
  int reset(std::string& detail) override;
  ipconform::probe::SysctlAnswer sysctl(const std::string& path, const std::optional<std::string>& value) override;

  int socket(int domain, int type, int protocol) override;
  int bind(int fd, const sockaddr* addr, socklen_t len) override;
  int connect(int fd, const sockaddr* addr, socklen_t len) override;
  int listen(int fd, int backlog) override;
  int accept4(int fd, sockaddr* addr, socklen_t* len, int flags) override;
  int getsockname(int fd, sockaddr* addr, socklen_t* len) override;
  int getpeername(int fd, sockaddr* addr, socklen_t* len) override;
  int setsockopt(int fd, int level, int name, const void* value, socklen_t len) override;
  int getsockopt(int fd, int level, int name, void* value, socklen_t* len) override;
  ssize_t sendto(int fd, const void* buf, size_t len, int flags, const sockaddr* addr, socklen_t addrlen) override;
  ssize_t recvfrom(int fd, void* buf, size_t len, int flags, sockaddr* addr, socklen_t* addrlen) override;
  ssize_t sendmsg(int fd, const msghdr* msg, int flags) override;
  ssize_t recvmsg(int fd, msghdr* msg, int flags) override;
  int poll(pollfd* fds, nfds_t n, int timeout_ms) override;
  int shutdown(int fd, int how) override;
  int close(int fd) override;
  int ioctl(int fd, unsigned long request, void* arg) override;

 private:
  core::Stack& stack_;
  api::Syscalls& sys_;
  std::function<core::Clock::time_point()> now_;
};

}  // namespace ipc::stack::stackd
