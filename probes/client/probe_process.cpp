// Target process management and the line transport of the probe protocol.
#include "probes/client/probe_process.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <climits>
#include <csignal>
#include <cstring>
#include <thread>
#include <utility>

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

namespace ipc::probe {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr int kPipeSize = 1 << 20;  // asked for with F_SETPIPE_SZ; best effort
constexpr auto kExecLimit = std::chrono::seconds(10);

[[noreturn]] void spawn_error(const std::string& msg) { throw ProbeError(ProbeError::Kind::Spawn, msg); }
[[noreturn]] void protocol_error(const std::string& msg) { throw ProbeError(ProbeError::Kind::Protocol, msg); }

void close_fd(int& fd) noexcept {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

struct Pipe {
  int fd[2] = {-1, -1};
  Pipe() {
    if (::pipe2(fd, O_CLOEXEC) != 0) spawn_error(fmt::format("pipe2: {}", std::strerror(errno)));
  }
  ~Pipe() {
    close_fd(fd[0]);
    close_fd(fd[1]);
  }
};

// What the child reports through the error pipe when it cannot exec.
struct ChildFailure {
  int stage;
  int err;
};
enum Stage : int { kSetns = 1, kDupFd, kExec };

// A printable excerpt of target output, for error messages.
std::string excerpt(std::string_view s, std::size_t max = 200) {
  std::string out;
  for (char c : s.substr(0, max)) {
    auto u = static_cast<unsigned char>(c);
    if (u == '\\') out += "\\\\";
    else if (u >= 0x20 && u < 0x7f) out += c;
    else out += fmt::format("\\x{:02x}", u);
  }
  if (s.size() > max) out += fmt::format("... ({} bytes)", s.size());
  return out;
}

// Blocks SIGPIPE on the calling thread for one write(); a SIGPIPE raised by
// that write is consumed, so EPIPE comes back as an error instead.
class SigpipeBlock {
 public:
  SigpipeBlock() {
    sigemptyset(&set_);
    sigaddset(&set_, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &set_, &old_);
    sigset_t pending;
    sigpending(&pending);
    was_pending_ = sigismember(&pending, SIGPIPE) == 1;
  }
  void consume() {
    if (was_pending_) return;  // not ours to swallow
    struct timespec zero {};
    while (sigtimedwait(&set_, nullptr, &zero) < 0 && errno == EINTR) {
    }
  }
  ~SigpipeBlock() { pthread_sigmask(SIG_SETMASK, &old_, nullptr); }

 private:
  sigset_t set_{}, old_{};
  bool was_pending_ = false;
};

int remaining_ms(Clock::time_point deadline) {
  auto left = deadline - Clock::now();
  if (left <= Clock::duration::zero()) return 0;
  auto ms = std::chrono::ceil<milliseconds>(left).count();
  return static_cast<int>(std::min<long long>(ms, INT_MAX));
}

// The child between fork() and exec: async-signal-safe calls only.
[[noreturn]] void child_exec(char* const* argv, int netns_fd, int stdin_r, int stdout_w, int err_w, pid_t parent,
                             int max_fd) {
  auto die = [&](int stage) {
    ChildFailure f{stage, errno};
    ssize_t ignored = ::write(err_w, &f, sizeof f);
    (void)ignored;
    _exit(127);
  };

  // Die with the thread that spawned us; close the race with its death.
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != parent) _exit(127);

  if (netns_fd >= 0 && ::setns(netns_fd, CLONE_NEWNET) != 0) die(kSetns);

  // Default signal dispositions and an empty mask, whatever the runner uses
  // (ignored signals and the mask would survive exec).  In particular SIGINT
  // from the terminal kills the target, as it does the runner.
  for (int sig = 1; sig < NSIG; ++sig) {
    if (sig == SIGKILL || sig == SIGSTOP) continue;
    ::signal(sig, SIG_DFL);
  }
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);

  // Move our three fds to >= 3 first, so the dup2s below cannot clobber them.
  int in = ::fcntl(stdin_r, F_DUPFD, 3);
  int out = ::fcntl(stdout_w, F_DUPFD, 3);
  int errp = ::fcntl(err_w, F_DUPFD_CLOEXEC, 3);
  if (in < 0 || out < 0 || errp < 0) die(kDupFd);
  err_w = errp;
  if (::dup2(in, 0) < 0 || ::dup2(out, 1) < 0) die(kDupFd);

  // Close everything else (stderr stays inherited).
  bool closed = (err_w == 3 || ::close_range(3, static_cast<unsigned>(err_w - 1), 0) == 0) &&
                ::close_range(static_cast<unsigned>(err_w + 1), ~0u, 0) == 0;
  if (!closed) {  // kernel without close_range
    for (int fd = 3; fd < max_fd; ++fd)
      if (fd != err_w) ::close(fd);
  }

  ::execv(argv[0], argv);
  die(kExec);
  _exit(127);
}

}  // namespace

const char* to_string(ProbeError::Kind kind) {
  switch (kind) {
    case ProbeError::Kind::Timeout: return "timeout";
    case ProbeError::Kind::Exited: return "exited";
    case ProbeError::Kind::Protocol: return "protocol";
    case ProbeError::Kind::Spawn: return "spawn";
  }
  return "unknown";
}

ProbeProcess ProbeProcess::spawn(const std::vector<std::string>& argv, int netns_fd) {
  if (argv.empty() || argv[0].empty()) spawn_error("cannot start a target: empty argv");

  // Everything the child needs is prepared before fork().
  std::vector<std::string> args(argv);
  std::vector<char*> cargv;
  for (auto& a : args) cargv.push_back(a.data());
  cargv.push_back(nullptr);
  long open_max = ::sysconf(_SC_OPEN_MAX);
  int max_fd = static_cast<int>(std::clamp<long>(open_max, 1024, 1 << 20));

  Pipe to_child, from_child, errp;
  const pid_t parent = ::getpid();

  pid_t pid = ::fork();
  if (pid < 0) spawn_error(fmt::format("cannot start {}: fork: {}", argv[0], std::strerror(errno)));
  if (pid == 0) child_exec(cargv.data(), netns_fd, to_child.fd[0], from_child.fd[1], errp.fd[1], parent, max_fd);

  ProbeProcess p;
  p.name_ = argv[0];
  p.pid_ = pid;
  p.to_child_ = std::exchange(to_child.fd[1], -1);
  p.from_child_ = std::exchange(from_child.fd[0], -1);
  close_fd(to_child.fd[0]);
  close_fd(from_child.fd[1]);
  close_fd(errp.fd[1]);

  // The error pipe is CLOEXEC in the child: EOF means exec succeeded.
  // (Another thread's fork() that never execs would hold the write end as
  // well; the limit keeps us from waiting for it forever.)
  ChildFailure failure{};
  std::size_t got = 0;
  const auto exec_deadline = Clock::now() + kExecLimit;
  while (got < sizeof failure) {
    pollfd pfd{errp.fd[0], POLLIN, 0};
    int pr = ::poll(&pfd, 1, remaining_ms(exec_deadline));
    if (pr < 0 && errno == EINTR) continue;
    if (pr == 0) {
      p.kill();
      p.release();
      spawn_error(fmt::format("cannot start {}: no sign of exec within {} s", argv[0],
                              std::chrono::duration_cast<std::chrono::seconds>(kExecLimit).count()));
    }
    ssize_t n = ::read(errp.fd[0], reinterpret_cast<char*>(&failure) + got, sizeof failure - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<std::size_t>(n);
  }
  if (got > 0) {
    p.reap(true);
    p.release();
    const char* stage = failure.stage == kSetns   ? "setns(CLONE_NEWNET)"
                        : failure.stage == kDupFd ? "dup2"
                                                  : "execv";
    spawn_error(fmt::format("cannot start {}: {}: {}", argv[0], stage, std::strerror(failure.err)));
  }

  p.pidfd_ = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (p.pidfd_ >= 0) ::fcntl(p.pidfd_, F_SETFD, FD_CLOEXEC);  // pidfds are CLOEXEC already; be explicit
  for (int fd : {p.to_child_, p.from_child_}) {
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
    ::fcntl(fd, F_SETPIPE_SZ, kPipeSize);
  }
  return p;
}

ProbeProcess::ProbeProcess(ProbeProcess&& o) noexcept
    : name_(std::move(o.name_)),
      pid_(std::exchange(o.pid_, -1)),
      pidfd_(std::exchange(o.pidfd_, -1)),
      to_child_(std::exchange(o.to_child_, -1)),
      from_child_(std::exchange(o.from_child_, -1)),
      reaped_(std::exchange(o.reaped_, false)),
      wait_status_(o.wait_status_),
      eof_(std::exchange(o.eof_, false)),
      next_id_(o.next_id_),
      inbuf_(std::move(o.inbuf_)),
      scanned_(std::exchange(o.scanned_, 0)) {
  o.inbuf_.clear();
}

ProbeProcess& ProbeProcess::operator=(ProbeProcess&& o) noexcept {
  if (this != &o) {
    release();
    name_ = std::move(o.name_);
    pid_ = std::exchange(o.pid_, -1);
    pidfd_ = std::exchange(o.pidfd_, -1);
    to_child_ = std::exchange(o.to_child_, -1);
    from_child_ = std::exchange(o.from_child_, -1);
    reaped_ = std::exchange(o.reaped_, false);
    wait_status_ = o.wait_status_;
    eof_ = std::exchange(o.eof_, false);
    next_id_ = o.next_id_;
    inbuf_ = std::move(o.inbuf_);
    o.inbuf_.clear();
    scanned_ = std::exchange(o.scanned_, 0);
  }
  return *this;
}

ProbeProcess::~ProbeProcess() { release(); }

void ProbeProcess::release() noexcept {
  if (pid_ > 0 && !reaped_) {
    close_fd(to_child_);  // a well-behaved target exits on EOF
    try {
      wait_exit(milliseconds(200), true);
    } catch (...) {
    }
    kill();
  }
  close_fd(to_child_);
  close_fd(from_child_);
  close_fd(pidfd_);
  pid_ = -1;
  reaped_ = false;
  eof_ = false;
  inbuf_.clear();
  scanned_ = 0;
}

bool ProbeProcess::reap(bool block) {
  if (pid_ <= 0 || reaped_) return reaped_;
  for (;;) {
    int st = 0;
    pid_t r = ::waitpid(pid_, &st, block ? 0 : WNOHANG);
    if (r == pid_) {
      reaped_ = true;
      wait_status_ = st;
    } else if (r < 0 && errno == EINTR) {
      continue;
    } else if (r < 0 && errno == ECHILD) {
      reaped_ = true;  // reaped elsewhere (SIGCHLD ignored?): status unknown
      wait_status_ = -1;
    }
    return reaped_;
  }
}

bool ProbeProcess::wait_exit(milliseconds limit, bool drain_stdout) {
  const auto deadline = Clock::now() + limit;
  while (!reap(false)) {
    int left = remaining_ms(deadline);
    if (left == 0) return false;
    if (pidfd_ < 0) {  // no pidfd: sleep in small steps
      std::this_thread::sleep_for(milliseconds(std::min(left, 5)));
      continue;
    }
    std::array<pollfd, 2> fds{{{pidfd_, POLLIN, 0}, {-1, POLLIN, 0}}};
    if (drain_stdout && from_child_ >= 0 && !eof_) fds[1].fd = from_child_;
    int n = ::poll(fds.data(), fds.size(), left);
    if (n < 0 && errno != EINTR) return reap(false);
    if (n > 0 && (fds[1].revents & (POLLIN | POLLHUP | POLLERR))) {
      char sink[65536];
      ssize_t r = ::read(from_child_, sink, sizeof sink);
      if (r == 0) eof_ = true;
    }
  }
  return true;
}

void ProbeProcess::kill() {
  if (pid_ <= 0 || reaped_) return;
  // Unreaped, pid_ cannot have been reused: it is still our child.
  if (pidfd_ >= 0) {
    if (::syscall(SYS_pidfd_send_signal, pidfd_, SIGKILL, nullptr, 0) != 0 && errno != ESRCH)
      ::kill(pid_, SIGKILL);
  } else {
    ::kill(pid_, SIGKILL);
  }
  reap(true);
}

bool ProbeProcess::alive() {
  if (pid_ <= 0) return false;
  return !reap(false);
}

std::string ProbeProcess::exit_description() {
  if (pid_ <= 0) return "not started";
  if (!reap(false)) return "running";
  if (wait_status_ == -1) return "exit status unknown";
  if (WIFEXITED(wait_status_)) return fmt::format("exit status {}", WEXITSTATUS(wait_status_));
  if (WIFSIGNALED(wait_status_)) {
    int sig = WTERMSIG(wait_status_);
    const char* abbrev = ::sigabbrev_np(sig);
    return fmt::format("killed by signal {} (SIG{}){}", sig, abbrev ? abbrev : "?",
                       WCOREDUMP(wait_status_) ? ", core dumped" : "");
  }
  return fmt::format("wait status {:#x}", wait_status_);
}

void ProbeProcess::throw_exited(const std::string& what) {
  // The child may still be on its way out: give it a moment for a status.
  wait_exit(milliseconds(100), false);
  std::string how = reaped_ ? exit_description() : std::string("still running");
  throw ProbeError(ProbeError::Kind::Exited, fmt::format("target {} (pid {}) {}: {}", name_, pid_, what, how));
}

// Reads whatever the target wrote since the last response.  Nothing may be
// there: a response answers a request, and there is none outstanding.
void ProbeProcess::drain_unsolicited() {
  char buf[65536];
  while (!eof_ && inbuf_.size() <= kMaxLineBytes) {
    ssize_t n = ::read(from_child_, buf, sizeof buf);
    if (n > 0) {
      inbuf_.append(buf, static_cast<std::size_t>(n));
    } else if (n == 0) {
      eof_ = true;
    } else if (errno == EINTR) {
      continue;
    } else {
      break;  // EAGAIN: nothing more for now
    }
  }
  if (!inbuf_.empty())
    protocol_error(fmt::format("target {} (pid {}) wrote output with no request outstanding: \"{}\"", name_, pid_,
                               excerpt(inbuf_)));
}

nlohmann::json ProbeProcess::call(nlohmann::json request, std::chrono::milliseconds timeout) {
  if (!request.is_object()) throw std::invalid_argument("probe request must be a JSON object");
  if (pid_ <= 0) throw ProbeError(ProbeError::Kind::Exited, "no target process (moved from or never started)");
  const auto deadline = Clock::now() + timeout;

  drain_unsolicited();
  if (eof_) throw_exited("closed its stdout");
  if (to_child_ < 0) throw_exited("has no stdin any more");

  const std::int64_t id = next_id_++;
  request["id"] = id;
  std::string out;
  try {
    out = request.dump();
  } catch (const nlohmann::json::exception& e) {
    throw std::invalid_argument(std::string("probe request cannot be serialised: ") + e.what());
  }
  out += '\n';
  const std::string op = request.contains("op") && request["op"].is_string() ? request["op"].get<std::string>() : "?";

  std::size_t written = 0;
  std::size_t nl = std::string::npos;
  char buf[65536];
  for (;;) {
    // A complete line ends the exchange.
    if (scanned_ < inbuf_.size()) {
      const void* hit = std::memchr(inbuf_.data() + scanned_, '\n', inbuf_.size() - scanned_);
      if (hit) {
        nl = static_cast<std::size_t>(static_cast<const char*>(hit) - inbuf_.data());
        break;
      }
      scanned_ = inbuf_.size();
    }
    if (inbuf_.size() > kMaxLineBytes)
      protocol_error(fmt::format("target {} (pid {}): response line longer than {} bytes", name_, pid_,
                                 kMaxLineBytes));
    if (eof_) {
      if (inbuf_.empty()) throw_exited("closed its stdout");
      throw_exited(fmt::format("closed its stdout in the middle of a line (\"{}\")", excerpt(inbuf_)));
    }

    const int left = remaining_ms(deadline);
    std::array<pollfd, 2> fds{{{from_child_, POLLIN, 0}, {-1, POLLOUT, 0}}};
    if (written < out.size()) fds[1].fd = to_child_;
    int n = left == 0 ? 0 : ::poll(fds.data(), fds.size(), left);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw ProbeError(ProbeError::Kind::Exited, fmt::format("poll: {}", std::strerror(errno)));
    }
    if (n == 0) {
      throw ProbeError(ProbeError::Kind::Timeout,
                       fmt::format("target {} (pid {}) did not answer request {} (op \"{}\") within {} ms{}", name_,
                                   pid_, id, op, timeout.count(),
                                   written < out.size()
                                       ? fmt::format(" (it read {} of the {} request bytes)", written, out.size())
                                       : std::string()));
    }

    if (fds[1].revents & (POLLOUT | POLLERR | POLLHUP)) {
      SigpipeBlock block;
      ssize_t w = ::write(to_child_, out.data() + written, out.size() - written);
      if (w >= 0) {
        written += static_cast<std::size_t>(w);
      } else if (errno == EPIPE) {
        block.consume();
        throw_exited("closed its stdin");
      } else if (errno != EAGAIN && errno != EINTR) {
        throw ProbeError(ProbeError::Kind::Exited, fmt::format("write to target {}: {}", name_, std::strerror(errno)));
      }
    }

    if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      ssize_t r = ::read(from_child_, buf, sizeof buf);
      if (r > 0) {
        inbuf_.append(buf, static_cast<std::size_t>(r));
      } else if (r == 0) {
        eof_ = true;
      } else if (errno != EAGAIN && errno != EINTR) {
        throw ProbeError(ProbeError::Kind::Exited, fmt::format("read from target {}: {}", name_, std::strerror(errno)));
      }
    }
  }

  std::string line = inbuf_.substr(0, nl);
  inbuf_.erase(0, nl + 1);
  scanned_ = 0;

  if (written < out.size())
    protocol_error(fmt::format("target {} (pid {}) wrote a line before reading the whole request: \"{}\"", name_, pid_,
                               excerpt(line)));
  nlohmann::json response;
  try {
    response = nlohmann::json::parse(line);
  } catch (const nlohmann::json::parse_error& e) {
    protocol_error(fmt::format("target {} (pid {}) answered request {} with a line that is not JSON: \"{}\" ({})",
                               name_, pid_, id, excerpt(line), e.what()));
  }
  if (!response.is_object())
    protocol_error(fmt::format("target {} (pid {}) answered request {} with a JSON {} instead of an object: \"{}\"",
                               name_, pid_, id, response.type_name(), excerpt(line)));
  auto it = response.find("id");
  if (it == response.end() || !it->is_number_integer() || it->get<std::int64_t>() != id)
    protocol_error(fmt::format("target {} (pid {}) answered request {} with id {}: \"{}\"", name_, pid_, id,
                               it == response.end() ? std::string("(none)") : it->dump(), excerpt(line)));
  return response;
}

}  // namespace ipc::probe
