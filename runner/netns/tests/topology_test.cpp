// Tests of runner/netns.  They need root; without CAP_SYS_ADMIN they skip.
// Everything they inspect inside the namespaces is done from short-lived
// std::threads that setns() into them, so the test process's own threads
// never leave the host namespace.
#include "runner/netns/topology.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <poll.h>
#include <sched.h>
#include <sys/capability.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "runner/netns/tests/netns_test_helpers.hpp"

namespace fs = std::filesystem;
using ipc::netns::current_netns_inode;
using ipc::netns::netns_inode_of_fd;
using ipc::netns::Topology;
using namespace netns_test;

namespace {

TEST(Facts, VariablesHaveAllKeys) {
  ipc::netns::TopologyFacts f;
  f.dut_ifindex = 2;
  auto v = f.variables();
  for (const char* k : {"dut_if", "tester_if", "dut_mac", "tester_mac", "dut_addr", "peer_addr", "router_addr",
                        "dut_net", "dut_bcast", "remote_net", "remote_addr", "unreachable_addr", "dut_ifindex",
                        "lo_ifindex", "mtu", "prefix"})
    EXPECT_TRUE(v.count(k)) << k;
  EXPECT_EQ(v.size(), 16u);
  EXPECT_EQ(v["remote_addr"], "198.51.100.7");
  EXPECT_EQ(v["unreachable_addr"], "203.0.113.9");
  EXPECT_EQ(v["dut_ifindex"], "2");
  EXPECT_EQ(v["lo_ifindex"], "1");
  EXPECT_EQ(v["mtu"], "1500");
  EXPECT_EQ(v["prefix"], "24");
}

TEST(Topology, CreatesTwoNewNamespacesAndReturnsHome) {
  REQUIRE_ROOT();
  const auto home = current_netns_inode();
  const auto host_ifs = interface_names();
  const auto host_v6 = read_file("/proc/sys/net/ipv6/conf/default/disable_ipv6");
  const bool had_run_netns = fs::exists("/run/netns");
  std::size_t run_netns_entries = 0;
  if (had_run_netns)
    for ([[maybe_unused]] auto& e : fs::directory_iterator("/run/netns")) ++run_netns_entries;

  {
    Topology t = Topology::create();
    EXPECT_EQ(current_netns_inode(), home);
    ASSERT_GE(t.dut_netns(), 0);
    ASSERT_GE(t.tester_netns(), 0);
    const auto dut = netns_inode_of_fd(t.dut_netns());
    const auto tst = netns_inode_of_fd(t.tester_netns());
    EXPECT_NE(dut, home);
    EXPECT_NE(tst, home);
    EXPECT_NE(dut, tst);
    EXPECT_TRUE(fcntl(t.dut_netns(), F_GETFD) & FD_CLOEXEC);
    EXPECT_TRUE(fcntl(t.tester_netns(), F_GETFD) & FD_CLOEXEC);
    EXPECT_GT(t.facts().dut_ifindex, 0);

    // Nothing of ours appears under /run/netns (`ip netns list`).
    std::size_t now = 0;
    if (fs::exists("/run/netns"))
      for ([[maybe_unused]] auto& e : fs::directory_iterator("/run/netns")) ++now;
    EXPECT_EQ(now, run_netns_entries);
  }
  EXPECT_EQ(current_netns_inode(), home);
  EXPECT_EQ(interface_names(), host_ifs);
  EXPECT_EQ(read_file("/proc/sys/net/ipv6/conf/default/disable_ipv6"), host_v6);
  EXPECT_EQ(fs::exists("/run/netns"), had_run_netns);
}

TEST(Topology, DutSideIsConfigured) {
  REQUIRE_ROOT();
  Topology t = Topology::create();
  const auto& f = t.facts();
  in_netns(t.dut_netns(), [&] {
    EXPECT_EQ(interface_names(), (std::vector<std::string>{"dut0", "lo"}));
    EXPECT_EQ(static_cast<int>(if_nametoindex("dut0")), f.dut_ifindex);
    EXPECT_EQ(if_nametoindex("lo"), 1u);
    IfInfo lo = inspect_interface("lo");
    EXPECT_TRUE(lo.flags & IFF_UP);
    IfInfo d = inspect_interface("dut0");
    ASSERT_TRUE(d.exists);
    EXPECT_TRUE(d.flags & IFF_UP);
    EXPECT_TRUE(d.flags & IFF_RUNNING) << "carrier: the tester end must be up too";
    EXPECT_EQ(d.mtu, 1500);
    EXPECT_EQ(d.mac, f.dut_mac);
    EXPECT_EQ(d.ipv4, (std::vector<std::string>{"192.0.2.1/24 brd 192.0.2.255"}));
    EXPECT_EQ(trim(read_file("/proc/sys/net/ipv6/conf/all/disable_ipv6")), "1");
    EXPECT_EQ(trim(read_file("/proc/sys/net/ipv6/conf/default/disable_ipv6")), "1");
    EXPECT_EQ(trim(read_file("/proc/sys/net/ipv6/conf/dut0/disable_ipv6")), "1");

    // Static neighbours: flags 0x6 = ATF_COM | ATF_PERM.
    const std::string arp = read_file("/proc/thread-self/net/arp");
    EXPECT_NE(arp.find("192.0.2.2        0x1         0x6         02:00:00:00:02:02"), std::string::npos) << arp;
    EXPECT_NE(arp.find("192.0.2.254      0x1         0x6         02:00:00:00:02:02"), std::string::npos) << arp;

    // Routes (little-endian hex in /proc/net/route): no default route.
    const std::string routes = read_file("/proc/thread-self/net/route");
    EXPECT_EQ(routes.find("dut0\t00000000\t"), std::string::npos) << routes;
    EXPECT_EQ(routes.find("lo\t00000000\t"), std::string::npos) << routes;
    EXPECT_NE(routes.find("dut0\t000200C0\t00000000\t0001"), std::string::npos) << routes;  // 192.0.2.0/24
    EXPECT_NE(routes.find("dut0\t006433C6\tFE0200C0\t0003"), std::string::npos) << routes;  // 198.51.100.0/24 via .254
    EXPECT_NE(routes.find("dut0\t000000E0\t00000000\t0001"), std::string::npos) << routes;  // 224.0.0.0/4
  });

  std::string local;
  EXPECT_EQ(udp_connect_errno(t.dut_netns(), "192.0.2.2", &local), 0);
  EXPECT_EQ(local, "192.0.2.1");
  EXPECT_EQ(udp_connect_errno(t.dut_netns(), "198.51.100.7", &local), 0);
  EXPECT_EQ(local, "192.0.2.1");
  EXPECT_EQ(udp_connect_errno(t.dut_netns(), "203.0.113.9"), ENETUNREACH);
  EXPECT_EQ(udp_connect_errno(t.dut_netns(), "8.8.8.8"), ENETUNREACH);

  // A multicast join with INADDR_ANY finds dut0 through the 224/4 route.
  int s = socket_in(t.dut_netns(), AF_INET, SOCK_DGRAM, 0);
  ip_mreqn mr{};
  inet_pton(AF_INET, "239.1.2.3", &mr.imr_multiaddr);
  mr.imr_address.s_addr = htonl(INADDR_ANY);
  mr.imr_ifindex = 0;
  EXPECT_EQ(setsockopt(s, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mr, sizeof mr), 0) << std::strerror(errno);
  ::close(s);
}

TEST(Topology, TesterSideIsSilent) {
  REQUIRE_ROOT();
  Topology t = Topology::create();
  const auto& f = t.facts();
  in_netns(t.tester_netns(), [&] {
    EXPECT_EQ(interface_names(), (std::vector<std::string>{"lo", "tst0"}));
    IfInfo lo = inspect_interface("lo");
    EXPECT_TRUE(lo.flags & IFF_UP);
    IfInfo tst = inspect_interface("tst0");
    ASSERT_TRUE(tst.exists);
    EXPECT_TRUE(tst.flags & IFF_UP);
    EXPECT_EQ(tst.mtu, 1500);
    EXPECT_EQ(tst.mac, f.tester_mac);
    EXPECT_TRUE(tst.ipv4.empty());
    EXPECT_EQ(trim(read_file("/proc/sys/net/ipv6/conf/all/disable_ipv6")), "1");
    EXPECT_EQ(trim(read_file("/proc/sys/net/ipv6/conf/tst0/disable_ipv6")), "1");
  });
}

TEST(Topology, FramesFromTheDutReachTheTester) {
  REQUIRE_ROOT();
  Topology t = Topology::create();
  const auto& f = t.facts();

  int pfd = socket_in(t.tester_netns(), AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
  int tst_ifindex = 0;
  in_netns(t.tester_netns(), [&] { tst_ifindex = static_cast<int>(if_nametoindex("tst0")); });
  ASSERT_GT(tst_ifindex, 0);
  sockaddr_ll ll{};
  ll.sll_family = AF_PACKET;
  ll.sll_protocol = htons(ETH_P_ALL);
  ll.sll_ifindex = tst_ifindex;
  ASSERT_EQ(bind(pfd, reinterpret_cast<sockaddr*>(&ll), sizeof ll), 0) << std::strerror(errno);

  int u = socket_in(t.dut_netns(), AF_INET, SOCK_DGRAM, 0);
  struct Case {
    const char* dst;
    int port;
  };
  for (Case c : {Case{"192.0.2.2", 40001}, Case{"198.51.100.7", 40002}}) {
    SCOPED_TRACE(c.dst);
    auto sa = sin(c.dst, c.port);
    const char payload[] = "ipconform";
    ASSERT_EQ(sendto(u, payload, sizeof payload, 0, reinterpret_cast<sockaddr*>(&sa), sizeof sa),
              static_cast<ssize_t>(sizeof payload))
        << std::strerror(errno);
    std::array<unsigned char, 2048> frame{};
    ssize_t len = 0;
    ASSERT_TRUE(receive_udp_frame(pfd, c.port, frame, len));
    char dst_mac[18], src_mac[18];
    std::snprintf(dst_mac, sizeof dst_mac, "%02x:%02x:%02x:%02x:%02x:%02x", frame[0], frame[1], frame[2], frame[3],
                  frame[4], frame[5]);
    std::snprintf(src_mac, sizeof src_mac, "%02x:%02x:%02x:%02x:%02x:%02x", frame[6], frame[7], frame[8], frame[9],
                  frame[10], frame[11]);
    EXPECT_EQ(dst_mac, f.tester_mac);  // both neighbours are static, no ARP first
    EXPECT_EQ(src_mac, f.dut_mac);
    iphdr ip;
    std::memcpy(&ip, frame.data() + 14, sizeof ip);
    char s[INET_ADDRSTRLEN], d[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &ip.saddr, s, sizeof s);
    inet_ntop(AF_INET, &ip.daddr, d, sizeof d);
    EXPECT_STREQ(s, "192.0.2.1");
    EXPECT_STREQ(d, c.dst);
  }
  ::close(u);

  // And the other way, as the wire agent does: a frame written on tst0 right
  // away reaches a UDP socket in the DUT.
  int r = socket_in(t.dut_netns(), AF_INET, SOCK_DGRAM, 0);
  auto any = sin("0.0.0.0", 40003);
  ASSERT_EQ(bind(r, reinterpret_cast<sockaddr*>(&any), sizeof any), 0);
  const char payload[] = "injected";
  std::array<unsigned char, 14 + 20 + 8 + sizeof payload> frame{};
  const unsigned char dmac[] = {0x02, 0, 0, 0, 0x01, 0x01}, smac[] = {0x02, 0, 0, 0, 0x02, 0x02};
  std::memcpy(frame.data(), dmac, 6);
  std::memcpy(frame.data() + 6, smac, 6);
  frame[12] = 0x08;
  frame[13] = 0x00;
  iphdr ip{};
  ip.version = 4;
  ip.ihl = 5;
  ip.tot_len = htons(20 + 8 + sizeof payload);
  ip.frag_off = htons(0x4000);
  ip.ttl = 64;
  ip.protocol = IPPROTO_UDP;
  inet_pton(AF_INET, "192.0.2.2", &ip.saddr);
  inet_pton(AF_INET, "192.0.2.1", &ip.daddr);
  std::array<uint16_t, 10> words{};
  std::memcpy(words.data(), &ip, sizeof ip);
  uint32_t sum = 0;
  for (uint16_t w : words) sum += w;
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  ip.check = static_cast<uint16_t>(~sum);
  udphdr udp{};
  udp.source = htons(40000);
  udp.dest = htons(40003);
  udp.len = htons(8 + sizeof payload);  // checksum 0: none
  std::memcpy(frame.data() + 14, &ip, sizeof ip);
  std::memcpy(frame.data() + 34, &udp, sizeof udp);
  std::memcpy(frame.data() + 42, payload, sizeof payload);
  ASSERT_EQ(sendto(pfd, frame.data(), frame.size(), 0, reinterpret_cast<sockaddr*>(&ll), sizeof ll),
            static_cast<ssize_t>(frame.size()))
      << std::strerror(errno);
  pollfd p{r, POLLIN, 0};
  ASSERT_EQ(poll(&p, 1, 2000), 1);
  char buf[64] = {};
  sockaddr_in from{};
  socklen_t fl = sizeof from;
  ASSERT_EQ(recvfrom(r, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &fl),
            static_cast<ssize_t>(sizeof payload));
  EXPECT_STREQ(buf, payload);
  char fa[INET_ADDRSTRLEN];
  inet_ntop(AF_INET, &from.sin_addr, fa, sizeof fa);
  EXPECT_STREQ(fa, "192.0.2.2");
  ::close(r);
  ::close(pfd);
}

// TopologyOptions::tester_address: tst0 gets 192.0.2.2/24, so the tester's
// kernel can be a TCP peer of the DUT (bench/); the DUT side is unchanged.
TEST(Topology, TesterAddressOptionMakesTheTesterKernelAPeer) {
  REQUIRE_ROOT();
  Topology t = Topology::create({.tester_address = true});
  EXPECT_TRUE(t.options().tester_address);
  in_netns(t.tester_netns(), [&] {
    EXPECT_EQ(interface_names(), (std::vector<std::string>{"lo", "tst0"}));
    EXPECT_EQ(inspect_interface("tst0").ipv4, (std::vector<std::string>{"192.0.2.2/24 brd 192.0.2.255"}));
  });
  in_netns(t.dut_netns(), [&] {
    EXPECT_EQ(inspect_interface("dut0").ipv4, (std::vector<std::string>{"192.0.2.1/24 brd 192.0.2.255"}));
  });

  // TCP from the DUT's kernel to a listener in the tester, and back.
  int l = socket_in(t.tester_netns(), AF_INET, SOCK_STREAM, 0);
  auto peer = sin("192.0.2.2", 40100);
  ASSERT_EQ(bind(l, reinterpret_cast<sockaddr*>(&peer), sizeof peer), 0) << std::strerror(errno);
  ASSERT_EQ(listen(l, 1), 0);
  int c = socket_in(t.dut_netns(), AF_INET, SOCK_STREAM, 0);
  ASSERT_EQ(connect(c, reinterpret_cast<sockaddr*>(&peer), sizeof peer), 0) << std::strerror(errno);
  sockaddr_in from{};
  socklen_t fl = sizeof from;
  int a = accept4(l, reinterpret_cast<sockaddr*>(&from), &fl, SOCK_CLOEXEC);
  ASSERT_GE(a, 0) << std::strerror(errno);
  char fa[INET_ADDRSTRLEN];
  inet_ntop(AF_INET, &from.sin_addr, fa, sizeof fa);
  EXPECT_STREQ(fa, "192.0.2.1");
  ASSERT_EQ(send(c, "ping", 4, 0), 4);
  char buf[8] = {};
  ASSERT_EQ(recv(a, buf, sizeof buf, 0), 4);
  EXPECT_STREQ(buf, "ping");
  ASSERT_EQ(send(a, "pong", 4, 0), 4);
  std::memset(buf, 0, sizeof buf);
  ASSERT_EQ(recv(c, buf, sizeof buf, 0), 4);
  EXPECT_STREQ(buf, "pong");
  ::close(a);
  ::close(c);
  ::close(l);

  // TAP mode: the tester gets its address; the DUT's kernel still has none.
  Topology tap = Topology::create({.dut = ipc::netns::DutMode::tap, .tester_address = true});
  in_netns(tap.tester_netns(), [&] {
    EXPECT_EQ(inspect_interface("tst0").ipv4, (std::vector<std::string>{"192.0.2.2/24 brd 192.0.2.255"}));
  });
  in_netns(tap.dut_netns(), [&] {
    for (const char* ifname : {"dut0", "br0", "tap0"}) EXPECT_TRUE(inspect_interface(ifname).ipv4.empty()) << ifname;
  });
}

TEST(Topology, ConcurrentCreatesFromSeveralThreads) {
  REQUIRE_ROOT();
  constexpr int kThreads = 8;
  std::vector<std::string> errors(kThreads);
  std::vector<std::optional<Topology>> slots(kThreads);
  std::vector<char> returned_home(kThreads, 0);  // not vector<bool>: written concurrently
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      try {
        auto before = current_netns_inode();
        slots[i].emplace(Topology::create());
        returned_home[i] = current_netns_inode() == before;
      } catch (const std::exception& e) {
        errors[i] = e.what();
      }
    });
  }
  for (auto& th : threads) th.join();
  std::set<std::uint64_t> inodes;
  for (int i = 0; i < kThreads; ++i) {
    ASSERT_EQ(errors[i], "") << "thread " << i;
    ASSERT_TRUE(slots[i]);
    EXPECT_TRUE(returned_home[i]);
    inodes.insert(netns_inode_of_fd(slots[i]->dut_netns()));
    inodes.insert(netns_inode_of_fd(slots[i]->tester_netns()));
    // Each one is complete.
    std::string local;
    EXPECT_EQ(udp_connect_errno(slots[i]->dut_netns(), "198.51.100.7", &local), 0);
    EXPECT_EQ(local, "192.0.2.1");
    EXPECT_EQ(slots[i]->facts().dut_ifindex, slots[0]->facts().dut_ifindex);
  }
  EXPECT_EQ(inodes.size(), 2u * kThreads);
}

TEST(Topology, DestructionClosesEverything) {
  REQUIRE_ROOT();
  const std::size_t fds_before = open_fd_count();
  std::string dut_link, tst_link;
  {
    Topology t = Topology::create();
    EXPECT_EQ(open_fd_count(), fds_before + 2);
    dut_link = "net:[" + std::to_string(netns_inode_of_fd(t.dut_netns())) + "]";
    tst_link = "net:[" + std::to_string(netns_inode_of_fd(t.tester_netns())) + "]";
    Topology moved = std::move(t);
    EXPECT_EQ(t.dut_netns(), -1);
    EXPECT_EQ(t.tester_netns(), -1);
    EXPECT_EQ(open_fd_count(), fds_before + 2);
    Topology other = Topology::create();
    other = std::move(moved);  // closes other's fds
    EXPECT_EQ(open_fd_count(), fds_before + 2);
  }
  EXPECT_EQ(open_fd_count(), fds_before);
  // No fd and no thread of ours refers to either namespace any more, so with
  // no process inside them the kernel frees them (and the veth with them).
  for (const auto& s : open_fd_targets()) {
    EXPECT_EQ(s.find(dut_link), std::string::npos) << s;
    EXPECT_EQ(s.find(tst_link), std::string::npos) << s;
  }
  for (const auto& e : fs::directory_iterator("/proc/self/task")) {
    std::error_code ec;
    auto ns = fs::read_symlink(e.path() / "ns/net", ec).string();
    EXPECT_NE(ns, dut_link);
    EXPECT_NE(ns, tst_link);
  }
}

// Runs fn in a forked child with the given capabilities removed; returns the
// child's exit code (fn's return value) or -1.
int in_child_without_caps(std::vector<cap_value_t> drop, const std::function<int()>& fn) {
  pid_t pid = fork();
  if (pid == 0) {
    cap_t caps = cap_get_proc();
    cap_set_flag(caps, CAP_EFFECTIVE, static_cast<int>(drop.size()), drop.data(), CAP_CLEAR);
    if (cap_set_proc(caps) != 0) _exit(100);
    cap_free(caps);
    _exit(fn());
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(Topology, WithoutCapSysAdminSaysNeedRoot) {
  REQUIRE_ROOT();
  int rc = in_child_without_caps({CAP_SYS_ADMIN}, [] {
    auto home = current_netns_inode();
    auto fds = open_fd_count();
    try {
      Topology::create();
      return 1;
    } catch (const std::runtime_error& e) {
      std::string msg = e.what();
      if (msg != "need root: unshare(CLONE_NEWNET): Operation not permitted") {
        std::fprintf(stderr, "unexpected message: %s\n", msg.c_str());
        return 2;
      }
    }
    if (current_netns_inode() != home) return 3;
    if (open_fd_count() != fds) return 4;
    return 0;
  });
  EXPECT_EQ(rc, 0);
}

TEST(Topology, FailureHalfwayLeaksNothingAndReturnsHome) {
  REQUIRE_ROOT();
  // Without CAP_NET_ADMIN unshare() works but the first netlink change fails,
  // after the tester namespace, its fd and a netlink socket exist.
  int rc = in_child_without_caps({CAP_NET_ADMIN}, [] {
    auto home = current_netns_inode();
    auto fds = open_fd_count();
    try {
      Topology::create();
      return 1;
    } catch (const std::runtime_error& e) {
      std::string msg = e.what();
      if (msg.rfind("need root: netlink: set lo up", 0) != 0) {
        std::fprintf(stderr, "unexpected message: %s\n", msg.c_str());
        return 2;
      }
    }
    if (current_netns_inode() != home) return 3;
    if (open_fd_count() != fds) return 4;
    return 0;
  });
  EXPECT_EQ(rc, 0);
}

TEST(Topology, CreateTimeMedianOf20) {
  REQUIRE_ROOT();
  std::vector<double> ms;
  for (int i = 0; i < 20; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    Topology t = Topology::create();
    auto t1 = std::chrono::steady_clock::now();
    ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
  }
  std::sort(ms.begin(), ms.end());
  double median = (ms[9] + ms[10]) / 2;
  std::printf("Topology::create(): median %.2f ms, min %.2f ms, max %.2f ms (20 runs)\n", median, ms.front(),
              ms.back());
  RecordProperty("create_median_us", static_cast<int>(median * 1000));
  EXPECT_LT(median, 200.0);
}

}  // namespace
