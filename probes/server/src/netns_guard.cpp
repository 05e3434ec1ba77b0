#include "netns_guard.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

namespace ipconform::probe {

namespace {

constexpr ino_t kInitNetInode = 0xEFFFFFF9;       // PROC_NET_INIT_INO
constexpr unsigned long kPfKthread = 0x00200000;  // PF_KTHREAD

bool same_file(const struct stat& a, const struct stat& b) {
  return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

// True if /proc/2 is the kernel thread kthreadd (not so in a PID namespace).
bool pid2_is_kthreadd() {
  std::ifstream in("/proc/2/stat");
  std::string line;
  if (!std::getline(in, line)) return false;
  // "2 (kthreadd) S 0 0 0 0 -1 <flags> ..."; the name ends at the last ')'.
  const auto close = line.rfind(')');
  if (close == std::string::npos || line.compare(0, close + 1, "2 (kthreadd)") != 0) return false;
  std::istringstream fields(line.substr(close + 1));
  std::string field;
  for (int i = 0; i < 7; ++i) fields >> field;  // state ppid pgrp session tty_nr tpgid flags
  unsigned long flags = 0;
  try {
    flags = std::stoul(field);
  } catch (const std::exception&) {
    return false;
  }
  return (flags & kPfKthread) != 0;
}

}  // namespace

NetnsCheck check_netns() {
  using Verdict = NetnsCheck::Verdict;
  struct stat self = {};
  if (::stat("/proc/self/ns/net", &self) != 0)
    return {Verdict::unknown,
            fmt::format("cannot stat /proc/self/ns/net: {}", std::strerror(errno))};
  const std::string self_name = fmt::format("net:[{}]", self.st_ino);

  if (self.st_ino == kInitNetInode)
    return {Verdict::shared, fmt::format("{} is the initial network namespace", self_name)};

  int compared = 0;
  std::string notes;
  struct stat other = {};
  if (::stat("/proc/1/ns/net", &other) == 0) {
    ++compared;
    if (same_file(self, other))
      return {Verdict::shared, fmt::format("{} is the network namespace of PID 1", self_name)};
  } else {
    notes = fmt::format("cannot stat /proc/1/ns/net: {}", std::strerror(errno));
  }
  if (pid2_is_kthreadd() && ::stat("/proc/2/ns/net", &other) == 0) {
    ++compared;
    if (same_file(self, other))
      return {Verdict::shared,
              fmt::format("{} is the network namespace of the kernel's threads", self_name)};
  }
  if (compared == 0)
    return {Verdict::unknown,
            fmt::format("cannot tell whether {} is the initial network namespace ({})", self_name,
                        notes)};
  return {Verdict::isolated, self_name};
}

}  // namespace ipconform::probe
