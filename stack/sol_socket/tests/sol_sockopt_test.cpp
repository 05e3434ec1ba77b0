// Expected values: the suite's kernel results (SOL_SOCKET steps of
// socket/, address/, errors/, sockopt/) and the reference kernel's answers
// on fresh AF_INET sockets.
#include "stack/sol_socket/sol_sockopt.hpp"

#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>

namespace ipc::stack::sol_socket {
namespace {

std::vector<std::uint8_t> int_bytes(int v) {
  std::vector<std::uint8_t> b(4);
  std::memcpy(b.data(), &v, 4);
  return b;
}
std::vector<std::uint8_t> tv_bytes(std::int64_t sec, std::int64_t usec) {
  std::vector<std::uint8_t> b(16);
  std::memcpy(b.data(), &sec, 8);
  std::memcpy(b.data() + 8, &usec, 8);
  return b;
}
int as_int(const SockoptResult& r) {
  int v = 0;
  std::memcpy(&v, r.value.data(), std::min<std::size_t>(4, r.value.size()));
  return v;
}

SolSocketFacts facts(int type, int protocol = 0) {
  SolSocketFacts f;
  f.type = type;
  f.protocol = protocol;
  f.devices = {{1, "lo"}, {2, "dut0"}};
  return f;
}

struct Fresh {
  SolSocketFacts f;
  SolSocketState s;
  explicit Fresh(int type, int protocol = 0) : f(facts(type, protocol)), s(initial_sol_state(f)) {}
  int set_int(int opt, int v, int len = 4) {
    const auto b = int_bytes(v);
    std::vector<std::uint8_t> buf(b);
    buf.resize(std::max<std::size_t>(buf.size(), static_cast<std::size_t>(std::max(len, 0))));
    return sol_setsockopt(s, f, opt, buf, len).err;
  }
  SockoptResult get(int opt, int len = 4) { return sol_getsockopt(s, f, opt, len); }
};

TEST(SolDefaults, FreshSockets) {
  struct Row { int type, protocol, opt, value; };
  const Row rows[] = {
      {kSockDgram, 17, kSoType, 2}, {kSockDgram, 17, kSoProtocol, 17},
      {kSockDgram, 17, kSoDomain, 2}, {kSockStream, 6, kSoType, 1},
      {kSockRaw, 255, kSoType, 3}, {kSockRaw, 255, kSoProtocol, 255},
      {kSockDgram, 17, kSoSndbuf, 212992}, {kSockDgram, 17, kSoRcvbuf, 212992},
      {kSockStream, 6, kSoSndbuf, 16384}, {kSockStream, 6, kSoRcvbuf, 131072},
      {kSockDgram, 17, kSoReuseaddr, 0}, {kSockRaw, 17, kSoReuseaddr, 1},
      {kSockDgram, 17, kSoRcvlowat, 1}, {kSockDgram, 17, kSoSndlowat, 1},
      {kSockDgram, 17, kSoPeekOff, -1}, {kSockStream, 6, kSoPeekOff, -1},
      {kSockDgram, 17, kSoBroadcast, 0}, {kSockDgram, 17, kSoPriority, 0},
      {kSockDgram, 17, kSoError, 0}, {kSockDgram, 17, kSoAcceptconn, 0},
      {kSockDgram, 17, kSoBindtoifindex, 0}, {kSockDgram, 17, kSoMark, 0},
  };
  for (const auto& row : rows) {
    Fresh sk(row.type, row.protocol);
    const SockoptResult r = sk.get(row.opt);
    EXPECT_EQ(r.err, 0) << row.opt;
    EXPECT_EQ(r.optlen, 4) << row.opt;
    EXPECT_EQ(as_int(r), row.value) << "type " << row.type << " opt " << row.opt;
  }
  Fresh raw(kSockRaw, 17);
  EXPECT_EQ(raw.get(kSoPeekOff).err, EOPNOTSUPP);
  Fresh udp(kSockDgram, 17);
  EXPECT_EQ(udp.get(kSoPasscred).err, EOPNOTSUPP);
  EXPECT_EQ(udp.get(kSoBindtodevice, 64).optlen, 0);
  const SockoptResult timeo = udp.get(kSoRcvtimeoOld, 16);
  EXPECT_EQ(timeo.value, std::vector<std::uint8_t>(16, 0));
}

TEST(SolGet, OptlenRules) {
  Fresh sk(kSockDgram, 17);
  ASSERT_EQ(sk.set_int(kSoBroadcast, 1), 0);
  // optlen -1 -> EINVAL; 0 -> nothing; 1 -> one byte; 2 -> "0100"; 8 -> 4.
  EXPECT_EQ(sk.get(kSoBroadcast, -1).err, EINVAL);
  EXPECT_EQ(sk.get(kSoBroadcast, -1).optlen, -1);
  EXPECT_EQ(sk.get(kSoBroadcast, 0).optlen, 0);
  EXPECT_EQ(sk.get(kSoBroadcast, 1).value, (std::vector<std::uint8_t>{1}));
  EXPECT_EQ(sk.get(kSoBroadcast, 2).value, (std::vector<std::uint8_t>{1, 0}));
  EXPECT_EQ(sk.get(kSoBroadcast, 8).optlen, 4);
  EXPECT_EQ(sk.get(kSoRcvtimeoOld, 8).optlen, 8);
}

TEST(SolSet, IntOptionsFromTheKernelResults) {
  struct Row { int opt, value, len, err, read_back; };
  const Row rows[] = {
      {kSoBroadcast, 1, 4, 0, 1}, {kSoBroadcast, -1, 4, 0, 1}, {kSoBroadcast, 256, 4, 0, 1},
      {kSoBroadcast, 2, 4, 0, 1}, {kSoBroadcast, 1, 8, 0, 1}, {kSoBroadcast, 1, 0, EINVAL, 0},
      {kSoBroadcast, 1, 1, EINVAL, 0}, {kSoBroadcast, 1, 3, EINVAL, 0},
      {kSoReuseaddr, 5, 4, 0, 1}, {kSoKeepalive, 0, 4, 0, 0}, {kSoDebug, 0, 4, 0, 0},
      {kSoPriority, 6, 4, 0, 6}, {kSoPriority, 7, 4, 0, 7}, {kSoMark, 5, 4, 0, 5},
      {kSoNoCheck, 1, 4, 0, 1}, {kSoRcvlowat, 0, 4, 0, 1}, {kSoRcvlowat, -1, 4, 0, 0x7fffffff},
      {kSoPeekOff, -3, 4, 0, -3},
      {kSoSndbuf, 0, 4, 0, 4608}, {kSoRcvbuf, 0, 4, 0, 2304}, {kSoRcvbuf, 2304, 4, 0, 4608},
      {kSoSndbuf, 100000, 4, 0, 200000}, {kSoSndbuf, 2097153, 4, 0, 4194306},
      {kSoSndbuf, 1000000000, 4, 0, 8388608}, {kSoRcvbuf, -1, 4, 0, 8388608},
      {kSoType, 1, 4, ENOPROTOOPT, 2}, {kSoProtocol, 1, 4, ENOPROTOOPT, 17},
      {kSoDomain, 1, 4, ENOPROTOOPT, 2}, {kSoError, 0, 4, ENOPROTOOPT, 0},
      {kSoAcceptconn, 1, 4, ENOPROTOOPT, 0}, {kSoSndlowat, 5, 4, ENOPROTOOPT, 1},
      {kSoPasscred, 5, 4, EOPNOTSUPP, -1}, {kSoPasscred, 1, 2, EINVAL, -1},
      {999, 1, 4, ENOPROTOOPT, -1},
  };
  for (const auto& row : rows) {
    Fresh sk(kSockDgram, 17);
    EXPECT_EQ(sk.set_int(row.opt, row.value, row.len), row.err) << row.opt << "=" << row.value;
    if (row.read_back != -1) {
      EXPECT_EQ(as_int(sk.get(row.opt)), row.read_back) << row.opt << "=" << row.value;
    }
  }
  Fresh tcp(kSockStream, 6);
  ASSERT_EQ(tcp.set_int(kSoRcvlowat, -1), 0);
  EXPECT_EQ(as_int(tcp.get(kSoRcvlowat)), 16777216);  // tcp_rmem[2] / 2
}

TEST(SolSet, Capabilities) {
  Fresh sk(kSockDgram, 17);
  sk.f.cap_net_admin = sk.f.cap_net_raw = false;
  EXPECT_EQ(sk.set_int(kSoPriority, 6), 0);
  EXPECT_EQ(sk.set_int(kSoPriority, 7), EPERM);
  EXPECT_EQ(sk.set_int(kSoPriority, -1), EPERM);
  EXPECT_EQ(sk.set_int(kSoPriority, 100), EPERM);
  EXPECT_EQ(as_int(sk.get(kSoPriority)), 6);  // errors.eperm.so_priority-kept
  EXPECT_EQ(sk.set_int(kSoMark, 1), EPERM);
  EXPECT_EQ(sk.set_int(kSoDebug, 1), EACCES);
  EXPECT_EQ(sk.set_int(kSoDebug, 0), 0);
  EXPECT_EQ(sk.set_int(kSoRcvbufforce, 100000000), EPERM);
  sk.f.cap_net_raw = true;  // either capability suffices
  EXPECT_EQ(sk.set_int(kSoPriority, 7), 0);
  sk.f.cap_net_admin = true;
  EXPECT_EQ(sk.set_int(kSoSndbufforce, 100000000), 0);
  EXPECT_EQ(as_int(sk.get(kSoSndbuf)), 200000000);
}

TEST(SolSet, BindToDevice) {
  Fresh sk(kSockDgram, 17);
  auto set_name = [&](const std::string& bytes, int len) {
    std::vector<std::uint8_t> b(bytes.begin(), bytes.end());
    b.resize(std::max<std::size_t>(b.size(), 20));
    return sol_setsockopt(sk.s, sk.f, kSoBindtodevice, b, len).err;
  };
  EXPECT_EQ(set_name("dut0", 4), 0);
  EXPECT_EQ(as_int(sk.get(kSoBindtoifindex)), 2);
  EXPECT_EQ(set_name("lo", 2), 0);
  EXPECT_EQ(sk.get(kSoBindtodevice, 16).value, (std::vector<std::uint8_t>{'l', 'o', 0}));
  EXPECT_EQ(sk.get(kSoBindtodevice, 16).optlen, 3);
  EXPECT_EQ(sk.get(kSoBindtodevice, 3).err, EINVAL);
  EXPECT_EQ(set_name("loXYZ", 2), 0);  // only optlen bytes count
  EXPECT_EQ(set_name("nosuch0", 7), ENODEV);
  EXPECT_EQ(set_name("0123456789abcdefgh", 18), ENODEV);  // cut to 15 bytes
  EXPECT_EQ(set_name("", 0), 0);
  EXPECT_EQ(sk.s.bound_dev_if, 0);
  EXPECT_EQ(sk.set_int(kSoBindtoifindex, 99), 0);  // not checked
  EXPECT_EQ(sk.set_int(kSoBindtoifindex, -1), EINVAL);
  sk.f.cap_net_raw = false;
  EXPECT_EQ(sk.set_int(kSoBindtoifindex, 1), EPERM);  // rebinding a bound socket
}

TEST(SolSet, Timeouts) {
  struct Row { std::int64_t sec, usec; int err; std::int64_t rsec, rusec; };
  const Row rows[] = {
      {1, 0, 0, 1, 0},       {0, 1, 0, 0, 4000},      {0, 4000, 0, 0, 4000},
      {0, 4001, 0, 0, 8000}, {1, 999999, 0, 2, 0},    {0, 1000000, EDOM, 0, 0},
      {0, -1, EDOM, 0, 0},   {-1, 0, 0, 0, 0},        {-1, 5, 0, 0, 0},
      {0, 0, 0, 0, 0},       {2, 500000, 0, 2, 500000}, {3, 250000, 0, 3, 252000},
  };
  for (const auto& row : rows) {
    Fresh sk(kSockDgram, 17);
    EXPECT_EQ(sol_setsockopt(sk.s, sk.f, kSoRcvtimeoOld, tv_bytes(row.sec, row.usec), 16).err,
              row.err);
    const SockoptResult r = sk.get(kSoRcvtimeoNew, 16);
    EXPECT_EQ(r.value, tv_bytes(row.rsec, row.rusec)) << row.sec << "." << row.usec;
  }
  Fresh sk(kSockDgram, 17);
  EXPECT_EQ(sol_setsockopt(sk.s, sk.f, kSoSndtimeoOld, tv_bytes(1, 0), 8).err, EINVAL);
  EXPECT_EQ(sol_setsockopt(sk.s, sk.f, kSoSndtimeoOld, tv_bytes(1, 0), 15).err, EINVAL);
}

TEST(SolSet, Linger) {
  auto linger = [](int on, int sec) {
    std::vector<std::uint8_t> b(12);
    std::memcpy(b.data(), &on, 4);
    std::memcpy(b.data() + 4, &sec, 4);
    return b;
  };
  Fresh sk(kSockDgram, 17);
  EXPECT_EQ(sol_setsockopt(sk.s, sk.f, kSoLinger, linger(1, 5), 7).err, EINVAL);
  EXPECT_EQ(sol_setsockopt(sk.s, sk.f, kSoLinger, linger(1, 5), 12).err, 0);
  std::vector<std::uint8_t> expected = linger(1, 5);
  expected.resize(8);
  EXPECT_EQ(sk.get(kSoLinger, 8).value, expected);
  Fresh off(kSockDgram, 17);
  EXPECT_EQ(sol_setsockopt(off.s, off.f, kSoLinger, linger(0, 5), 8).err, 0);
  EXPECT_EQ(off.get(kSoLinger, 8).value, std::vector<std::uint8_t>(8, 0));
  Fresh huge(kSockDgram, 17);
  ASSERT_EQ(sol_setsockopt(huge.s, huge.f, kSoLinger, linger(1, -1), 8).err, 0);
  // LONG_MAX / HZ truncated to an int: 0x978d4fdf.
  const auto v = huge.get(kSoLinger, 8).value;
  EXPECT_EQ(std::vector<std::uint8_t>(v.begin() + 4, v.end()),
            (std::vector<std::uint8_t>{0xdf, 0x4f, 0x8d, 0x97}));
}

TEST(SolSet, TimestampFlags) {
  Fresh sk(kSockDgram, 17);
  ASSERT_EQ(sk.set_int(kSoTimestampOld, 1), 0);
  EXPECT_EQ(as_int(sk.get(kSoTimestampOld)), 1);
  EXPECT_EQ(as_int(sk.get(kSoTimestampnsOld)), 0);
  ASSERT_EQ(sk.set_int(kSoTimestampnsOld, 1), 0);
  EXPECT_EQ(as_int(sk.get(kSoTimestampOld)), 0);
  EXPECT_EQ(as_int(sk.get(kSoTimestampnsOld)), 1);
  ASSERT_EQ(sk.set_int(kSoTimestampNew, 1), 0);
  EXPECT_EQ(as_int(sk.get(kSoTimestampNew)), 1);
  EXPECT_EQ(as_int(sk.get(kSoTimestampOld)), 0);
  ASSERT_EQ(sk.set_int(kSoTimestampNew, 0), 0);
  EXPECT_EQ(as_int(sk.get(kSoTimestampNew)), 0);
}

TEST(SolGet, ErrorReadClears) {
  Fresh sk(kSockDgram, 17);
  sk.s.sk_err = ECONNREFUSED;
  EXPECT_EQ(sk.get(kSoError, -1).err, EINVAL);  // not cleared
  EXPECT_EQ(as_int(sk.get(kSoError)), 111);
  EXPECT_EQ(as_int(sk.get(kSoError)), 0);
  sk.s.sk_err_soft = EHOSTUNREACH;
  EXPECT_EQ(as_int(sk.get(kSoError)), EHOSTUNREACH);
  EXPECT_EQ(sk.s.sk_err_soft, 0);
}

}  // namespace
}  // namespace ipc::stack::sol_socket
