#include "probe_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>

#include "netns_child.hpp"

namespace ipconform::kprobe::testing {

namespace {

void make_pipe(int fds[2]) {
  if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
}

void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

}  // namespace

ProbeProcess::ProbeProcess(Netns netns) {
  // Writing a request to a probe that already exited must not kill the tests.
  ::signal(SIGPIPE, SIG_IGN);
  int in[2], out[2], err[2];
  make_pipe(in);
  make_pipe(out);
  make_pipe(err);
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    if (netns == Netns::fresh && enter_new_netns() != 0) ::_exit(kCannotUnshare);
    ::signal(SIGPIPE, SIG_DFL);  // the probe must ignore SIGPIPE by itself
    ::dup2(in[0], STDIN_FILENO);
    ::dup2(out[1], STDOUT_FILENO);
    ::dup2(err[1], STDERR_FILENO);
    ::execl(IPCONFORM_PROBE_KERNEL_BINARY, "ipconform-probe-kernel", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(in[0]);
  ::close(out[1]);
  ::close(err[1]);
  to_child_ = in[1];
  from_child_ = out[0];
  child_stderr_ = err[0];
}

ProbeProcess::~ProbeProcess() {
  if (!status_ && pid_ > 0) {
    ::kill(pid_, SIGKILL);
    wait();
  }
  close_fd(to_child_);
  close_fd(from_child_);
  close_fd(child_stderr_);
}

std::optional<nlohmann::json> ProbeProcess::request(const nlohmann::json& req) {
  const std::string line = req.dump() + "\n";
  if (::write(to_child_, line.data(), line.size()) != static_cast<ssize_t>(line.size()))
    return std::nullopt;
  auto response = read_line(10000);
  if (!response) return std::nullopt;
  return nlohmann::json::parse(*response);
}

std::optional<std::string> ProbeProcess::read_line(int timeout_ms) {
  for (;;) {
    if (const auto newline = pending_.find('\n'); newline != std::string::npos) {
      std::string line = pending_.substr(0, newline);
      pending_.erase(0, newline + 1);
      return line;
    }
    pollfd pfd{from_child_, POLLIN, 0};
    const int ready = ::poll(&pfd, 1, timeout_ms);
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) return std::nullopt;
    char chunk[4096];
    const ssize_t n = ::read(from_child_, chunk, sizeof chunk);
    if (n <= 0) return std::nullopt;
    pending_.append(chunk, static_cast<std::size_t>(n));
  }
}

std::string ProbeProcess::read_to_eof(int fd) {
  std::string text;
  char chunk[4096];
  for (;;) {
    const ssize_t n = ::read(fd, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return text;
    text.append(chunk, static_cast<std::size_t>(n));
  }
}

void ProbeProcess::close_input() { close_fd(to_child_); }

std::string ProbeProcess::drain_output() {
  std::string text = std::move(pending_);
  pending_.clear();
  return text + read_to_eof(from_child_);
}

int ProbeProcess::wait() {
  if (status_) return *status_;
  close_input();
  // The probe exits on EOF; one that does not within 10 s is killed.
  pollfd pfd{child_stderr_, POLLIN, 0};
  while (true) {
    const int ready = ::poll(&pfd, 1, 10000);
    if (ready < 0 && errno == EINTR) continue;
    if (ready == 0) {
      ::kill(pid_, SIGKILL);
      continue;
    }
    char chunk[4096];
    const ssize_t n = ::read(child_stderr_, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    stderr_text_.append(chunk, static_cast<std::size_t>(n));
  }
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return *status_;
}

}  // namespace ipconform::kprobe::testing
