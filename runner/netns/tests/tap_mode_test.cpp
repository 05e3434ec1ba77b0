// Tests of the TAP mode of runner/netns: in the DUT namespace the veth end
// dut0 and a persistent TAP are ports of a bridge, and the kernel there has
// nothing to say.  They need root; without it they skip.
#include <array>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "runner/netns/tests/netns_test_helpers.hpp"
#include "runner/netns/topology.hpp"

using ipc::netns::DutMode;
using ipc::netns::Topology;
using namespace netns_test;

namespace {

using Mac = std::array<unsigned char, 6>;
constexpr Mac kDutMac = {0x02, 0, 0, 0, 0x01, 0x01};
constexpr Mac kTesterMac = {0x02, 0, 0, 0, 0x02, 0x02};

Topology create_tap() { return Topology::create({.static_neighbours = true, .dut = DutMode::tap}); }

// Attaches to the topology's TAP as a stack does: /dev/net/tun opened from a
// thread inside the DUT namespace, TUNSETIFF on the existing tap0.
int attach_tap(const Topology& t) {
  int fd = -1;
  in_netns(t.dut_netns(), [&] {
    fd = ::open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) throw std::runtime_error(std::string("open(/dev/net/tun): ") + std::strerror(errno));
    ifreq ifr{};
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
    std::snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", t.facts().tap_if.c_str());
    if (::ioctl(fd, TUNSETIFF, &ifr) != 0) {
      int err = errno;
      ::close(fd);
      throw std::runtime_error(std::string("TUNSETIFF: ") + std::strerror(err));
    }
  });
  return fd;
}

// An AF_PACKET socket bound to tst0 in the tester namespace.
int tester_capture(const Topology& t, sockaddr_ll& ll) {
  int pfd = socket_in(t.tester_netns(), AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
  in_netns(t.tester_netns(), [&] {
    ll = {};
    ll.sll_family = AF_PACKET;
    ll.sll_protocol = htons(ETH_P_ALL);
    ll.sll_ifindex = static_cast<int>(if_nametoindex(t.facts().tester_if.c_str()));
  });
  if (ll.sll_ifindex <= 0 || ::bind(pfd, reinterpret_cast<sockaddr*>(&ll), sizeof ll) != 0)
    throw std::runtime_error(std::string("bind to tst0: ") + std::strerror(errno));
  return pfd;
}

// Every frame readable on `fd` within `ms`.
std::vector<std::vector<unsigned char>> frames_within(int fd, int ms) {
  std::vector<std::vector<unsigned char>> out;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return out;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
    std::vector<unsigned char> f(2048);
    ssize_t n = ::read(fd, f.data(), f.size());
    if (n > 0) {
      f.resize(static_cast<std::size_t>(n));
      out.push_back(std::move(f));
    }
  }
}

std::vector<unsigned char> bytes_of(const std::array<unsigned char, 2048>& frame, ssize_t len) {
  return {frame.begin(), frame.begin() + len};
}

TEST(TapMode, DutNamespaceHoldsOnlyThePlumbing) {
  REQUIRE_ROOT();
  Topology kernel = Topology::create();
  Topology t = create_tap();
  const auto& f = t.facts();
  EXPECT_EQ(t.options().dut, DutMode::tap);
  EXPECT_EQ(kernel.options().dut, DutMode::kernel);
  // The cases see the same facts in both modes (the stack is told dut0's index).
  EXPECT_EQ(f.variables(), kernel.facts().variables());
  EXPECT_NE(f.dut_port_mac, f.dut_mac);
  EXPECT_NE(f.tap_port_mac, f.dut_mac);

  in_netns(t.dut_netns(), [&] {
    EXPECT_EQ(interface_names(), (std::vector<std::string>{"br0", "dut0", "lo", "tap0"}));
    EXPECT_EQ(static_cast<int>(if_nametoindex("dut0")), f.dut_ifindex);

    IfInfo d = inspect_interface("dut0");
    EXPECT_TRUE(d.flags & IFF_UP);
    EXPECT_TRUE(d.flags & IFF_RUNNING);
    EXPECT_EQ(d.mtu, 1500);
    EXPECT_EQ(d.mac, f.dut_port_mac);
    EXPECT_TRUE(d.ipv4.empty());

    IfInfo tap = inspect_interface("tap0");
    EXPECT_TRUE(tap.flags & IFF_UP);
    EXPECT_FALSE(tap.flags & IFF_RUNNING) << "no program is attached yet: no carrier";
    EXPECT_EQ(tap.mtu, 1500);
    EXPECT_EQ(tap.mac, f.tap_port_mac);
    EXPECT_TRUE(tap.ipv4.empty());

    IfInfo br = inspect_interface("br0");
    EXPECT_TRUE(br.flags & IFF_UP);
    EXPECT_NE(br.mac, f.dut_mac);
    EXPECT_TRUE(br.ipv4.empty());

    for (const char* conf : {"all", "default", "dut0", "br0", "tap0"})
      EXPECT_EQ(trim(read_file(std::string("/proc/sys/net/ipv6/conf/") + conf + "/disable_ipv6")), "1") << conf;
    const std::string nf = "/proc/sys/net/bridge/bridge-nf-call-iptables";
    if (access(nf.c_str(), F_OK) == 0) {
      EXPECT_EQ(trim(read_file(nf)), "0");
    }

    // No neighbour and no route: only the header lines.
    const std::string arp = read_file("/proc/thread-self/net/arp");
    EXPECT_EQ(std::count(arp.begin(), arp.end(), '\n'), 1) << arp;
    const std::string routes = read_file("/proc/thread-self/net/route");
    EXPECT_EQ(std::count(routes.begin(), routes.end(), '\n'), 1) << routes;
  });
  EXPECT_EQ(udp_connect_errno(t.dut_netns(), "192.0.2.2"), ENETUNREACH);
}

TEST(TapMode, FramesCrossBetweenTheTapAndTheTesterUnchanged) {
  REQUIRE_ROOT();
  Topology t = create_tap();
  // Nobody on tap0 yet: the bridge port has no carrier.
  EXPECT_THROW(t.wait_tap_forwarding(std::chrono::milliseconds(20)), std::runtime_error);

  int tapfd = attach_tap(t);
  const auto t0 = std::chrono::steady_clock::now();
  ASSERT_NO_THROW(t.wait_tap_forwarding(std::chrono::seconds(2)));
  std::printf("tap0 forwarding %.3f ms after attach\n",
              std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  sockaddr_ll ll{};
  int pfd = tester_capture(t, ll);

  // Stack to tester.
  auto out = udp_frame(kTesterMac, kDutMac, "192.0.2.1", "192.0.2.2", 40000, 40011, "from the stack");
  ASSERT_EQ(::write(tapfd, out.data(), out.size()), static_cast<ssize_t>(out.size())) << std::strerror(errno);
  std::array<unsigned char, 2048> got{};
  ssize_t len = 0;
  ASSERT_TRUE(receive_udp_frame(pfd, 40011, got, len));
  EXPECT_EQ(bytes_of(got, len), out);

  // Tester to stack: a good frame, one with a wrong IPv4 header checksum, and
  // one with bytes after tot_len.  The bridge hands all three over as they
  // are (bridge netfilter would drop the second and trim the third).
  auto good = udp_frame(kDutMac, kTesterMac, "192.0.2.2", "192.0.2.1", 40000, 40012, "to the stack");
  auto bad_sum = udp_frame(kDutMac, kTesterMac, "192.0.2.2", "192.0.2.1", 40000, 40013, "bad checksum");
  bad_sum[24] ^= 0xff;
  auto padded = udp_frame(kDutMac, kTesterMac, "192.0.2.2", "192.0.2.1", 40000, 40014, "padded");
  padded.insert(padded.end(), {0xde, 0xad, 0xbe, 0xef});
  for (const auto* frame : {&good, &bad_sum, &padded}) {
    ASSERT_EQ(::sendto(pfd, frame->data(), frame->size(), 0, reinterpret_cast<sockaddr*>(&ll), sizeof ll),
              static_cast<ssize_t>(frame->size()))
        << std::strerror(errno);
  }
  for (auto [port, frame] : {std::pair{40012, &good}, std::pair{40013, &bad_sum}, std::pair{40014, &padded}}) {
    SCOPED_TRACE(port);
    ASSERT_TRUE(receive_udp_frame(tapfd, port, got, len));
    EXPECT_EQ(bytes_of(got, len), *frame);
  }
  ::close(pfd);
  ::close(tapfd);
}

TEST(TapMode, TheKernelSendsNothingOfItsOwn) {
  REQUIRE_ROOT();
  Topology t = create_tap();
  sockaddr_ll ll{};
  int pfd = tester_capture(t, ll);
  int tapfd = attach_tap(t);
  t.wait_tap_forwarding(std::chrono::seconds(2));
  // No IPv6 (no router solicitation, MLD or DAD), no STP, no IGMP querier,
  // no address to announce: silence on both sides.
  EXPECT_TRUE(frames_within(pfd, 300).empty());
  EXPECT_TRUE(frames_within(tapfd, 50).empty());
  ::close(tapfd);
  ::close(pfd);
}

TEST(TapMode, ARestartedStackAttachesAgain) {
  REQUIRE_ROOT();
  Topology t = create_tap();
  sockaddr_ll ll{};
  int pfd = tester_capture(t, ll);
  for (int round = 0; round < 2; ++round) {
    SCOPED_TRACE(round);
    int tapfd = attach_tap(t);
    ASSERT_NO_THROW(t.wait_tap_forwarding(std::chrono::seconds(2)));
    auto out = udp_frame(kTesterMac, kDutMac, "192.0.2.1", "192.0.2.2", 40000, 40020 + round, "again");
    ASSERT_EQ(::write(tapfd, out.data(), out.size()), static_cast<ssize_t>(out.size()));
    std::array<unsigned char, 2048> got{};
    ssize_t len = 0;
    EXPECT_TRUE(receive_udp_frame(pfd, 40020 + round, got, len));
    ::close(tapfd);  // as a stack that dies: the TAP stays, without carrier
  }
  in_netns(t.dut_netns(), [&] { EXPECT_TRUE(inspect_interface("tap0").exists); });
  ::close(pfd);
}

TEST(TapMode, TeardownLeavesNothingBehind) {
  REQUIRE_ROOT();
  const auto host_ifs = interface_names();
  const std::size_t fds_before = open_fd_count();
  {
    Topology t = create_tap();
    int tapfd = attach_tap(t);
    t.wait_tap_forwarding(std::chrono::seconds(2));
    ::close(tapfd);
    EXPECT_EQ(open_fd_count(), fds_before + 2);
  }
  EXPECT_EQ(open_fd_count(), fds_before);
  // The namespace goes away asynchronously; a device the kernel moved to the
  // host's namespace instead of deleting would show up here.
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(interface_names(), host_ifs);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

TEST(TapMode, KernelModeHasNothingToWaitFor) {
  REQUIRE_ROOT();
  Topology t = Topology::create();
  EXPECT_THROW(t.wait_tap_forwarding(std::chrono::milliseconds(10)), std::runtime_error);
  Topology tap = create_tap();
  EXPECT_NO_THROW(tap.flush_neighbours());  // nothing to flush: the stack keeps its own cache
}

TEST(TapMode, CreateTimeMedianOf20) {
  REQUIRE_ROOT();
  std::vector<double> ms;
  for (int i = 0; i < 20; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    Topology t = create_tap();
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(ms.begin(), ms.end());
  double median = (ms[9] + ms[10]) / 2;
  std::printf("Topology::create(tap): median %.2f ms, min %.2f ms, max %.2f ms (20 runs)\n", median, ms.front(),
              ms.back());
  EXPECT_LT(median, 300.0);
}

}  // namespace
