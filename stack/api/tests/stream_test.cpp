// Stream sockets through the syscall edge over loopback: the handshake,
// data both ways, half-close, reset on close with unread data, and the
// states connect/listen/accept answer from.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>

#include <cerrno>
#include <vector>

#include <gtest/gtest.h>

#include "stack/api/tests/sockaddr_helpers.hpp"

#include "stack/api/syscalls.hpp"
#include "stack/core/tests/suite_config.hpp"

namespace ipc::stack::api {
namespace {

struct Harness {
  core::Clock::time_point now = core::Clock::time_point{} + std::chrono::hours(1);
  core::Stack stack{core::testing::suite_config(), [](std::span<const std::uint8_t>) {}, now};
  // A wait moves the clock in 10 ms steps and runs the stack's timers.
  Syscalls sys{stack, [this](const std::function<bool()>& ready, std::optional<core::Clock::time_point> deadline) {
                 for (int i = 0; i < 100000 && !ready(); ++i) {
                   if (deadline && now >= *deadline) return ready();
                   now += std::chrono::milliseconds(10);
                   stack.advance(now);
                 }
                 return ready();
               }};
};

using testing::addr;
using testing::sa;

// A listener on 127.0.0.1:port and a connected pair: {client, accepted}.
std::pair<int, int> connected_pair(Harness& h, int& listener, int port = 5000) {
  listener = static_cast<int>(h.sys.socket(AF_INET, SOCK_STREAM, 0));
  auto a = addr("127.0.0.1", port);
  EXPECT_EQ(h.sys.bind(listener, sa(a), sizeof a), 0);
  EXPECT_EQ(h.sys.listen(listener, 4), 0);
  const int c = static_cast<int>(h.sys.socket(AF_INET, SOCK_STREAM, 0));
  EXPECT_EQ(h.sys.connect(c, sa(a), sizeof a), 0);
  sockaddr_in peer{};
  socklen_t len = sizeof peer;
  const int s = static_cast<int>(h.sys.accept4(listener, reinterpret_cast<sockaddr*>(&peer), &len, 0));
  EXPECT_GE(s, 3);
  EXPECT_EQ(len, sizeof peer);
  EXPECT_EQ(peer.sin_addr.s_addr, ::inet_addr("127.0.0.1"));
  return {c, s};
}

TEST(Stream, HandshakeAndDataBothWays) {
  Harness h;
  int l = 0;
  auto [c, s] = connected_pair(h, l);
  EXPECT_EQ(h.sys.sendto(c, "hello", 5, MSG_NOSIGNAL, nullptr, 0), 5);
  char buf[16] = {};
  EXPECT_EQ(h.sys.recvfrom(s, buf, 2, MSG_PEEK, nullptr, nullptr), 2);
  EXPECT_EQ(h.sys.recvfrom(s, buf, sizeof buf, 0, nullptr, nullptr), 5);
  EXPECT_EQ(std::string(buf, 5), "hello");
  EXPECT_EQ(h.sys.sendto(s, "ok", 2, 0, nullptr, 0), 2);
  EXPECT_EQ(h.sys.recvfrom(c, buf, sizeof buf, MSG_DONTWAIT, nullptr, nullptr), 2);
  EXPECT_EQ(h.sys.recvfrom(c, buf, sizeof buf, MSG_DONTWAIT, nullptr, nullptr), -EAGAIN);
}

TEST(Stream, LargeTransferArrivesInOrder) {
  Harness h;
  int l = 0;
  auto [c, s] = connected_pair(h, l);
  std::vector<std::uint8_t> out(3 * 1000 * 1000);
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = static_cast<std::uint8_t>(i * 7 + i / 251);
  std::vector<std::uint8_t> in;
  std::size_t sent = 0;
  std::vector<std::uint8_t> buf(65536);
  while (in.size() < out.size()) {
    if (sent < out.size()) {
      const long n = h.sys.sendto(c, out.data() + sent, out.size() - sent, MSG_DONTWAIT, nullptr, 0);
      ASSERT_TRUE(n > 0 || n == -EAGAIN) << n;
      if (n > 0) sent += static_cast<std::size_t>(n);
    }
    const long r = h.sys.recvfrom(s, buf.data(), buf.size(), MSG_DONTWAIT, nullptr, nullptr);
    ASSERT_TRUE(r > 0 || r == -EAGAIN) << r;
    if (r > 0) in.insert(in.end(), buf.begin(), buf.begin() + r);
    h.now += std::chrono::milliseconds(1);
    h.stack.advance(h.now);
  }
  EXPECT_EQ(in, out);
}

TEST(Stream, HalfCloseAndEof) {
  Harness h;
  int l = 0;
  auto [c, s] = connected_pair(h, l);
  EXPECT_EQ(h.sys.shutdown(c, SHUT_WR), 0);
  char buf[4];
  EXPECT_EQ(h.sys.recvfrom(s, buf, sizeof buf, MSG_DONTWAIT, nullptr, nullptr), 0);
  EXPECT_EQ(h.sys.sendto(c, "x", 1, MSG_NOSIGNAL, nullptr, 0), -EPIPE);
  EXPECT_EQ(h.sys.sendto(s, "y", 1, MSG_NOSIGNAL, nullptr, 0), 1);
  EXPECT_EQ(h.sys.recvfrom(c, buf, sizeof buf, MSG_DONTWAIT, nullptr, nullptr), 1);
  pollfd p{s, POLLIN | POLLOUT | 0x2000, 0};  // 0x2000: POLLRDHUP
  EXPECT_EQ(h.sys.poll(&p, 1, 0), 1);
  EXPECT_TRUE(p.revents & POLLIN);
  EXPECT_TRUE(p.revents & 0x2000);  // POLLRDHUP
}

TEST(Stream, CloseWithUnreadDataResetsThePeer) {
  Harness h;
  int l = 0;
  auto [c, s] = connected_pair(h, l);
  EXPECT_EQ(h.sys.sendto(c, "abc", 3, 0, nullptr, 0), 3);
  EXPECT_EQ(h.sys.close(s), 0);
  char buf[4];
  EXPECT_EQ(h.sys.recvfrom(c, buf, sizeof buf, MSG_DONTWAIT, nullptr, nullptr), -ECONNRESET);
  EXPECT_EQ(h.sys.recvfrom(c, buf, sizeof buf, MSG_DONTWAIT, nullptr, nullptr), 0);
  EXPECT_EQ(h.sys.sendto(c, "x", 1, MSG_NOSIGNAL, nullptr, 0), -EPIPE);
}

TEST(Stream, RefusedConnectAndSocketStates) {
  Harness h;
  const int c = static_cast<int>(h.sys.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0));
  auto closed_port = addr("127.0.0.1", 5999);
  // Non-blocking: even over loopback the answer comes after the call.
  EXPECT_EQ(h.sys.connect(c, sa(closed_port), sizeof closed_port), -EINPROGRESS);
  h.stack.run_pending();
  int err = 0;
  socklen_t len = sizeof err;
  EXPECT_EQ(h.sys.getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &len), 0);
  EXPECT_EQ(err, ECONNREFUSED);
  EXPECT_EQ(h.sys.getpeername(c, nullptr, nullptr), -ENOTCONN);
  int l = 0;
  auto [a, b] = connected_pair(h, l, 5001);
  auto lo = addr("127.0.0.1", 5001);
  EXPECT_EQ(h.sys.connect(a, sa(lo), sizeof lo), -EISCONN);
  EXPECT_EQ(h.sys.listen(a, 1), -EINVAL);
  EXPECT_EQ(h.sys.accept4(a, nullptr, nullptr, 0), -EINVAL);
  (void)b;
}

TEST(Stream, EphemeralPortsAndBindConflicts) {
  Harness h;
  const int a = static_cast<int>(h.sys.socket(AF_INET, SOCK_STREAM, 0));
  const int b = static_cast<int>(h.sys.socket(AF_INET, SOCK_STREAM, 0));
  auto any = addr("0.0.0.0", 6000);
  EXPECT_EQ(h.sys.bind(a, sa(any), sizeof any), 0);
  EXPECT_EQ(h.sys.bind(b, sa(any), sizeof any), -EADDRINUSE);
  EXPECT_EQ(h.sys.listen(a, 1), 0);
  const int c = static_cast<int>(h.sys.socket(AF_INET, SOCK_STREAM, 0));
  EXPECT_EQ(h.sys.listen(c, 1), 0);  // autobind
  sockaddr_in name{};
  socklen_t len = sizeof name;
  EXPECT_EQ(h.sys.getsockname(c, reinterpret_cast<sockaddr*>(&name), &len), 0);
  EXPECT_GE(ntohs(name.sin_port), 32768);
}

TEST(Stream, TcpLevelOptions) {
  Harness h;
  const int fd = static_cast<int>(h.sys.socket(AF_INET, SOCK_STREAM, 0));
  int v = 1;
  EXPECT_EQ(h.sys.setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &v, sizeof v), 0);
  v = 10;
  EXPECT_EQ(h.sys.setsockopt(fd, IPPROTO_TCP, TCP_MAXSEG, &v, sizeof v), -EINVAL);
  int out = 0;
  socklen_t len = sizeof out;
  EXPECT_EQ(h.sys.getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &out, &len), 0);
  EXPECT_EQ(out, 1);
  EXPECT_EQ(h.sys.getsockopt(fd, IPPROTO_TCP, TCP_MAXSEG, &out, &len), 0);
  EXPECT_EQ(out, 536);
}

}  // namespace
}  // namespace ipc::stack::api
