// The runner's side of the probe protocol transport: a target process started
// inside a network namespace, spoken to over its stdin/stdout with one JSON
// object per line.  See docs/probe-protocol.md ("Transport") and
// probes/client/README.md.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include <sys/types.h>

#include <nlohmann/json.hpp>

namespace ipc::probe {

struct ProbeError : std::runtime_error {
  enum class Kind {
    Timeout,   // no complete response line before the deadline
    Exited,    // the target closed its stdout / stdin, or exited
    Protocol,  // not JSON, not an object, wrong or missing id, unsolicited output, line too long
    Spawn,     // the target could not be started (fork, setns, exec, ...)
  };
  ProbeError(Kind k, const std::string& what) : std::runtime_error(what), kind(k) {}
  Kind kind;
};

const char* to_string(ProbeError::Kind kind);  // "timeout", "exited", "protocol", "spawn"

// Move-only owner of one target process.  Not thread-safe: one thread at a
// time.  The child gets PR_SET_PDEATHSIG(SIGKILL), which the kernel ties to
// the *thread* that spawned it: keep a ProbeProcess on the thread that made it
// (or at least keep that thread alive as long as the process).
class ProbeProcess {
 public:
  // Longest response line accepted (a larger one is a Protocol error).
  static constexpr std::size_t kMaxLineBytes = 64u << 20;

  // Starts argv[0] (a path; no PATH search) with argv, in netns_fd's network
  // namespace if netns_fd >= 0 (else in the calling thread's).  stdin and
  // stdout are pipes, stderr is inherited, every other fd is closed.  Returns
  // once exec has succeeded; throws ProbeError{Spawn} otherwise.
  static ProbeProcess spawn(const std::vector<std::string>& argv, int netns_fd);

  ProbeProcess(ProbeProcess&& other) noexcept;
  ProbeProcess& operator=(ProbeProcess&& other) noexcept;
  ProbeProcess(const ProbeProcess&) = delete;
  ProbeProcess& operator=(const ProbeProcess&) = delete;
  ~ProbeProcess();  // if alive: close stdin, wait up to 200 ms, then SIGKILL; always reaps

  // Sends `request` (an object) with a fresh "id" and returns the response
  // line parsed.  The timeout covers writing the request and reading the
  // answer.  Throws ProbeError (Timeout, Exited, Protocol) or
  // std::invalid_argument if `request` is not an object.
  nlohmann::json call(nlohmann::json request, std::chrono::milliseconds timeout);

  void kill();   // SIGKILL our own child, then reap it; idempotent
  bool alive();  // false once the child has exited (it is then reaped)
  pid_t pid() const { return pid_; }

  // How the child ended ("exit status 0", "killed by signal 9 (SIGKILL)"), or
  // "running" / "not started".
  std::string exit_description();

 private:
  ProbeProcess() = default;
  void release() noexcept;  // close fds, kill and reap; leaves *this empty
  bool reap(bool block);    // true once reaped
  bool wait_exit(std::chrono::milliseconds limit, bool drain_stdout);
  [[noreturn]] void throw_exited(const std::string& what);
  void drain_unsolicited();

  std::string name_;  // argv[0], for messages
  pid_t pid_ = -1;
  int pidfd_ = -1;    // -1 if pidfd_open is unavailable
  int to_child_ = -1;    // the child's stdin
  int from_child_ = -1;  // the child's stdout
  bool reaped_ = false;
  int wait_status_ = 0;
  bool eof_ = false;
  std::int64_t next_id_ = 1;
  std::string inbuf_;        // bytes read but not consumed
  std::size_t scanned_ = 0;  // inbuf_[0, scanned_) holds no '\n' 
};

}  // namespace ipc::probe
