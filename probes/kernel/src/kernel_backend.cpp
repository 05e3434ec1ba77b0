#include "kernel_backend.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <iostream>

#include <fmt/format.h>

#include "capabilities.hpp"
#include "errno_names.hpp"

namespace ipconform::kprobe {

namespace {

bool can_create_socket(int domain, int type, int protocol) {
  const int fd = ::socket(domain, type | SOCK_CLOEXEC, protocol);
  if (fd < 0) return false;
  ::close(fd);
  return true;
}

int flush_route_cache() {
  const int fd = ::open("/proc/sys/net/ipv4/route/flush", O_WRONLY | O_CLOEXEC);
  if (fd < 0) return errno;
  const int err = ::write(fd, "1\n", 2) == 2 ? 0 : errno;
  ::close(fd);
  return err;
}

}  // namespace

probe::TargetIdentity KernelBackend::identity() {
  utsname uts{};
  ::uname(&uts);
  probe::TargetIdentity id{"kernel", "Linux", uts.release, {}};
  id.features.push_back("caps");
  if (can_create_socket(AF_INET, SOCK_STREAM, IPPROTO_SCTP)) id.features.push_back("sctp");
  id.features.push_back("sysctl");
  id.features.push_back("tcp");
  if (can_create_socket(AF_INET, SOCK_DGRAM, IPPROTO_UDPLITE)) id.features.push_back("udplite");
  return id;
}

bool KernelBackend::is_capability(const std::string& name) {
  return capability_from_name(name).has_value();
}

int KernelBackend::begin(const std::vector<std::string>& caps_drop) {
  std::vector<cap_value_t> caps;
  for (const auto& name : caps_drop) caps.push_back(*capability_from_name(name));
  if (const int err = drop_effective(caps); err != 0) {
    restore_effective();  // begin failed: leave the capabilities as they were
    return err;
  }
  return 0;
}

int KernelBackend::reset(std::string& detail) {
  int first_err = 0;
  detail.clear();
  const auto failed = [&](int err, const std::string& what) {
    if (first_err == 0) first_err = err;
    if (!detail.empty()) detail += "; ";
    detail += fmt::format("{}: {}", what, probe::errno_name(err));
  };
  // Capabilities first: restoring sysctls must not depend on what the case dropped.
  if (const int err = restore_effective(); err != 0)
    failed(err, "restoring the effective capability set");
  for (const auto& failure : sysctl_journal_.restore_all())
    failed(failure.err,
           fmt::format("restoring sysctl {} to \"{}\"", failure.path, failure.original));
  // What a case taught the kernel about paths (learnt PMTUs, redirects) must
  // not reach the next case: a route-cache flush drops those exceptions
  // (rt_cache_flush bumps the namespace's route generation).
  if (const int err = flush_route_cache(); err != 0) failed(err, "flushing the route cache");
  return first_err;
}

probe::SysctlAnswer KernelBackend::sysctl(const std::string& path,
                                          const std::optional<std::string>& value) {
  if (value) {
    // Keep the value from before the first write since the last end.
    bool journaled = sysctl_journal_.contains(path);
    if (!journaled) {
      std::string original;
      if (sysctl_read(path, original) == 0) {
        sysctl_journal_.remember(path, std::move(original));
        journaled = true;
      }
    }
    if (const int err = sysctl_write(path, *value); err != 0) return {err, std::nullopt};
    if (!journaled)
      std::cerr << fmt::format(
          "ipconform-probe-kernel: sysctl {} was written but could not be read first; "
          "end will not restore it\n",
          path);
  }
  std::string text;
  if (const int err = sysctl_read(path, text); err != 0) {
    // A written entry that cannot be read back (write-only) still succeeded.
    if (value) return {0, std::nullopt};
    return {err, std::nullopt};
  }
  return {0, std::move(text)};
}

int KernelBackend::socket(int domain, int type, int protocol) {
  return ::socket(domain, type, protocol);
}
int KernelBackend::bind(int fd, const sockaddr* addr, socklen_t len) { return ::bind(fd, addr, len); }
int KernelBackend::connect(int fd, const sockaddr* addr, socklen_t len) {
  return ::connect(fd, addr, len);
}
int KernelBackend::listen(int fd, int backlog) { return ::listen(fd, backlog); }
int KernelBackend::accept4(int fd, sockaddr* addr, socklen_t* len, int flags) {
  return ::accept4(fd, addr, len, flags);
}
int KernelBackend::getsockname(int fd, sockaddr* addr, socklen_t* len) {
  return ::getsockname(fd, addr, len);
}
int KernelBackend::getpeername(int fd, sockaddr* addr, socklen_t* len) {
  return ::getpeername(fd, addr, len);
}
int KernelBackend::setsockopt(int fd, int level, int name, const void* value, socklen_t len) {
  return ::setsockopt(fd, level, name, value, len);
}
int KernelBackend::getsockopt(int fd, int level, int name, void* value, socklen_t* len) {
  return ::getsockopt(fd, level, name, value, len);
}
ssize_t KernelBackend::sendto(int fd, const void* buf, size_t len, int flags, const sockaddr* addr,
                              socklen_t addrlen) {
  return ::sendto(fd, buf, len, flags, addr, addrlen);
}
ssize_t KernelBackend::recvfrom(int fd, void* buf, size_t len, int flags, sockaddr* addr,
                                socklen_t* addrlen) {
  return ::recvfrom(fd, buf, len, flags, addr, addrlen);
}
ssize_t KernelBackend::sendmsg(int fd, const msghdr* msg, int flags) {
  return ::sendmsg(fd, msg, flags);
}
ssize_t KernelBackend::recvmsg(int fd, msghdr* msg, int flags) { return ::recvmsg(fd, msg, flags); }
int KernelBackend::poll(pollfd* fds, nfds_t n, int timeout_ms) { return ::poll(fds, n, timeout_ms); }
int KernelBackend::shutdown(int fd, int how) { return ::shutdown(fd, how); }
int KernelBackend::close(int fd) { return ::close(fd); }
int KernelBackend::ioctl(int fd, unsigned long request, void* arg) {
  return ::ioctl(fd, request, arg);
}

}  // namespace ipconform::kprobe
