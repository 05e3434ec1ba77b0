// The IPPROTO_TCP option layer: bounds as do_tcp_setsockopt checks them and
// the values do_tcp_getsockopt reads back.
#include "stack/tcp/tcp_sockopt.hpp"

#include <netinet/tcp.h>

#include <cerrno>
#include <cstring>

#include <gtest/gtest.h>

namespace ipc::stack::tcp {
namespace {

std::vector<std::uint8_t> int_bytes(int v) {
  std::vector<std::uint8_t> b(sizeof v);
  std::memcpy(b.data(), &v, sizeof v);
  return b;
}

int set(Options& o, int name, int v, int optlen = sizeof(int)) {
  return tcp_setsockopt(o, name, int_bytes(v), optlen).err;
}

int get(const Options& o, const SockoptFacts& f, int name) {
  const auto r = tcp_getsockopt(o, f, name, sizeof(int));
  EXPECT_EQ(r.err, 0);
  EXPECT_EQ(r.optlen, 4);
  int v = 0;
  std::memcpy(&v, r.value.data(), sizeof v);
  return v;
}

TEST(TcpSockopt, BoundsAsDoTcpSetsockopt) {
  Options o;
  EXPECT_EQ(set(o, TCP_NODELAY, 1, 3), EINVAL);  // optlen < sizeof(int)
  EXPECT_EQ(set(o, TCP_MAXSEG, 87), EINVAL);     // below TCP_MIN_MSS
  EXPECT_EQ(set(o, TCP_MAXSEG, 32768), EINVAL);  // above MAX_TCP_WINDOW
  EXPECT_EQ(set(o, TCP_MAXSEG, 0), 0);
  EXPECT_EQ(set(o, TCP_KEEPIDLE, 0), EINVAL);
  EXPECT_EQ(set(o, TCP_KEEPCNT, 128), EINVAL);
  EXPECT_EQ(set(o, TCP_SYNCNT, 127), 0);
  EXPECT_EQ(set(o, TCP_USER_TIMEOUT, -1), EINVAL);
  EXPECT_EQ(set(o, 9999, 1), ENOPROTOOPT);
}

TEST(TcpSockopt, ValuesReadBack) {
  Options o;
  SockoptFacts f;
  EXPECT_EQ(get(o, f, TCP_MAXSEG), 536);  // TCP_MSS_DEFAULT before a connection
  ASSERT_EQ(set(o, TCP_MAXSEG, 1000), 0);
  EXPECT_EQ(get(o, f, TCP_MAXSEG), 1000);  // user_mss while CLOSE or LISTEN
  f.closed_or_listening = false;
  f.mss_cache = 988;
  EXPECT_EQ(get(o, f, TCP_MAXSEG), 988);  // mss_cache once connected
  EXPECT_EQ(get(o, f, TCP_KEEPIDLE), 7200);  // the sysctl until set
  ASSERT_EQ(set(o, TCP_KEEPIDLE, 5), 0);
  EXPECT_EQ(get(o, f, TCP_KEEPIDLE), 5);
  ASSERT_EQ(set(o, TCP_LINGER2, 500), 0);
  EXPECT_EQ(get(o, f, TCP_LINGER2), 120);  // capped at TCP_FIN_TIMEOUT_MAX
  ASSERT_EQ(set(o, TCP_LINGER2, -5), 0);
  EXPECT_EQ(get(o, f, TCP_LINGER2), -1);
}

TEST(TcpSockopt, NegativeGetLengthIsEinval) {
  // getsockopt(TCP_NODELAY) with optlen -1 on the reference kernel: EINVAL.
  EXPECT_EQ(tcp_getsockopt(Options{}, SockoptFacts{}, TCP_NODELAY, -1).err, EINVAL);
}

}  // namespace
}  // namespace ipc::stack::tcp
