#include "runner/progress.hpp"

#include <fmt/format.h>

namespace ipc::runner {

Progress::Progress(std::size_t total, bool enabled)
    : total_(total), enabled_(enabled), start_(std::chrono::steady_clock::now()) {}

void Progress::add(const std::string& verdict) {
  std::lock_guard lock(mu_);
  ++done_;
  ++counts_[verdict];
  draw(false);
}

void Progress::draw(bool force) {
  if (!enabled_) return;
  auto now = std::chrono::steady_clock::now();
  if (!force && now - last_draw_ < std::chrono::milliseconds(100) && done_ != total_) return;
  last_draw_ = now;
  std::string line = fmt::format("[{}/{}]", done_, total_);
  for (const auto& [v, n] : counts_) line += fmt::format(" {} {}", v, n);
  line += fmt::format("  {:.1f}s", std::chrono::duration<double>(now - start_).count());
  std::fprintf(stderr, "\r\033[K%s", line.c_str());
  std::fflush(stderr);
}

void Progress::finish() {
  std::lock_guard lock(mu_);
  if (enabled_) {
    std::fprintf(stderr, "\r\033[K");
    std::fflush(stderr);
  }
}

}  // namespace ipc::runner
