// Helpers shared by the runner/netns tests: privilege check, running code
// inside a namespace from a short-lived thread, and reading interfaces back.
#pragma once

#include <algorithm>
#include <array>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <poll.h>
#include <sched.h>
#include <sys/capability.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

namespace netns_test {

inline bool have_root() {
  cap_t caps = cap_get_proc();
  if (!caps) return false;
  cap_flag_value_t sys = CAP_CLEAR, net = CAP_CLEAR;
  cap_get_flag(caps, CAP_SYS_ADMIN, CAP_EFFECTIVE, &sys);
  cap_get_flag(caps, CAP_NET_ADMIN, CAP_EFFECTIVE, &net);
  cap_free(caps);
  return sys == CAP_SET && net == CAP_SET;
}

#define REQUIRE_ROOT() \
  if (!have_root()) GTEST_SKIP() << "needs CAP_SYS_ADMIN and CAP_NET_ADMIN"

// Runs fn on a fresh thread inside the namespace `nsfd`; rethrows its exception.
inline void in_netns(int nsfd, const std::function<void()>& fn) {
  std::exception_ptr err;
  std::thread t([&] {
    try {
      if (::setns(nsfd, CLONE_NEWNET) != 0) throw std::runtime_error(std::string("setns: ") + std::strerror(errno));
      fn();
    } catch (...) {
      err = std::current_exception();
    }
  });
  t.join();
  if (err) std::rethrow_exception(err);
}

// A socket living in namespace `nsfd` (sockets keep the namespace they were made in).
inline int socket_in(int nsfd, int domain, int type, int proto) {
  int fd = -1;
  in_netns(nsfd, [&] { fd = ::socket(domain, type | SOCK_CLOEXEC, proto); });
  if (fd < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
  return fd;
}

inline std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

inline std::set<std::string> open_fd_targets() {
  std::set<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) {
    std::error_code ec;
    auto target = std::filesystem::read_symlink(e.path(), ec);
    if (!ec) out.insert(e.path().filename().string() + " -> " + target.string());
  }
  return out;
}

inline std::size_t open_fd_count() {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) ++n;
  return n - 1;  // the directory iterator's own fd
}

inline std::vector<std::string> interface_names() {
  std::vector<std::string> out;
  if (struct if_nameindex* ni = if_nameindex()) {
    for (auto* p = ni; p->if_index != 0; ++p) out.emplace_back(p->if_name);
    if_freenameindex(ni);
  }
  std::sort(out.begin(), out.end());
  return out;
}

struct IfInfo {
  bool exists = false;
  unsigned flags = 0;
  int mtu = 0;
  std::string mac;
  std::vector<std::string> ipv4;  // "addr/prefix brd bcast"
};

// Must be called from a thread inside the namespace to inspect.
inline IfInfo inspect_interface(const std::string& name) {
  IfInfo info;
  int s = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0) throw std::runtime_error("socket");
  struct ifreq ifr {};
  std::strncpy(ifr.ifr_name, name.c_str(), IFNAMSIZ - 1);
  if (::ioctl(s, SIOCGIFFLAGS, &ifr) == 0) {
    info.exists = true;
    info.flags = static_cast<unsigned short>(ifr.ifr_flags);
    if (::ioctl(s, SIOCGIFMTU, &ifr) == 0) info.mtu = ifr.ifr_mtu;
    if (::ioctl(s, SIOCGIFHWADDR, &ifr) == 0) {
      char buf[32];
      auto* m = reinterpret_cast<unsigned char*>(ifr.ifr_hwaddr.sa_data);
      std::snprintf(buf, sizeof buf, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
      info.mac = buf;
    }
  }
  ::close(s);
  struct ifaddrs* ifa = nullptr;
  if (getifaddrs(&ifa) == 0) {
    for (auto* p = ifa; p; p = p->ifa_next) {
      if (!p->ifa_addr || p->ifa_addr->sa_family != AF_INET || name != p->ifa_name) continue;
      char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN] = "-";
      inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(p->ifa_addr)->sin_addr, a, sizeof a);
      int prefix = __builtin_popcount(reinterpret_cast<sockaddr_in*>(p->ifa_netmask)->sin_addr.s_addr);
      if (p->ifa_broadaddr) inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(p->ifa_broadaddr)->sin_addr, b, sizeof b);
      info.ipv4.push_back(std::string(a) + "/" + std::to_string(prefix) + " brd " + b);
    }
    freeifaddrs(ifa);
  }
  return info;
}

inline sockaddr_in sin(const char* addr, int port) {
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, addr, &sa.sin_addr);
  return sa;
}

// Result of connect() on a UDP socket in the DUT: 0 or errno.
inline int udp_connect_errno(int dutfd, const char* addr, std::string* local = nullptr) {
  int s = socket_in(dutfd, AF_INET, SOCK_DGRAM, 0);
  auto sa = sin(addr, 9);
  int rc = ::connect(s, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0 ? 0 : errno;
  if (rc == 0 && local) {
    sockaddr_in me{};
    socklen_t len = sizeof me;
    getsockname(s, reinterpret_cast<sockaddr*>(&me), &len);
    char buf[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &me.sin_addr, buf, sizeof buf);
    *local = buf;
  }
  ::close(s);
  return rc;
}

// Reads frames on `pfd` (a packet socket or a TAP) until one is an IPv4/UDP
// datagram to `dport`.
inline bool receive_udp_frame(int pfd, int dport, std::array<unsigned char, 2048>& frame, ssize_t& len) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{pfd, POLLIN, 0};
    if (poll(&p, 1, 200) <= 0) continue;
    len = ::read(pfd, frame.data(), frame.size());
    if (len < 14 + 20 + 8) continue;
    if (frame[12] != 0x08 || frame[13] != 0x00) continue;
    iphdr ip;
    std::memcpy(&ip, frame.data() + 14, sizeof ip);  // unaligned in the frame
    if (ip.protocol != IPPROTO_UDP) continue;
    udphdr udp;
    std::memcpy(&udp, frame.data() + 14 + ip.ihl * 4, sizeof udp);
    if (ntohs(udp.dest) == dport) return true;
  }
  return false;
}

// An Ethernet frame carrying an IPv4/UDP datagram (UDP checksum 0: none).
inline std::vector<unsigned char> udp_frame(const std::array<unsigned char, 6>& dst_mac,
                                            const std::array<unsigned char, 6>& src_mac, const char* src_ip,
                                            const char* dst_ip, int sport, int dport, const std::string& payload) {
  std::vector<unsigned char> frame(14 + 20 + 8 + payload.size());
  std::memcpy(frame.data(), dst_mac.data(), 6);
  std::memcpy(frame.data() + 6, src_mac.data(), 6);
  frame[12] = 0x08;
  frame[13] = 0x00;
  iphdr ip{};
  ip.version = 4;
  ip.ihl = 5;
  ip.tot_len = htons(static_cast<uint16_t>(20 + 8 + payload.size()));
  ip.frag_off = htons(0x4000);
  ip.ttl = 64;
  ip.protocol = IPPROTO_UDP;
  inet_pton(AF_INET, src_ip, &ip.saddr);
  inet_pton(AF_INET, dst_ip, &ip.daddr);
  std::array<uint16_t, 10> words{};
  std::memcpy(words.data(), &ip, sizeof ip);
  uint32_t sum = 0;
  for (uint16_t w : words) sum += w;
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  ip.check = static_cast<uint16_t>(~sum);
  udphdr udp{};
  udp.source = htons(static_cast<uint16_t>(sport));
  udp.dest = htons(static_cast<uint16_t>(dport));
  udp.len = htons(static_cast<uint16_t>(8 + payload.size()));
  std::memcpy(frame.data() + 14, &ip, sizeof ip);
  std::memcpy(frame.data() + 34, &udp, sizeof udp);
  std::memcpy(frame.data() + 42, payload.data(), payload.size());
  return frame;
}

}  // namespace netns_test
