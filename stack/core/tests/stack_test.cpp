// A stack driven in memory: frames in, frames out, no devices.
#include "stack/core/stack.hpp"

#include <gtest/gtest.h>

#include "stack/core/tests/suite_config.hpp"
#include "stack/wire/arp.hpp"
#include "stack/wire/checksum.hpp"
#include "stack/wire/ethernet.hpp"
#include "stack/wire/icmp.hpp"
#include "stack/wire/ipv4.hpp"
#include "stack/wire/udp.hpp"

namespace ipc::stack::core {
namespace {

using namespace testing;

struct Harness {
  std::vector<std::vector<std::uint8_t>> sent;
  Clock::time_point now = Clock::time_point{} + std::chrono::hours(1);
  Stack stack{suite_config(), [this](std::span<const std::uint8_t> f) { sent.emplace_back(f.begin(), f.end()); }, now};
};

std::vector<std::uint8_t> icmp_echo(std::uint16_t ident, std::uint16_t seq, std::vector<std::uint8_t> data) {
  std::vector<std::uint8_t> m{8, 0, 0, 0, static_cast<std::uint8_t>(ident >> 8), static_cast<std::uint8_t>(ident),
                              static_cast<std::uint8_t>(seq >> 8), static_cast<std::uint8_t>(seq)};
  m.insert(m.end(), data.begin(), data.end());
  const std::uint16_t c = wire::internet_checksum(m);
  m[2] = static_cast<std::uint8_t>(c >> 8);
  m[3] = static_cast<std::uint8_t>(c);
  return m;
}

TEST(Stack, AnswersAnArpRequestForItsAddress) {
  Harness h;
  h.stack.input_frame(arp_request_frame(kDut), h.now);
  ASSERT_EQ(h.sent.size(), 1u);
  auto eth = wire::EthernetFrame::check(std::span<const std::uint8_t>(h.sent[0]));
  ASSERT_TRUE(eth);
  const auto e = wire::EthernetRepr::parse(*eth);
  EXPECT_EQ(e.dst, kPeerMac);
  EXPECT_EQ(e.src, kDutMac);
  auto arp = wire::ArpPacket::check(eth->payload());
  ASSERT_TRUE(arp);
  const auto a = wire::ArpRepr::parse(*arp);
  EXPECT_EQ(a.operation, wire::arp::kOpReply);
  EXPECT_EQ(a.sender_proto, kDut);
  EXPECT_EQ(a.sender_hw, kDutMac);
  EXPECT_EQ(a.target_proto, kPeer);
}

TEST(Stack, IgnoresArpForAnotherAddress) {
  Harness h;
  h.stack.input_frame(arp_request_frame(wire::Ipv4Address(192, 0, 2, 77)), h.now);
  EXPECT_TRUE(h.sent.empty());
}

TEST(Stack, AnswersAnEchoRequest) {
  Harness h;
  const auto req = icmp_echo(0x4242, 7, {1, 2, 3, 4});
  h.stack.input_frame(ipv4_frame(1, req), h.now);
  ASSERT_EQ(h.sent.size(), 1u);
  auto eth = wire::EthernetFrame::check(std::span<const std::uint8_t>(h.sent[0]));
  ASSERT_TRUE(eth);
  auto ip = wire::Ipv4Packet::check(eth->payload());
  ASSERT_TRUE(ip);
  EXPECT_EQ(ip->src(), kDut);
  EXPECT_EQ(ip->dst(), kPeer);
  EXPECT_EQ(ip->ttl(), 64);
  EXPECT_TRUE(ip->verify_checksum());
  auto icmp = ip->payload();
  ASSERT_EQ(icmp.size(), req.size());
  EXPECT_EQ(icmp[0], 0);  // echo reply
  EXPECT_EQ(wire::internet_checksum(icmp), 0);
  EXPECT_TRUE(std::equal(icmp.begin() + 4, icmp.end(), req.begin() + 4));  // ident, seq, data
}

TEST(Stack, DropsFramesForAnotherMac) {
  Harness h;
  h.stack.input_frame(ipv4_frame(1, icmp_echo(1, 1, {}), kDut, *wire::MacAddress::parse("02:00:00:00:09:09")),
                      h.now);
  EXPECT_TRUE(h.sent.empty());
}

TEST(Stack, AnswersUdpToAClosedPortWithPortUnreachable) {
  Harness h;
  std::vector<std::uint8_t> udp(8 + 2);
  wire::UdpRepr u;
  u.src_port = 4000;
  u.dst_port = 9;
  const std::vector<std::uint8_t> data{'h', 'i'};
  u.payload = data;
  (void)u.emit(udp, kPeer, kDut);
  h.stack.input_frame(ipv4_frame(17, udp), h.now);
  ASSERT_EQ(h.sent.size(), 1u);
  auto eth = wire::EthernetFrame::check(std::span<const std::uint8_t>(h.sent[0]));
  auto ip = wire::Ipv4Packet::check(eth->payload());
  ASSERT_TRUE(ip);
  EXPECT_EQ(ip->protocol(), 1);
  EXPECT_EQ(ip->tos(), 0xc0);  // IPTOS_PREC_INTERNETCONTROL
  auto icmp = ip->payload();
  ASSERT_GE(icmp.size(), 8u + 20u + 8u);
  EXPECT_EQ(icmp[0], 3);
  EXPECT_EQ(icmp[1], 3);
  // The quote is the offending IP header and its UDP datagram.
  auto quoted = wire::Ipv4Packet::check_quoted(icmp.subspan(8));
  ASSERT_TRUE(quoted);
  EXPECT_EQ(quoted->src(), kPeer);
  EXPECT_EQ(quoted->dst(), kDut);
}

TEST(Stack, SaysNothingAboutUdpToABroadcastAddress) {
  Harness h;
  std::vector<std::uint8_t> udp(8);
  wire::UdpRepr u;
  u.src_port = 4000;
  u.dst_port = 9;
  (void)u.emit(udp, kPeer, wire::Ipv4Address(192, 0, 2, 255));
  h.stack.input_frame(ipv4_frame(17, udp, wire::Ipv4Address(192, 0, 2, 255), wire::MacAddress::broadcast()), h.now);
  EXPECT_TRUE(h.sent.empty());
}

TEST(Stack, ResetClosesSocketsAndRestoresSysctls) {
  Harness h;
  auto s = std::make_unique<Socket>();
  const int fd = h.stack.open_socket(std::move(s));
  EXPECT_EQ(fd, 3);
  ASSERT_EQ(h.stack.sysctl_write("net/ipv4/ip_default_ttl", "5").err, 0);
  EXPECT_EQ(h.stack.sysctls().ip_default_ttl(), 5);
  h.stack.reset(h.now);
  EXPECT_EQ(h.stack.socket(fd), nullptr);
  EXPECT_TRUE(h.stack.descriptors().empty());
  EXPECT_EQ(h.stack.sysctls().ip_default_ttl(), 64);
}

TEST(Stack, TheErrorQueueSharesTheReceiveBuffer) {
  Harness h;
  Socket s;
  s.sol.rcvbuf = 2000;  // room for one error of 1000 bytes (+ overhead), not two
  QueuedError e;
  e.payload.assign(1000, 0);
  EXPECT_TRUE(h.stack.queue_error(s, e));
  EXPECT_FALSE(h.stack.queue_error(s, e));  // sock_queue_err_skb: -ENOMEM, dropped
  EXPECT_EQ(s.errq.size(), 1u);
  EXPECT_EQ(s.rx_bytes, 1000 + kSkbTruesizeOverhead);
}

}  // namespace
}  // namespace ipc::stack::core
