// The socket calls a benchmark end makes, with Linux's answers (-errno on
// failure), on the kernel of the calling thread's namespace or on the
// reference stack through api::Syscalls.
#pragma once

#include <poll.h>
#include <sys/socket.h>

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>

namespace ipc::stack::api {
class Syscalls;
}
namespace ipc::stack::stackd {
class StackLoop;
}

namespace ipc::bench {

using Clock = std::chrono::steady_clock;

class SocketApi {
 public:
  virtual ~SocketApi() = default;
  // "kernel" or "stack": who answers, for messages.
  virtual std::string name() const = 0;

  virtual long socket(int domain, int type, int protocol) = 0;
  virtual long bind(int fd, const sockaddr* addr, socklen_t len) = 0;
  virtual long listen(int fd, int backlog) = 0;
  virtual long accept4(int fd, sockaddr* addr, socklen_t* len, int flags) = 0;
  virtual long connect(int fd, const sockaddr* addr, socklen_t len) = 0;
  virtual long setsockopt(int fd, int level, int name, const void* value, socklen_t len) = 0;
  virtual long getsockopt(int fd, int level, int name, void* value, socklen_t* len) = 0;
  virtual long sendto(int fd, const void* buf, std::size_t len, int flags) = 0;
  virtual long recvfrom(int fd, void* buf, std::size_t len, int flags) = 0;
  virtual long poll(pollfd* fds, nfds_t n, int timeout_ms) = 0;
  virtual long close(int fd) = 0;

  // Waits until done() holds or `deadline` passes, keeping this side alive
  // meanwhile (the stack's event loop keeps running: an orphaned socket still
  // sends, acknowledges and closes). Returns done().
  virtual bool idle_until(const std::function<bool()>& done, Clock::time_point deadline) = 0;
};

// The kernel of the calling thread's network namespace.
class KernelSockets final : public SocketApi {
 public:
  std::string name() const override { return "kernel"; }
  long socket(int domain, int type, int protocol) override;
  long bind(int fd, const sockaddr* addr, socklen_t len) override;
  long listen(int fd, int backlog) override;
  long accept4(int fd, sockaddr* addr, socklen_t* len, int flags) override;
  long connect(int fd, const sockaddr* addr, socklen_t len) override;
  long setsockopt(int fd, int level, int name, const void* value, socklen_t len) override;
  long getsockopt(int fd, int level, int name, void* value, socklen_t* len) override;
  long sendto(int fd, const void* buf, std::size_t len, int flags) override;
  long recvfrom(int fd, void* buf, std::size_t len, int flags) override;
  long poll(pollfd* fds, nfds_t n, int timeout_ms) override;
  long close(int fd) override;
  bool idle_until(const std::function<bool()>& done, Clock::time_point deadline) override;
};

// The reference stack, run by `loop` on the calling thread. Each call is
// made as stackd makes a request: the stack advanced to now, the call, the
// looped-back packets run, the timer re-armed at the stack's next deadline.
class StackSockets final : public SocketApi {
 public:
  StackSockets(stack::stackd::StackLoop& loop, stack::api::Syscalls& sys) : loop_(loop), sys_(sys) {}
  std::string name() const override { return "stack"; }
  long socket(int domain, int type, int protocol) override;
  long bind(int fd, const sockaddr* addr, socklen_t len) override;
  long listen(int fd, int backlog) override;
  long accept4(int fd, sockaddr* addr, socklen_t* len, int flags) override;
  long connect(int fd, const sockaddr* addr, socklen_t len) override;
  long setsockopt(int fd, int level, int name, const void* value, socklen_t len) override;
  long getsockopt(int fd, int level, int name, void* value, socklen_t* len) override;
  long sendto(int fd, const void* buf, std::size_t len, int flags) override;
  long recvfrom(int fd, void* buf, std::size_t len, int flags) override;
  long poll(pollfd* fds, nfds_t n, int timeout_ms) override;
  long close(int fd) override;
  bool idle_until(const std::function<bool()>& done, Clock::time_point deadline) override;

 private:
  template <class F>
  long call(F&& f);

  stack::stackd::StackLoop& loop_;
  stack::api::Syscalls& sys_;
};

// "ECONNREFUSED (Connection refused)" for -ECONNREFUSED or ECONNREFUSED.
std::string errno_text(long err);

}  // namespace ipc::bench
