// raw_send_hdrinc against raw.hdrincl.filled (cases/raw/hdrincl.toml).
#include "stack/ipv4/hdrincl.hpp"

#include <gtest/gtest.h>

#include <cerrno>

#include "stack/ipv4/ident.hpp"
#include "stack/ipv4/tests/test_bytes.hpp"

namespace ipc::stack::ipv4 {
namespace {

using test::hex;
using test::to_hex;

HdrinclContext ctx(std::uint16_t id_for_zero = 0x7799) {
  HdrinclContext c;
  c.route_src = wire::Ipv4Address(192, 0, 2, 1);
  c.device_mtu = 1500;
  c.pick_id = [id_for_zero](wire::Ipv4Address, wire::Ipv4Address, std::uint8_t, bool df) -> std::uint16_t {
    return df ? 0 : id_for_zero;  // select_ident with no socket
  };
  return c;
}

std::string send(std::string_view user, const HdrinclContext& c = ctx()) {
  auto r = build_hdrincl(hex(user), c);
  if (!r) return "errno " + std::to_string(r.error());
  return to_hex(*r);
}

constexpr const char* kWire = "4500001e123400004011e497c0000201c000020212340009000a00006869";

TEST(Hdrincl, FilledLikeLinux) {
  EXPECT_EQ(send("4500001e123400004011e497c0000201c000020212340009000a00006869"), kWire);  // as-given
  EXPECT_EQ(send("45000000123400004011e4b5c0000201c000020212340009000a00006869"), kWire);  // tot_len-0
  EXPECT_EQ(send("450003e7123400004011e0cec0000201c000020212340009000a00006869"), kWire);  // tot_len-999
  EXPECT_EQ(send("4500001e1234000040110000c0000201c000020212340009000a00006869"), kWire);  // check-0
  EXPECT_EQ(send("4500001e123400004011ffffc0000201c000020212340009000a00006869"), kWire);  // check-ffff
  EXPECT_EQ(send("4500001e123400004011a69900000000c000020212340009000a00006869"), kWire);  // saddr-0
  // id-0-df: id stays 0 (the capture).
  EXPECT_EQ(send("4500001e000040004011b6cbc0000201c000020212340009000a00006869"),
            "4500001e000040004011b6cbc0000201c000020212340009000a00006869");
  // df kept, ttl/tos/options/foreign saddr untouched (the captures' checksums).
  EXPECT_EQ(send("4500001e123440004011a497c0000201c000020212340009000a00006869").substr(20, 4), "a497");
  EXPECT_EQ(send("4500001e1234000007111d98c0000201c000020212340009000a00006869").substr(20, 4), "1d98");
  EXPECT_EQ(send("4500001e1234000040116a93cb007105c000020212340009000a00006869").substr(20, 4), "6a93");
  EXPECT_EQ(send("46000022123400004011e192c0000201c00002020101010012340009000a00006869"),
            "46000022123400004011e192c0000201c00002020101010012340009000a00006869");
}

TEST(Hdrincl, IdZeroWithoutDfGetsAnId) {
  auto out = send("4500001e000000004011f6cbc0000201c000020212340009000a00006869");
  EXPECT_EQ(out.substr(8, 4), "7799");
}

TEST(Hdrincl, Rejections) {
  auto c = ctx();
  EXPECT_EQ(send("4500001e12340000401100", c), "errno " + std::to_string(EINVAL));  // < 20 bytes
  EXPECT_EQ(send("4f00001e123400004011e497c0000201c000020212340009000a00006869", c),
            "errno " + std::to_string(EINVAL));  // ihl 15 > 30 bytes
  c.device_mtu = 29;
  EXPECT_EQ(send(kWire, c), "errno " + std::to_string(EMSGSIZE));  // raw.hdrincl.too-big
  c.device_mtu = 30;
  EXPECT_EQ(send(kWire, c), kWire);
}

TEST(Hdrincl, ShortIhlRejected) {
  // ihl 4 and ihl 0: raw_send_hdrinc rejects a header shorter than struct iphdr.
  EXPECT_EQ(send("44000000000000004011000000000000c000020212340009000a00006869"),
            "errno " + std::to_string(EINVAL));
  EXPECT_EQ(send(std::string(60, '0')), "errno " + std::to_string(EINVAL));
}

}  // namespace
}  // namespace ipc::stack::ipv4
