// The syscall edge of the reference stack: the socket calls with Linux's
// arguments (user buffers, lengths, flags) and Linux's answers. Each returns
// what the system call would, with -errno for a failure.
//
// Linux's input quirks (length checks, family games, the order in which
// errors are found) live here and in the option layers this calls
// (stack/socket, stack/mcast, stack/sol_socket, stack/cmsg, stack/ioctl),
// each citing the kernel function it follows; stack/core stays free of them.
#pragma once

#include <poll.h>
#include <sys/socket.h>

#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "stack/api/sockaddr_in.hpp"
#include "stack/core/stack.hpp"

namespace ipc::stack::api {

using core::Clock;

// Runs the stack's event loop until `ready()` holds or `deadline` passes
// (nullopt: no deadline). Returns ready().
using Waiter = std::function<bool(const std::function<bool()>& ready, std::optional<Clock::time_point> deadline)>;

class Syscalls {
 public:
  Syscalls(core::Stack& stack, Waiter wait);

  long socket(int domain, int type, int protocol);
  long bind(int fd, const sockaddr* addr, socklen_t len);
  long connect(int fd, const sockaddr* addr, socklen_t len);
  long listen(int fd, int backlog);
  long accept4(int fd, sockaddr* addr, socklen_t* len, int flags);
  long getsockname(int fd, sockaddr* addr, socklen_t* len);
  long getpeername(int fd, sockaddr* addr, socklen_t* len);
  long setsockopt(int fd, int level, int name, const void* value, socklen_t len);
  long getsockopt(int fd, int level, int name, void* value, socklen_t* len);
  long sendto(int fd, const void* buf, size_t len, int flags, const sockaddr* addr, socklen_t addrlen);
  long recvfrom(int fd, void* buf, size_t len, int flags, sockaddr* addr, socklen_t* addrlen);
  long sendmsg(int fd, const msghdr* msg, int flags);
  long recvmsg(int fd, msghdr* msg, int flags);
  long poll(pollfd* fds, nfds_t n, int timeout_ms);
  long shutdown(int fd, int how);
  long close(int fd);
  long ioctl(int fd, unsigned long request, void* arg);

  // Closes every socket (the probe protocol's `end`).
  void close_all();

 private:
  long send_common(core::Socket& s, const void* buf, size_t len, int flags, const void* name, long namelen,
                   const void* control, size_t controllen);
  long recv_common(int fd, core::Socket& s, msghdr& msg, int flags);
  unsigned poll_mask(const core::Socket& s) const;
  unsigned stream_poll_mask(const core::Socket& s) const;
  // Stream sockets (stream_calls.cpp).
  long stream_connect(core::Socket& s, const SockaddrIn& sin, int addrlen);
  long stream_accept(core::Socket& listener, sockaddr* addr, socklen_t* len, int flags);
  long stream_send(core::Socket& s, std::span<const std::uint8_t> data, int flags);
  long stream_recv(core::Socket& s, std::span<std::uint8_t> out, int flags);
  long caps_raw_or(long without, long with) const;

  core::Stack& stack_;
  Waiter wait_;
};

}  // namespace ipc::stack::api
