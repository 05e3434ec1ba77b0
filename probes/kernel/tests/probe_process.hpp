// Test support: the built ipconform-probe-kernel binary as a child process
// talking over pipes.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace ipconform::kprobe::testing {

class ProbeProcess {
 public:
  enum class Netns {
    fresh,      // the child enters a new network namespace before exec
    inherited,  // the child stays in the test's own namespace
  };
  // Exit status of a child that could not enter a new namespace.
  static constexpr int kCannotUnshare = 77;

  explicit ProbeProcess(Netns netns);
  ~ProbeProcess();
  ProbeProcess(const ProbeProcess&) = delete;
  ProbeProcess& operator=(const ProbeProcess&) = delete;

  // Writes one request line and reads one response line (10 s timeout);
  // nullopt if the probe closed stdout or timed out.
  std::optional<nlohmann::json> request(const nlohmann::json& req);
  // Closes the probe's stdin (EOF).
  void close_input();
  // Everything still unread on the probe's stdout, up to EOF.
  std::string drain_output();
  // Waits for the exit: the exit status, or 128 + signal.
  int wait();
  // The probe's stderr, complete once wait() returned.
  const std::string& error_output() const { return stderr_text_; }

 private:
  std::optional<std::string> read_line(int timeout_ms);
  static std::string read_to_eof(int fd);

  pid_t pid_ = -1;
  int to_child_ = -1;
  int from_child_ = -1;
  int child_stderr_ = -1;
  std::string pending_;  // stdout bytes read past the last line
  std::string stderr_text_;
  std::optional<int> status_;
};

}  // namespace ipconform::kprobe::testing
