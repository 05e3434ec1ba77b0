#include "bench/sockets.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <thread>

#include "stack/api/syscalls.hpp"
#include "stack/stackd/stack_loop.hpp"

namespace ipc::bench {

namespace {
long result(long r) { return r < 0 ? -errno : r; }
}  // namespace

std::string errno_text(long err) {
  const int e = static_cast<int>(err < 0 ? -err : err);
  const char* name = ::strerrorname_np(e);
  return std::string(name ? name : ("errno " + std::to_string(e)).c_str()) + " (" + std::strerror(e) + ")";
}

long KernelSockets::socket(int domain, int type, int protocol) { return result(::socket(domain, type, protocol)); }
long KernelSockets::bind(int fd, const sockaddr* addr, socklen_t len) { return result(::bind(fd, addr, len)); }
long KernelSockets::listen(int fd, int backlog) { return result(::listen(fd, backlog)); }
long KernelSockets::accept4(int fd, sockaddr* addr, socklen_t* len, int flags) {
  return result(::accept4(fd, addr, len, flags));
}
long KernelSockets::connect(int fd, const sockaddr* addr, socklen_t len) { return result(::connect(fd, addr, len)); }
long KernelSockets::setsockopt(int fd, int level, int name, const void* value, socklen_t len) {
  return result(::setsockopt(fd, level, name, value, len));
}
long KernelSockets::getsockopt(int fd, int level, int name, void* value, socklen_t* len) {
  return result(::getsockopt(fd, level, name, value, len));
}
long KernelSockets::sendto(int fd, const void* buf, std::size_t len, int flags) {
  return result(::sendto(fd, buf, len, flags, nullptr, 0));
}
long KernelSockets::recvfrom(int fd, void* buf, std::size_t len, int flags) {
  return result(::recvfrom(fd, buf, len, flags, nullptr, nullptr));
}
long KernelSockets::poll(pollfd* fds, nfds_t n, int timeout_ms) { return result(::poll(fds, n, timeout_ms)); }
long KernelSockets::close(int fd) { return result(::close(fd)); }

bool KernelSockets::idle_until(const std::function<bool()>& done, Clock::time_point deadline) {
  // The kernel needs nobody: just look now and then.
  while (!done()) {
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

template <class F>
long StackSockets::call(F&& f) {
  auto& stack = loop_.stack();
  stack.advance(Clock::now());
  const long r = f();
  stack.run_pending();
  loop_.arm();
  return r;
}

long StackSockets::socket(int domain, int type, int protocol) {
  return call([&] { return sys_.socket(domain, type, protocol); });
}
long StackSockets::bind(int fd, const sockaddr* addr, socklen_t len) {
  return call([&] { return sys_.bind(fd, addr, len); });
}
long StackSockets::listen(int fd, int backlog) { return call([&] { return sys_.listen(fd, backlog); }); }
long StackSockets::accept4(int fd, sockaddr* addr, socklen_t* len, int flags) {
  return call([&] { return sys_.accept4(fd, addr, len, flags); });
}
long StackSockets::connect(int fd, const sockaddr* addr, socklen_t len) {
  return call([&] { return sys_.connect(fd, addr, len); });
}
long StackSockets::setsockopt(int fd, int level, int name, const void* value, socklen_t len) {
  return call([&] { return sys_.setsockopt(fd, level, name, value, len); });
}
long StackSockets::getsockopt(int fd, int level, int name, void* value, socklen_t* len) {
  return call([&] { return sys_.getsockopt(fd, level, name, value, len); });
}
long StackSockets::sendto(int fd, const void* buf, std::size_t len, int flags) {
  return call([&] { return sys_.sendto(fd, buf, len, flags, nullptr, 0); });
}
long StackSockets::recvfrom(int fd, void* buf, std::size_t len, int flags) {
  return call([&] { return sys_.recvfrom(fd, buf, len, flags, nullptr, nullptr); });
}
long StackSockets::poll(pollfd* fds, nfds_t n, int timeout_ms) {
  return call([&] { return sys_.poll(fds, n, timeout_ms); });
}
long StackSockets::close(int fd) { return call([&] { return sys_.close(fd); }); }

bool StackSockets::idle_until(const std::function<bool()>& done, Clock::time_point deadline) {
  // Run the loop in short slices: done() may turn true from another thread
  // (the peer), which wakes nothing in the io_context.
  while (!done()) {
    const auto now = Clock::now();
    if (now >= deadline) return false;
    loop_.wait(done, std::min(deadline, now + std::chrono::milliseconds(5)));
  }
  return true;
}

}  // namespace ipc::bench
