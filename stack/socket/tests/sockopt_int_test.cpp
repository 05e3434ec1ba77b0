#include "stack/socket/sockopt_int.hpp"

#include <cerrno>
#include <cstring>

#include <gtest/gtest.h>

namespace ipc::stack::socket {
namespace {

std::vector<std::uint8_t> bytes_of(int v) {
  std::vector<std::uint8_t> b(8, 0);
  std::memcpy(b.data(), &v, sizeof v);
  return b;
}

TEST(ReadIntOrChar, OptlenPicksIntCharOrZero) {
  const auto b = bytes_of(258);
  EXPECT_EQ(read_int_or_char(b, 0).val, 0);
  EXPECT_EQ(read_int_or_char(b, 1).val, 2);
  EXPECT_EQ(read_int_or_char(b, 3).val, 2);
  EXPECT_EQ(read_int_or_char(b, 4).val, 258);
  EXPECT_EQ(read_int_or_char(b, 8).val, 258);
}

TEST(ReadIntOrChar, CharIsUnsigned) {
  EXPECT_EQ(read_int_or_char(bytes_of(0xff), 1).val, 255);
}

TEST(ReadIntOrChar, ShortBufferFaults) {
  const std::vector<std::uint8_t> two{1, 2};
  EXPECT_EQ(read_int_or_char(two, 4).err, EFAULT);
}

// sockopt.ip_mtu.get-optlen: 1500 with len 1 -> 0xdc, len 2 -> dc05, 3 -> dc0500
TEST(WriteInt, LargeValueIsTruncatedInt) {
  EXPECT_EQ(write_int(1500, 1).value, (std::vector<std::uint8_t>{0xdc}));
  EXPECT_EQ(write_int(1500, 2).value, (std::vector<std::uint8_t>{0xdc, 0x05}));
  EXPECT_EQ(write_int(1500, 3).value, (std::vector<std::uint8_t>{0xdc, 0x05, 0x00}));
  EXPECT_EQ(write_int(1500, 8).optlen, 4);
}

TEST(WriteInt, SmallValueShortBufferIsOneByte) {
  const auto o = write_int(200, 3);
  EXPECT_EQ(o.optlen, 1);
  EXPECT_EQ(o.value, (std::vector<std::uint8_t>{200}));
  EXPECT_EQ(write_int(200, 0).optlen, 0);
  EXPECT_TRUE(write_int(200, 0).value.empty());
}

}  // namespace
}  // namespace ipc::stack::socket
