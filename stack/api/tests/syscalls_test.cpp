// The syscall edge over an in-memory stack: Linux's argument checks and
// errno order, and a datagram through the loopback device.
#include "stack/api/syscalls.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cerrno>
#include <cstring>

#include <gtest/gtest.h>

#include "stack/api/tests/sockaddr_helpers.hpp"

#include "stack/core/tests/suite_config.hpp"

namespace ipc::stack::api {
namespace {

struct Harness {
  core::Clock::time_point now = core::Clock::time_point{} + std::chrono::hours(1);
  core::Stack stack{core::testing::suite_config(), [](std::span<const std::uint8_t>) {}, now};
  // Nothing arrives from outside: a wait only sees what is already there.
  Syscalls sys{stack, [](const std::function<bool()>& ready, std::optional<core::Clock::time_point>) {
                 return ready();
               }};
};

using testing::addr;
using testing::sa;


TEST(Syscalls, SocketArgumentsAsInetCreateChecksThem) {
  Harness h;
  EXPECT_GE(h.sys.socket(AF_INET, SOCK_DGRAM, 0), 3);
  EXPECT_EQ(h.sys.socket(AF_INET, SOCK_RAW, 0), -EPROTONOSUPPORT);
  EXPECT_EQ(h.sys.socket(AF_INET, 11, 0), -EINVAL);
  EXPECT_EQ(h.sys.socket(AF_INET, SOCK_DGRAM | 0x100, 0), -EINVAL);
  EXPECT_EQ(h.sys.socket(AF_INET, SOCK_DGRAM, 263), -EINVAL);
  EXPECT_EQ(h.sys.socket(AF_INET, SOCK_DGRAM, IPPROTO_TCP), -EPROTONOSUPPORT);
  EXPECT_EQ(h.sys.socket(AF_INET, SOCK_SEQPACKET, 0), -ESOCKTNOSUPPORT);
  EXPECT_EQ(h.sys.socket(AF_INET6, SOCK_DGRAM, 0), -EAFNOSUPPORT);
  h.stack.caps().net_raw = false;
  EXPECT_EQ(h.sys.socket(AF_INET, SOCK_RAW, IPPROTO_UDP), -EPERM);
}

TEST(Syscalls, BindChecksLengthFamilyAndAddress) {
  Harness h;
  const int fd = static_cast<int>(h.sys.socket(AF_INET, SOCK_DGRAM, 0));
  auto a = addr("192.0.2.1", 5000);
  EXPECT_EQ(h.sys.bind(fd, sa(a), 15), -EINVAL);
  EXPECT_EQ(h.sys.bind(fd, sa(a), static_cast<socklen_t>(-1)), -EINVAL);
  EXPECT_EQ(h.sys.bind(fd, nullptr, sizeof a), -EFAULT);
  auto v6 = a;
  v6.sin_family = AF_INET6;
  EXPECT_EQ(h.sys.bind(fd, sa(v6), sizeof v6), -EAFNOSUPPORT);
  auto foreign = addr("192.0.2.9", 5000);
  EXPECT_EQ(h.sys.bind(fd, sa(foreign), sizeof foreign), -EADDRNOTAVAIL);
  EXPECT_EQ(h.sys.bind(fd, sa(a), sizeof a), 0);
  EXPECT_EQ(h.sys.bind(fd, sa(a), sizeof a), -EINVAL);  // already bound
  EXPECT_EQ(h.sys.bind(99, sa(a), sizeof a), -EBADF);
}

TEST(Syscalls, ADatagramToItselfThroughLoopback) {
  Harness h;
  const int fd = static_cast<int>(h.sys.socket(AF_INET, SOCK_DGRAM, 0));
  auto self = addr("127.0.0.1", 5000);
  ASSERT_EQ(h.sys.bind(fd, sa(self), sizeof self), 0);
  const char msg[] = "hello";
  EXPECT_EQ(h.sys.sendto(fd, msg, 5, 0, sa(self), sizeof self), 5);
  char buf[16] = {};
  sockaddr_in from{};
  socklen_t fromlen = sizeof from;
  EXPECT_EQ(h.sys.recvfrom(fd, buf, 3, MSG_TRUNC, reinterpret_cast<sockaddr*>(&from), &fromlen), 5);
  EXPECT_EQ(std::string(buf, 3), "hel");
  EXPECT_EQ(fromlen, sizeof from);
  EXPECT_EQ(from.sin_port, htons(5000));
  EXPECT_EQ(from.sin_addr.s_addr, ::inet_addr("127.0.0.1"));
  EXPECT_EQ(h.sys.recvfrom(fd, buf, sizeof buf, MSG_DONTWAIT, nullptr, nullptr), -EAGAIN);
}

TEST(Syscalls, GetsockoptWritesTheLengthBack) {
  Harness h;
  const int fd = static_cast<int>(h.sys.socket(AF_INET, SOCK_DGRAM, 0));
  int ttl = 0;
  socklen_t len = sizeof ttl;
  EXPECT_EQ(h.sys.getsockopt(fd, IPPROTO_IP, IP_TTL, &ttl, &len), 0);
  EXPECT_EQ(ttl, 64);
  EXPECT_EQ(len, sizeof ttl);
  EXPECT_EQ(h.sys.getsockopt(fd, IPPROTO_IP, IP_TTL, &ttl, nullptr), -EFAULT);
  const int bad = -1;
  EXPECT_EQ(h.sys.setsockopt(fd, IPPROTO_IP, IP_TTL, &bad, static_cast<socklen_t>(-4)), -EINVAL);
}

TEST(Syscalls, SendWithoutADestinationOnAnUnconnectedSocket) {
  Harness h;
  const int fd = static_cast<int>(h.sys.socket(AF_INET, SOCK_DGRAM, 0));
  EXPECT_EQ(h.sys.sendto(fd, "x", 1, 0, nullptr, 0), -EDESTADDRREQ);
  auto unreachable = addr("203.0.113.9", 9);
  EXPECT_EQ(h.sys.sendto(fd, "x", 1, 0, sa(unreachable), sizeof unreachable), -ENETUNREACH);
}

}  // namespace
}  // namespace ipc::stack::api
