// Unit tests of the helpers that need no network namespace: hex, errno
// names, sockaddr encoding, control messages, request field checks, sysctl paths, capability
// names and guarded buffers.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>

#include <gtest/gtest.h>

#include "capabilities.hpp"
#include "errno_names.hpp"
#include "guarded_buffer.hpp"
#include "hex.hpp"
#include "msghdr_codec.hpp"
#include "request.hpp"
#include "sockaddr_codec.hpp"
#include "sysctl.hpp"
#include "sysctl_path.hpp"

namespace ipconform::kprobe {
using namespace ::ipconform::probe;
namespace {

using nlohmann::json;

TEST(Hex, RoundTripsLowercase) {
  const Bytes bytes = {0x00, 0x40, 0xab, 0xff};
  EXPECT_EQ(to_hex(bytes), "0040abff");
  EXPECT_EQ(from_hex("0040ABff"), bytes);
  EXPECT_EQ(from_hex(""), Bytes{});
}

TEST(Hex, RejectsOddLengthAndNonDigits) {
  EXPECT_FALSE(from_hex("abc"));
  EXPECT_FALSE(from_hex("zz"));
  EXPECT_FALSE(from_hex("0x"));
}

TEST(ErrnoNames, NamesCommonValues) {
  EXPECT_EQ(errno_name(EINVAL), "EINVAL");
  EXPECT_EQ(errno_name(EACCES), "EACCES");
  EXPECT_EQ(errno_name(EWOULDBLOCK), "EAGAIN");
  EXPECT_EQ(errno_name(ENOTSUP), "EOPNOTSUPP");
  EXPECT_EQ(errno_name(524), "ENOTSUPP");
  EXPECT_EQ(errno_name(4000), "E4000");
}

TEST(ErrnoNames, AgreesWithGlibc) {
  for (int err = 1; err < 512; ++err) {
    const char* glibc = strerrorname_np(err);
    if (glibc == nullptr) {
      EXPECT_EQ(errno_name(err), "E" + std::to_string(err));
    } else {
      EXPECT_EQ(errno_name(err), glibc) << "errno " << err;
    }
  }
}

TEST(Sockaddr, EncodesInetObject) {
  const SockaddrArg arg =
      encode_sockaddr(json{{"family", 2}, {"addr", "192.0.2.1"}, {"port", 5000}}, std::nullopt);
  ASSERT_EQ(arg.len, sizeof(sockaddr_in));
  ASSERT_GE(arg.bytes.size(), sizeof(sockaddr_storage));
  sockaddr_in sin{};
  std::memcpy(&sin, arg.bytes.data(), sizeof sin);
  EXPECT_EQ(sin.sin_family, AF_INET);
  EXPECT_EQ(ntohs(sin.sin_port), 5000);
  EXPECT_EQ(ntohl(sin.sin_addr.s_addr), 0xc0000201u);
}

TEST(Sockaddr, KeepsOddFamiliesAndLengths) {
  const SockaddrArg arg = encode_sockaddr(json{{"family", 0}, {"addr", "0.0.0.0"}, {"port", 0}},
                                          static_cast<socklen_t>(-1));
  EXPECT_EQ(arg.bytes[0] | arg.bytes[1] << 8, AF_UNSPEC);
  EXPECT_EQ(static_cast<int>(arg.len), -1);
}

TEST(Sockaddr, EncodesRawBytes) {
  const SockaddrArg arg = encode_sockaddr(json{{"raw", "0200"}}, std::nullopt);
  EXPECT_EQ(arg.len, 2u);
  EXPECT_EQ(arg.bytes[0], 2);
  const Bytes long_raw(200, 0x11);
  const SockaddrArg big = encode_sockaddr(json{{"raw", to_hex(long_raw)}}, std::nullopt);
  EXPECT_EQ(big.len, 200u);
  EXPECT_EQ(big.bytes.size(), 200u);
}

TEST(Sockaddr, RejectsMalformedObjects) {
  EXPECT_THROW(encode_sockaddr(json{{"family", 2}, {"port", 1}}, std::nullopt), ProtocolError);
  EXPECT_THROW(encode_sockaddr(json{{"family", 2}, {"addr", "1.2.3"}, {"port", 1}}, std::nullopt),
               ProtocolError);
  EXPECT_THROW(
      encode_sockaddr(json{{"family", 2}, {"addr", "1.2.3.4"}, {"port", 70000}}, std::nullopt),
      ProtocolError);
  EXPECT_THROW(encode_sockaddr(json{{"raw", "0g"}}, std::nullopt), ProtocolError);
  EXPECT_THROW(encode_sockaddr(json::array(), std::nullopt), ProtocolError);
}

SockaddrOut inet_out(socklen_t declared, socklen_t returned) {
  SockaddrOut out(declared);
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_port = htons(4242);
  sin.sin_addr.s_addr = htonl(0x7f000001);
  std::memcpy(&out.storage, &sin, sizeof sin);
  out.len = returned;
  return out;
}

TEST(Sockaddr, DecodesWhatTheKernelWrote) {
  EXPECT_EQ(inet_out(16, 16).decode(),
            (Json{{"family", 2}, {"addr", "127.0.0.1"}, {"port", 4242}}));
  EXPECT_EQ(inet_out(16, 0).decode(), Json(nullptr));
  // A short buffer: the kernel copies 4 bytes but reports the full length.
  EXPECT_EQ(inet_out(4, 16).decode(), (Json{{"family", 2}, {"raw", "02001092"}}));
  EXPECT_EQ(inet_out(1, 16).decode(), (Json{{"raw", "02"}}));
  SockaddrOut other(16);
  other.storage.ss_family = AF_INET6;
  other.len = 4;
  EXPECT_EQ(other.decode(), (Json{{"family", AF_INET6}, {"raw", "0a000000"}}));
}

TEST(Cmsgs, LaysOutEachWithCmsgSpace) {
  const Bytes control = encode_cmsgs(json::array(
      {{{"level", 0}, {"type", 2}, {"data", "07"}}, {{"level", 1}, {"type", 3}, {"data", ""}}}));
  ASSERT_EQ(control.size(), CMSG_SPACE(1) + CMSG_SPACE(0));
  cmsghdr first{};
  std::memcpy(&first, control.data(), sizeof first);
  EXPECT_EQ(first.cmsg_len, CMSG_LEN(1));
  EXPECT_EQ(first.cmsg_level, 0);
  EXPECT_EQ(first.cmsg_type, 2);
  EXPECT_EQ(control[CMSG_LEN(0)], 0x07);
  cmsghdr second{};
  std::memcpy(&second, control.data() + CMSG_SPACE(1), sizeof second);
  EXPECT_EQ(second.cmsg_len, CMSG_LEN(0));
  EXPECT_EQ(second.cmsg_level, 1);
  EXPECT_EQ(second.cmsg_type, 3);
  EXPECT_TRUE(encode_cmsgs(json::array()).empty());
}

TEST(Cmsgs, WalksAndClipsToTheBuffer) {
  const Bytes control =
      encode_cmsgs(json::array({{{"level", 0}, {"type", 2}, {"data", "07000000"}},
                                {{"level", 0}, {"type", 1}, {"data", "aabbcc"}}}));
  EXPECT_EQ(decode_cmsgs(control.data(), control.size()),
            (Json{{{"level", 0}, {"type", 2}, {"data", "07000000"}},
                  {{"level", 0}, {"type", 1}, {"data", "aabbcc"}}}));
  // Cut inside the second one's data: it is shown up to the cut.
  EXPECT_EQ(decode_cmsgs(control.data(), CMSG_SPACE(4) + CMSG_LEN(1)),
            (Json{{{"level", 0}, {"type", 2}, {"data", "07000000"}},
                  {{"level", 0}, {"type", 1}, {"data", "aa"}}}));
  // Less than a header: nothing.
  EXPECT_EQ(decode_cmsgs(control.data(), sizeof(cmsghdr) - 1), Json::array());
  // A cmsg_len shorter than a header: reported without data, and the walk ends.
  Bytes bogus = control;
  const std::size_t short_len = 4;
  std::memcpy(bogus.data(), &short_len, sizeof short_len);
  EXPECT_EQ(decode_cmsgs(bogus.data(), bogus.size()),
            (Json{{{"level", 0}, {"type", 2}, {"data", ""}}}));
}

TEST(Request, ChecksTypesAndPresence) {
  const json body = {{"s", "x"}, {"i", 5},      {"neg", -1},    {"big", 4294967295u},
                     {"f", 1.5}, {"h", "0aff"}, {"n", nullptr}, {"b", true}};
  const Request req(body);
  EXPECT_EQ(req.string("s"), "x");
  EXPECT_THROW(req.string("i"), ProtocolError);
  EXPECT_EQ(req.c_int("i"), 5);
  EXPECT_EQ(req.c_int("neg"), -1);
  EXPECT_EQ(req.c_int("big"), -1);
  EXPECT_EQ(req.c_uint("big"), 0xffffffffu);
  EXPECT_THROW(req.c_int("f"), ProtocolError);
  EXPECT_THROW(req.c_int("b"), ProtocolError);
  EXPECT_THROW(req.c_int("missing"), ProtocolError);
  EXPECT_THROW(req.c_int("n"), ProtocolError);
  EXPECT_FALSE(req.opt_c_int("n"));
  EXPECT_EQ(req.hex("h"), (Bytes{0x0a, 0xff}));
  EXPECT_THROW(req.hex("s"), ProtocolError);
  EXPECT_THROW(req.integer("i", 0, 4), ProtocolError);
}

TEST(SysctlPath, AcceptsCanonicalNetPaths) {
  EXPECT_TRUE(valid_sysctl_path("net/ipv4/ip_default_ttl"));
  EXPECT_TRUE(valid_sysctl_path("net/ipv4/conf/eth0.100/forwarding"));
  EXPECT_TRUE(valid_sysctl_path("net/ipv4/conf/veth-a/rp_filter"));
}

TEST(SysctlPath, RejectsEverythingElse) {
  for (const char* path : {"", "net", "net/", "kernel/hostname", "/net/ipv4/ip_default_ttl",
                           "net/../kernel/x", "net/ipv4/..", "net/ipv4/./ip_default_ttl",
                           "net//ipv4", "net/ipv4/", "net/ipv4/a b", "net/ipv4/a\n", "net/ipv4/*"})
    EXPECT_FALSE(valid_sysctl_path(path)) << path;
}

TEST(Capabilities, ResolvesNamesOnly) {
  EXPECT_EQ(capability_from_name("CAP_NET_BIND_SERVICE"), CAP_NET_BIND_SERVICE);
  EXPECT_EQ(capability_from_name("cap_net_admin"), CAP_NET_ADMIN);
  EXPECT_FALSE(capability_from_name("CAP_NOPE"));
  EXPECT_FALSE(capability_from_name("10"));
  EXPECT_FALSE(capability_from_name("NET_ADMIN"));
  EXPECT_FALSE(capability_from_name(""));
}

TEST(GuardedBuffer, IsZeroedAndFaultsPastItsEnd) {
  GuardedBuffer exact(sizeof(timespec));
  ASSERT_EQ(exact.size(), sizeof(timespec));
  for (std::size_t i = 0; i < exact.size(); ++i) EXPECT_EQ(exact.data()[i], 0);
  // nanosleep copies the whole timespec in: a zero one returns at once...
  EXPECT_EQ(::nanosleep(reinterpret_cast<const timespec*>(exact.data()), nullptr), 0);
  // ... while a short buffer runs into the guard page.
  GuardedBuffer short_buffer(sizeof(timespec) - 6);
  EXPECT_EQ(::nanosleep(reinterpret_cast<const timespec*>(short_buffer.data()), nullptr), -1);
  EXPECT_EQ(errno, EFAULT);
  GuardedBuffer empty(0);
  EXPECT_EQ(empty.size(), 0u);
}

}  // namespace
}  // namespace ipconform::kprobe
