#include "sysctl.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace ipconform::kprobe {

namespace {

constexpr std::string_view kRoot = "/proc/sys/";

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

std::string full_path(const std::string& path) { return std::string(kRoot) + path; }

}  // namespace

int sysctl_read(const std::string& path, std::string& value) {
  Fd fd(::open(full_path(path).c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return errno;
  std::string text;
  char chunk[4096];
  for (;;) {
    ssize_t n = ::read(fd.get(), chunk, sizeof chunk);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    if (n == 0) break;
    text.append(chunk, static_cast<std::size_t>(n));
  }
  if (text.ends_with('\n')) text.pop_back();
  value = std::move(text);
  return 0;
}

int sysctl_write(const std::string& path, std::string_view value) {
  Fd fd(::open(full_path(path).c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC));
  if (fd.get() < 0) return errno;
  if (::write(fd.get(), value.data(), value.size()) < 0) return errno;
  return 0;
}

bool SysctlJournal::contains(const std::string& path) const {
  return std::ranges::any_of(originals_, [&](const auto& entry) { return entry.first == path; });
}

void SysctlJournal::remember(const std::string& path, std::string original) {
  if (!contains(path)) originals_.emplace_back(path, std::move(original));
}

std::vector<SysctlJournal::Failure> SysctlJournal::restore_all() {
  std::vector<Failure> failures;
  for (auto it = originals_.rbegin(); it != originals_.rend(); ++it)
    if (const int err = sysctl_write(it->first, it->second); err != 0)
      failures.push_back({it->first, it->second, err});
  originals_.clear();
  return failures;
}

}  // namespace ipconform::kprobe
