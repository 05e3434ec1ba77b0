// Reading and writing /proc/sys entries, and the per-case journal that puts
// written entries back.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ipconform::kprobe {

// Reads /proc/sys/<path> into `value` (the kernel's text without its final
// newline). Returns 0 or an errno value.
int sysctl_read(const std::string& path, std::string& value);

// Writes `value` to /proc/sys/<path> (O_WRONLY|O_TRUNC, one write).
// Returns 0 or an errno value.
int sysctl_write(const std::string& path, std::string_view value);

// Original values of the entries written since the last restore.
class SysctlJournal {
 public:
  bool contains(const std::string& path) const;
  // Remembers `original` for `path` unless it is already remembered.
  void remember(const std::string& path, std::string original);

  struct Failure {
    std::string path;
    std::string original;
    int err;
  };
  // Writes every original back, newest first, and forgets them all; a failed
  // write does not stop the others.
  std::vector<Failure> restore_all();

 private:
  std::vector<std::pair<std::string, std::string>> originals_;
};

}  // namespace ipconform::kprobe
