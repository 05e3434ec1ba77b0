// The live progress line on a terminal: counts so far, by verdict.
#pragma once

#include <chrono>
#include <cstdio>
#include <map>
#include <mutex>
#include <string>

namespace ipc::runner {

class Progress {
 public:
  Progress(std::size_t total, bool enabled);
  void add(const std::string& verdict);  // thread-safe
  void finish();                         // clears the line

 private:
  void draw(bool force);
  std::size_t total_, done_ = 0;
  bool enabled_;
  std::map<std::string, std::size_t> counts_;
  std::chrono::steady_clock::time_point start_, last_draw_;
  mutable std::mutex mu_;
};

}  // namespace ipc::runner
