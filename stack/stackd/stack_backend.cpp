#include "stack/stackd/stack_backend.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <string_view>

namespace ipc::stack::stackd {

namespace {
// The syscall convention: -1 with errno for a failure.
long as_syscall(long r) {
  if (r < 0) {
    errno = static_cast<int>(-r);
    return -1;
  }
  return r;
}

// Linux's capability names (include/uapi/linux/capability.h).
constexpr std::array<std::string_view, 41> kCapabilities = {
    "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
    "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE",
    "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE",
    "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT",
    "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE",
    "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG",
    "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE"};

std::string upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return s;
}
}  // namespace

StackBackend::StackBackend(core::Stack& stack, api::Syscalls& sys, std::function<core::Clock::time_point()> now)
    : stack_(stack), sys_(sys), now_(std::move(now)) {}

ipconform::probe::TargetIdentity StackBackend::identity() {
  return {"stack", "ipconform reference stack (userspace IPv4)", "0.1", {"caps", "sysctl", "tcp"}};
}

bool StackBackend::is_capability(const std::string& name) {
  return std::find(kCapabilities.begin(), kCapabilities.end(), upper(name)) != kCapabilities.end();
}

int StackBackend::begin(const std::vector<std::string>& caps_drop) {
  for (const auto& c : caps_drop) {
    const std::string n = upper(c);
    if (n == "CAP_NET_RAW") stack_.caps().net_raw = false;
    if (n == "CAP_NET_ADMIN") stack_.caps().net_admin = false;
    if (n == "CAP_NET_BIND_SERVICE") stack_.caps().net_bind_service = false;
  }
  return 0;
}

int StackBackend::reset(std::string& detail) {
  detail.clear();
  sys_.close_all();
  stack_.reset(now_());
  return 0;
}

ipconform::probe::SysctlAnswer StackBackend::sysctl(const std::string& path, const std::optional<std::string>& value) {
  const auto r = value ? stack_.sysctl_write(path, *value) : stack_.sysctls().read(path);
  return {r.err, r.value};
}

int StackBackend::socket(int d, int t, int p) { return static_cast<int>(as_syscall(sys_.socket(d, t, p))); }
int StackBackend::bind(int fd, const sockaddr* a, socklen_t l) { return static_cast<int>(as_syscall(sys_.bind(fd, a, l))); }
int StackBackend::connect(int fd, const sockaddr* a, socklen_t l) {
  return static_cast<int>(as_syscall(sys_.connect(fd, a, l)));
}
int StackBackend::listen(int fd, int b) { return static_cast<int>(as_syscall(sys_.listen(fd, b))); }
int StackBackend::accept4(int fd, sockaddr* a, socklen_t* l, int f) {
  return static_cast<int>(as_syscall(sys_.accept4(fd, a, l, f)));
}
int StackBackend::getsockname(int fd, sockaddr* a, socklen_t* l) {
  return static_cast<int>(as_syscall(sys_.getsockname(fd, a, l)));
}
int StackBackend::getpeername(int fd, sockaddr* a, socklen_t* l) {
  return static_cast<int>(as_syscall(sys_.getpeername(fd, a, l)));
}
int StackBackend::setsockopt(int fd, int level, int name, const void* v, socklen_t l) {
  return static_cast<int>(as_syscall(sys_.setsockopt(fd, level, name, v, l)));
}
int StackBackend::getsockopt(int fd, int level, int name, void* v, socklen_t* l) {
  return static_cast<int>(as_syscall(sys_.getsockopt(fd, level, name, v, l)));
}
ssize_t StackBackend::sendto(int fd, const void* b, size_t n, int f, const sockaddr* a, socklen_t l) {
  return as_syscall(sys_.sendto(fd, b, n, f, a, l));
}
ssize_t StackBackend::recvfrom(int fd, void* b, size_t n, int f, sockaddr* a, socklen_t* l) {
  return as_syscall(sys_.recvfrom(fd, b, n, f, a, l));
}
ssize_t StackBackend::sendmsg(int fd, const msghdr* m, int f) { return as_syscall(sys_.sendmsg(fd, m, f)); }
ssize_t StackBackend::recvmsg(int fd, msghdr* m, int f) { return as_syscall(sys_.recvmsg(fd, m, f)); }
int StackBackend::poll(pollfd* fds, nfds_t n, int t) { return static_cast<int>(as_syscall(sys_.poll(fds, n, t))); }
int StackBackend::shutdown(int fd, int how) { return static_cast<int>(as_syscall(sys_.shutdown(fd, how))); }
int StackBackend::close(int fd) { return static_cast<int>(as_syscall(sys_.close(fd))); }
int StackBackend::ioctl(int fd, unsigned long r, void* a) { return static_cast<int>(as_syscall(sys_.ioctl(fd, r, a))); }

}  // namespace ipc::stack::stackd
