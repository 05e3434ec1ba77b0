// put_cmsg's truncation rules, with the kernel's answers from
// cases/cmsg/recv.toml (cmsg.recv.ttl-size, cmsg.recv.tos-size, cmsg.recv.ctrunc).
#include "stack/cmsg/control_writer.hpp"

#include <gtest/gtest.h>

#include "stack/cmsg/tests/cmsg_test_util.hpp"

namespace ipc::stack::cmsg {
namespace {

using test::hex;

// cmsg.recv.ttl-size[c=17|19|20]: a 4-byte TTL 64 into 17, 19, 20 bytes.
TEST(ControlWriter, IntCmsgCutToTheBuffer) {
  struct Case {
    std::uint64_t room;
    std::vector<std::uint8_t> bytes;
    int flags;
  };
  const Case kCases[] = {
      {17, test::cat({test::header(17, kSolIp, kIpTtl), hex("40")}), kMsgCtrunc},
      {19, test::cat({test::header(19, kSolIp, kIpTtl), hex("400000")}), kMsgCtrunc},
      {20, test::cat({test::header(20, kSolIp, kIpTtl), hex("40000000")}), 0},
  };
  for (const auto& c : kCases) {
    ControlWriter w(c.room);
    w.put(kSolIp, kIpTtl, test::le32(64));
    EXPECT_EQ(w.bytes(), c.bytes) << c.room;
    EXPECT_EQ(w.used(), c.room);
    EXPECT_EQ(w.msg_flags(), c.flags);
  }
}

// cmsg.recv.tos-size[c=16]: only the header fits -> cmsg_len 16, no data,
// MSG_CTRUNC; [c=17]: whole, no flag.
TEST(ControlWriter, ByteCmsgNeedsSeventeen) {
  ControlWriter a(16);
  a.put(kSolIp, kIpTos, hex("10"));
  EXPECT_EQ(a.bytes(), test::header(16, kSolIp, kIpTos));
  EXPECT_EQ(test::to_hex(a.bytes()), "10000000000000000000000001000000");
  EXPECT_EQ(a.msg_flags(), kMsgCtrunc);
  ControlWriter b(17);
  b.put(kSolIp, kIpTos, hex("10"));
  EXPECT_EQ(b.bytes(), test::cat({test::header(17, kSolIp, kIpTos), hex("10")}));
  EXPECT_EQ(b.used(), 17u);
  EXPECT_EQ(b.msg_flags(), 0);
}

// cmsg.recv.ctrunc[c=0|10]: less than a header -> nothing written, controllen 0.
TEST(ControlWriter, LessThanAHeaderWritesNothing) {
  for (std::uint64_t room : {0u, 10u}) {
    ControlWriter w(room);
    w.put(kSolIp, kIpPktinfo, test::pktinfo(2, "c0000201", "c0000201"));
    w.put(kSolIp, kIpTtl, test::le32(64));
    EXPECT_EQ(w.used(), 0u);
    EXPECT_EQ(w.msg_flags(), kMsgCtrunc);
  }
}

// A huge msg_controllen allocates only what is written.
TEST(ControlWriter, HugeControllen) {
  ControlWriter w(std::uint64_t{1} << 62);
  w.put(kSolIp, kIpTtl, test::le32(1));
  EXPECT_EQ(w.used(), 24u);
  EXPECT_EQ(w.msg_flags(), 0);
}

TEST(ControlWriter, SetCtruncKeepsBytes) {
  ControlWriter w(64);
  w.set_ctrunc();
  EXPECT_EQ(w.used(), 0u);
  EXPECT_EQ(w.msg_flags(), kMsgCtrunc);
}

}  // namespace
}  // namespace ipc::stack::cmsg
