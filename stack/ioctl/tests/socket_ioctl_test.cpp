// Expected buffers and errnos: the suite's cases/ioctl/*.toml and
// errors/einval.toml as the reference kernel answered them (dut0 is
// 192.0.2.1/24, ifindex 2, MTU 1500; lo ifindex 1, MTU 65536).
#include "stack/ioctl/socket_ioctl.hpp"

#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>

namespace ipc::stack::ioctl {
namespace {

std::vector<std::uint8_t> hex(const std::string& h) {
  std::vector<std::uint8_t> out;
  for (std::size_t i = 0; i + 1 < h.size(); i += 2)
    out.push_back(static_cast<std::uint8_t>(std::stoi(h.substr(i, 2), nullptr, 16)));
  return out;
}

const std::vector<Interface> kInterfaces = {
    {"lo", 1, 0x49, 65536, 772, {}, true, 0x7f000001, 0xff000000, 0},
    {"dut0", 2, 0x1043, 1500, 1, {0x02, 0, 0, 0, 0x01, 0x01}, true, 0xc0000201, 0xffffff00,
     0xc00002ff},
};
const std::vector<Neighbour> kNeighbours = {
    {2, 0xc0000202, {0x02, 0, 0, 0, 0x02, 0x02}, true, true, false},
};

IoctlResult run(const SocketIoctlFacts& s, std::uint32_t request, std::vector<std::uint8_t> arg) {
  return socket_ioctl(s, kInterfaces, kNeighbours, request, std::move(arg));
}

const std::string kZero40(80, '0');
const std::string kDut0 = "64757430000000000000000000000000000000000000000000000000000000000000000000000000";
const std::string kLo = "6c6f0000000000000000000000000000000000000000000000000000000000000000000000000000";
const std::string kNosuch = "6e6f7375636830000000000000000000000000000000000000000000000000000000000000000000";

TEST(NetdeviceIoctl, KernelBuffers) {
  struct Row { std::uint32_t req; std::string in; int err; std::string out; };
  const Row rows[] = {
      {0x8915, kDut0, 0, "6475743000000000000000000000000002000000c000020100000000000000000000000000000000"},
      {0x891b, kDut0, 0, "6475743000000000000000000000000002000000ffffff0000000000000000000000000000000000"},
      {0x8919, kDut0, 0, "6475743000000000000000000000000002000000c00002ff00000000000000000000000000000000"},
      {0x8915, kLo, 0, "6c6f0000000000000000000000000000020000007f00000100000000000000000000000000000000"},
      {0x891b, kLo, 0, "6c6f000000000000000000000000000002000000ff00000000000000000000000000000000000000"},
      {0x8919, kLo, 0, "6c6f0000000000000000000000000000020000000000000000000000000000000000000000000000"},
      {0x8921, kDut0, 0, "64757430000000000000000000000000dc0500000000000000000000000000000000000000000000"},
      {0x8921, kLo, 0, "6c6f0000000000000000000000000000000001000000000000000000000000000000000000000000"},
      {0x8913, kDut0, 0, "64757430000000000000000000000000431000000000000000000000000000000000000000000000"},
      {0x8913, kLo, 0, "6c6f0000000000000000000000000000490000000000000000000000000000000000000000000000"},
      {0x8933, kDut0, 0, "64757430000000000000000000000000020000000000000000000000000000000000000000000000"},
      {0x8933, kLo, 0, "6c6f0000000000000000000000000000010000000000000000000000000000000000000000000000"},
      {0x8910, "00000000000000000000000000000000010000000000000000000000000000000000000000000000", 0,
       "6c6f0000000000000000000000000000010000000000000000000000000000000000000000000000"},
      {0x8910, "00000000000000000000000000000000630000000000000000000000000000000000000000000000",
       ENODEV, "00000000000000000000000000000000630000000000000000000000000000000000000000000000"},
      {0x8915, kNosuch, ENODEV, kNosuch}, {0x891b, kNosuch, ENODEV, kNosuch},
      {0x8913, kNosuch, ENODEV, kNosuch}, {0x8921, kNosuch, ENODEV, kNosuch},
      {0x8933, kNosuch, ENODEV, kNosuch},
      // SIOCGARP: a permanent entry, no entry, the own address, no device.
      {0x8954, "02000000c0000202000000000000000000000000000000000000000000000000000000000000000000000000000000000000000064757430000000000000000000000000", 0,
       "02000000c00002020000000000000000010002000000020200000000000000000600000000000000ffffffff000000000000000064757430000000000000000000000000"},
      {0x8954, "02000000c000024d000000000000000000000000000000000000000000000000000000000000000000000000000000000000000064757430000000000000000000000000", ENXIO,
       "02000000c000024d000000000000000000000000000000000000000000000000000000000000000000000000000000000000000064757430000000000000000000000000"},
      {0x8954, "02000000c0000201000000000000000000000000000000000000000000000000000000000000000000000000000000000000000064757430000000000000000000000000", ENXIO,
       "02000000c0000201000000000000000000000000000000000000000000000000000000000000000000000000000000000000000064757430000000000000000000000000"},
      {0x8954, "02000000c000020200000000000000000000000000000000000000000000000000000000000000000000000000000000000000006e6f7375636830000000000000000000", ENODEV,
       "02000000c000020200000000000000000000000000000000000000000000000000000000000000000000000000000000000000006e6f7375636830000000000000000000"},
  };
  const SocketIoctlFacts udp;
  for (const auto& row : rows) {
    const IoctlResult r = run(udp, row.req, hex(row.in));
    EXPECT_EQ(r.err, row.err) << std::hex << row.req << " " << row.in;
    EXPECT_EQ(r.value, hex(row.out)) << std::hex << row.req << " " << row.in;
  }
}

TEST(SocketIoctl, UnknownRequests) {
  struct Row { int type; std::uint32_t req; bool ifreq_buffer; int err; };
  const Row rows[] = {
      {kSockDgram, 0x1234, false, ENOTTY},     {kSockStream, 0x1234, false, ENOTTY},
      {kSockRaw, 0xFFFFFFFF, false, ENOTTY},   {kSockDgram, 0x5401, false, ENOTTY},
      {kSockDgram, 0x8950, true, ENOTTY},      {kSockStream, 0x89c0, true, ENOTTY},
      {kSockRaw, 0x89ff, true, ENODEV},        {kSockDgram, kSiocatmark, true, ENOTTY},
      {kSockRaw, kSiocatmark, true, ENOTTY},   {kSockDgram, kSiocatmark, false, EFAULT},
      {kSockDgram, kSiocoutqnsd, true, ENOTTY}, {kSockRaw, kSiocoutqnsd, true, ENOTTY},
  };
  for (const auto& row : rows) {
    SocketIoctlFacts s;
    s.type = row.type;
    const auto arg = row.ifreq_buffer ? hex(kZero40) : std::vector<std::uint8_t>(4, 0);
    const IoctlResult r = run(s, row.req, arg);
    EXPECT_EQ(r.err, row.err) << std::hex << row.req << " type " << row.type;
    EXPECT_EQ(r.value, arg);
  }
}

int int_of(const IoctlResult& r) {
  int v = 0;
  std::memcpy(&v, r.value.data(), 4);
  return v;
}

TEST(SocketIoctl, QueuesAndFlags) {
  SocketIoctlFacts udp;
  EXPECT_EQ(int_of(run(udp, kSiocinq, std::vector<std::uint8_t>(4, 0xaa))), 0);
  udp.inq = 5;  // first of a 5- and an 11-byte datagram
  EXPECT_EQ(int_of(run(udp, kFionread, std::vector<std::uint8_t>(4, 0))), 5);
  EXPECT_EQ(int_of(run(udp, kTiocoutq, std::vector<std::uint8_t>(4, 0))), 0);
  SocketIoctlFacts tcp;
  tcp.type = kSockStream;
  tcp.inq = 8;
  EXPECT_EQ(int_of(run(tcp, kFionread, std::vector<std::uint8_t>(4, 0))), 8);
  EXPECT_EQ(run(tcp, kSiocatmark, std::vector<std::uint8_t>(4, 0)).err, 0);
  tcp.listening = true;
  for (std::uint32_t req : {kFionread, kSiocoutq, kSiocoutqnsd})
    EXPECT_EQ(run(tcp, req, std::vector<std::uint8_t>(4, 0)).err, EINVAL) << std::hex << req;
  EXPECT_EQ(run(tcp, kSiocatmark, std::vector<std::uint8_t>(4, 0)).err, 0);
  for (int v : {1, 2, -1, 0}) {
    std::vector<std::uint8_t> arg(4);
    std::memcpy(arg.data(), &v, 4);
    const IoctlResult r = run(udp, kFionbio, arg);
    EXPECT_EQ(r.err, 0);
    EXPECT_EQ(r.set_nonblock, v != 0);
    EXPECT_EQ(r.value, arg);
  }
}

TEST(SocketIoctl, Timestamps) {
  SocketIoctlFacts s;
  for (std::uint32_t req : {kSiocgstampOld, kSiocgstampnsOld}) {
    const IoctlResult r = run(s, req, std::vector<std::uint8_t>(16, 0));
    EXPECT_EQ(r.err, ENOENT);
    EXPECT_EQ(r.value, std::vector<std::uint8_t>(16, 0));
  }
  // The kernel's answers for a stamp of 0x6b03e333 s + 0x20b89f1e ns.
  s.last_rx_stamp = SocketIoctlFacts::Stamp{0x6b03e333, 0x20b89f1e};
  EXPECT_EQ(run(s, kSiocgstampnsOld, std::vector<std::uint8_t>(16, 0)).value,
            hex("33e3036b000000001e9fb82000000000"));
  s.last_rx_stamp = SocketIoctlFacts::Stamp{0x6b03e333, 550118LL * 1000 + 999};
  EXPECT_EQ(run(s, kSiocgstampOld, std::vector<std::uint8_t>(16, 0)).value,
            hex("33e3036b00000000e664080000000000"));
  EXPECT_EQ(run(s, kSiocgstampNew, std::vector<std::uint8_t>(4, 0)).err, EFAULT);
}

}  // namespace
}  // namespace ipc::stack::ioctl
