// __ip_options_echo and ip_options_undo (IP_RETOPTS) beyond the kernel
// captures in input_test.cpp: order, source-route reversal, errors.
#include "stack/ipv4/options_echo.hpp"

#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>

#include "stack/ipv4/options_rcv.hpp"
#include "stack/ipv4/tests/test_bytes.hpp"

namespace ipc::stack::ipv4 {
namespace {

using test::hex;
using test::to_hex;

// A header from 192.0.2.2 to 192.0.2.1 with `opts` (a multiple of 4 bytes),
// processed as on input.
struct Processed {
  std::vector<std::uint8_t> header;
  OptionsRcvResult rcv;
};
Processed receive(std::string_view opts) {
  Processed p;
  p.header = hex("450000000001000040110000");  // 12 bytes; the addresses follow
  auto addrs = hex("c0000202c0000201");
  p.header.insert(p.header.end(), addrs.begin(), addrs.end());
  auto o = hex(opts);
  p.header.insert(p.header.end(), o.begin(), o.end());
  p.header[0] = static_cast<std::uint8_t>(0x40 | p.header.size() / 4);
  OptionsRcvContext ctx;
  ctx.spec_dst = wire::Ipv4Address(192, 0, 2, 1);
  ctx.timestamp = 0x01020304;
  ctx.is_unicast = [](wire::Ipv4Address a) { return a != wire::Ipv4Address(192, 0, 2, 1); };
  p.rcv = compile_received_options(std::span<std::uint8_t>(p.header).subspan(20), ctx);
  return p;
}

auto unicast = [](wire::Ipv4Address a) { return a != wire::Ipv4Address(192, 0, 2, 1); };

TEST(OptionsEcho, RrThenTsWhateverTheOrder) {
  auto p = receive("440c05000000000000000000" "01" "070704000000000000000000");
  ASSERT_FALSE(p.rcv.param_problem);
  auto e = echo_options(p.header, p.rcv.opt, unicast);
  ASSERT_TRUE(e.has_value());
  // RR first (pointer advanced for the reply's own slot: none left -> stays 8),
  // then TS (pointer 13 for the reply's stamp), no NOP; padded to 20.
  EXPECT_EQ(to_hex(e->data), "070708c0000201" "440c0d000102030400000000" "00");
  EXPECT_FALSE(e->rr_needaddr);
  EXPECT_TRUE(e->ts_needtime);
}

TEST(OptionsEcho, SourceRouteReversed) {
  // LSRR used up: 198.51.100.1, 198.51.100.2 visited (pointer 12).
  auto p = receive("830b0cc6336401c633640200");
  ASSERT_FALSE(p.rcv.param_problem);
  auto e = echo_options(p.header, p.rcv.opt, unicast);
  ASSERT_TRUE(e.has_value());
  // faddr = the last visited hop; then the earlier ones, last first, and an
  // empty last slot that ip_options_build fills with the reply's destination.
  std::uint8_t f[4];
  std::memcpy(f, &e->faddr, 4);
  EXPECT_EQ(to_hex({f, f + 4}), "c6336402");
  EXPECT_EQ(to_hex(e->data), "830b04c633640100000000" "00");
  EXPECT_EQ(to_hex(socket::ip_options_user_view(*e)), "830b04c6336402c6336401" "00");
}

TEST(OptionsEcho, SourceRouteThroughSenderShortened) {
  // The first visited hop is the packet's own source: RFC 1812 fix-up, one
  // slot less (only the destination slot is left).
  auto p = receive("830b0cc0000202c633640200");
  auto e = echo_options(p.header, p.rcv.opt, unicast);
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(to_hex(e->data), "830704c000020200");
  EXPECT_EQ(e->srr, 0);
}

TEST(OptionsEcho, RecordRouteNoRoomForReply) {
  // RR with one slot, pointer 4: this hop fills it; the reply has no room but
  // Linux only fails when the pointer is inside with less than 4 bytes.
  auto p = receive("07070400000000" "00");
  auto e = echo_options(p.header, p.rcv.opt, unicast);
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(to_hex(e->data), "070708c0000201" "00");
  EXPECT_FALSE(e->rr_needaddr);
}

TEST(OptionsRcv, PrespecifiedOnlyForUs) {
  auto ours = receive("440c0503c000020100000000");
  EXPECT_EQ(to_hex(ours.rcv.opt.data), "440c0d03c000020101020304");
  auto other = receive("440c0503c633640100000000");
  EXPECT_EQ(to_hex(other.rcv.opt.data), "440c0503c633640100000000");
}

TEST(OptionsRcv, TsWithAddress) {
  auto p = receive("440c05010000000000000000");
  EXPECT_EQ(to_hex(p.rcv.opt.data), "440c0d01c000020101020304");
  EXPECT_TRUE(p.rcv.opt.ts_needaddr);
}

}  // namespace
}  // namespace ipc::stack::ipv4
