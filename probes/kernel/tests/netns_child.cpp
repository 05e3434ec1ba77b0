#include "netns_child.hpp"

#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>

#include <gtest/gtest.h>

namespace ipconform::kprobe::testing {

namespace {

constexpr int kCannotUnshare = 77;

int bring_loopback_up() {
  const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return errno;
  ifreq ifr{};
  std::strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
  int err = 0;
  if (::ioctl(fd, SIOCGIFFLAGS, &ifr) != 0) {
    err = errno;
  } else {
    ifr.ifr_flags = static_cast<short>(ifr.ifr_flags | IFF_UP | IFF_RUNNING);
    if (::ioctl(fd, SIOCSIFFLAGS, &ifr) != 0) err = errno;
  }
  ::close(fd);
  return err;
}

}  // namespace

int enter_new_netns() {
  if (::unshare(CLONE_NEWNET) != 0) return errno;
  return bring_loopback_up();
}

void run_in_new_netns(const std::function<void()>& body, unsigned timeout_seconds) {
  std::cout.flush();
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  ASSERT_NE(pid, -1) << std::strerror(errno);
  if (pid == 0) {
    ::alarm(timeout_seconds);
    if (::unshare(CLONE_NEWNET) != 0) ::_exit(kCannotUnshare);
    if (const int err = bring_loopback_up(); err != 0) {
      ADD_FAILURE() << "cannot bring lo up: " << std::strerror(err);
    } else {
      try {
        body();
      } catch (const std::exception& e) {
        ADD_FAILURE() << "exception in the namespace child: " << e.what();
      }
    }
    const int code = ::testing::Test::HasFailure() ? 1 : 0;
    std::cout.flush();
    std::fflush(nullptr);
    ::_exit(code);
  }

  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == kCannotUnshare)
    GTEST_SKIP() << "cannot create a network namespace (the tests need root)";
  if (WIFSIGNALED(status))
    ADD_FAILURE() << "the namespace child died of signal " << WTERMSIG(status)
                  << (WTERMSIG(status) == SIGALRM ? " (timeout)" : "");
  else if (WEXITSTATUS(status) != 0)
    ADD_FAILURE() << "the namespace child reported failures (see above)";
}

}  // namespace ipconform::kprobe::testing
