// libFuzzer target: every input is one Ethernet frame for dut0 of a single
// long-lived Stack with the suite's topology (stack/core/config.hpp) and a
// few sockets open, so that frames reach UDP and raw delivery, the error
// queue, IP options, reassembly, multicast and TCP (a listener and an
// established connection, tcp_fixture.hpp; accepted connections are read,
// written to and shut down as inputs come). The clock moves on with each
// input (and jumps now and then) so that ARP and reassembly timers fire.
//
// Every frame the stack sends is checked with the stack/wire views: a frame
// that does not parse, has a wrong checksum or length, or is not ours is
// reported as a crash, like a sanitizer finding.
//
// The stack's state carries over from one input to the next (fragments,
// neighbours, PMTU); a crash input may need the ones before it. Every
// kResetEvery inputs the stack is reset and the sockets opened again, which
// bounds that state.
#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <span>
#include <utility>
#include <vector>

#include "stack/core/config.hpp"
#include "stack/core/stack.hpp"
#include "stack/wire/arp.hpp"
#include "stack/wire/ethernet.hpp"
#include "stack/wire/icmp.hpp"
#include "stack/wire/igmp.hpp"
#include "stack/wire/ipv4.hpp"
#include "stack/wire/ipv4_options.hpp"
#include "stack/wire/udp.hpp"

#if IPCONFORM_FUZZ_WITH_API
#include "stack/api/syscalls.hpp"
#include "stack/fuzz/tcp_fixture.hpp"
#include "stack/wire/tcp.hpp"
#else
#include "stack/mcast/mcast_sockopt.hpp"
#include "stack/sol_socket/sol_sockopt.hpp"
#endif

namespace {

using namespace ipc::stack;
using core::Clock;
using wire::Ipv4Address;
using wire::MacAddress;

constexpr std::uint16_t kBoundPort = 5000;  // the UDP socket's port (corpus: udp_bound)
const Ipv4Address kGroup(224, 1, 2, 3);
constexpr unsigned kResetEvery = 20000;

core::StackConfig suite_config() {
  core::StackConfig c;
  c.ifname = "dut0";
  c.ifindex = 2;
  c.mac = MacAddress({0x02, 0x00, 0x00, 0x00, 0x01, 0x01});
  c.mtu = 1500;
  c.address = Ipv4Address(192, 0, 2, 1);
  c.prefix_len = 24;
  c.routes.push_back({Ipv4Address(198, 51, 100, 0), 24, Ipv4Address(192, 0, 2, 254)});
  c.routes.push_back({Ipv4Address(224, 0, 0, 0), 4, std::nullopt});
  const MacAddress peer({0x02, 0x00, 0x00, 0x00, 0x02, 0x02});
  c.neighbours.push_back({Ipv4Address(192, 0, 2, 2), peer});
  c.neighbours.push_back({Ipv4Address(192, 0, 2, 254), peer});
  return c;
}

// --- checks on what the stack sends -------------------------------------

[[noreturn]] void malformed(const char* what, std::span<const std::uint8_t> frame) {
  std::fprintf(stderr, "frame_fuzzer: the stack sent a malformed frame (%s), %zu bytes:\n", what, frame.size());
  for (std::size_t i = 0; i < frame.size(); ++i) std::fprintf(stderr, "%02x%s", frame[i], i % 16 == 15 ? "\n" : " ");
  std::fprintf(stderr, "\n");
  std::abort();
}

void check_transport(const wire::Ipv4Packet& ip, std::span<const std::uint8_t> frame) {
  const auto payload = ip.payload().first(ip.total_len() - ip.header_len());
  switch (ip.protocol()) {
    case 1: {
      auto icmp = wire::IcmpPacket::check(payload);
      if (!icmp) malformed("ICMP header", frame);
      if (!icmp->verify_checksum()) malformed("ICMP checksum", frame);
      if (!wire::IcmpRepr::parse(*icmp)) malformed("ICMP message", frame);
      break;
    }
    case 2: {
      auto igmp = wire::IgmpPacket::check(payload);
      if (!igmp) malformed("IGMP header", frame);
      if (!igmp->verify_checksum()) malformed("IGMP checksum", frame);
      if (!wire::IgmpRepr::parse(*igmp)) malformed("IGMP message", frame);
      break;
    }
    case 6: {
      auto tcp = wire::TcpPacket::check(payload);
      if (!tcp) malformed("TCP header", frame);
      if (!tcp->verify_checksum(ip.src(), ip.dst())) malformed("TCP checksum", frame);
      if (!wire::TcpRepr::parse(*tcp, ip.src(), ip.dst())) malformed("TCP segment", frame);
      break;
    }
    case 17: {
      auto udp = wire::UdpPacket::check(payload);
      if (!udp) malformed("UDP header", frame);
      if (udp->length() != payload.size()) malformed("UDP length", frame);
      if (udp->checksum() != 0 && !udp->verify_checksum(ip.src(), ip.dst())) malformed("UDP checksum", frame);
      break;
    }
    default:
      break;  // raw sockets may send anything; the fuzzer's do not send
  }
}

void check_ipv4(std::span<const std::uint8_t> packet, const wire::EthernetRepr& eth,
                std::span<const std::uint8_t> frame) {
  auto ip = wire::Ipv4Packet::check(packet);
  if (!ip) malformed("IPv4 header", frame);
  if (ip->version() != 4) malformed("IP version", frame);
  if (!ip->verify_checksum()) malformed("IPv4 header checksum", frame);
  if (ip->total_len() > packet.size()) malformed("IPv4 total length beyond the frame", frame);
  // Only Ethernet padding (to 60 bytes) may follow the datagram.
  if (ip->total_len() < packet.size() && frame.size() > 60) malformed("bytes after the IPv4 datagram", frame);
  if (ip->total_len() > 1500) malformed("datagram larger than the MTU", frame);
  if (wire::check_ipv4_options(ip->options())) malformed("IPv4 options", frame);
  if (ip->src().is_multicast() || ip->src() == Ipv4Address::broadcast()) malformed("IPv4 source", frame);
  if (ip->dst().is_multicast() && eth.dst != MacAddress::ipv4_multicast(ip->dst()))
    malformed("multicast MAC for the destination group", frame);
  if (ip->more_frags() || ip->frag_offset() != 0) {
    if (ip->more_frags() && (ip->total_len() - ip->header_len()) % 8 != 0)
      malformed("non-final fragment not a multiple of 8 bytes", frame);
    if (ip->frag_offset() + (ip->total_len() - ip->header_len()) > 65535)
      malformed("fragment beyond 64 KiB", frame);
    return;
  }
  check_transport(*ip, frame);
}

void check_output(std::span<const std::uint8_t> frame, const MacAddress& own_mac) {
  auto eth = wire::EthernetFrame::check(frame);
  if (!eth) malformed("Ethernet header", frame);
  const auto repr = wire::EthernetRepr::parse(*eth);
  if (repr.src != own_mac) malformed("Ethernet source is not dut0's address", frame);
  if (repr.ethertype == wire::ethertype::kArp) {
    auto arp = wire::ArpPacket::check(eth->payload());
    if (!arp) malformed("ARP packet", frame);
    const auto a = wire::ArpRepr::parse(*arp);
    if (a.operation != wire::arp::kOpRequest && a.operation != wire::arp::kOpReply) malformed("ARP operation", frame);
    if (a.sender_hw != own_mac) malformed("ARP sender is not dut0's address", frame);
  } else if (repr.ethertype == wire::ethertype::kIpv4) {
    check_ipv4(eth->payload(), repr, frame);
  } else {
    malformed("ethertype", frame);
  }
}

// --- the harness ----------------------------------------------------------

class Harness {
 public:
  Harness()
      : config_(suite_config()),
        now_(Clock::time_point{} + std::chrono::hours(1)),
        stack_(config_,
               [this](std::span<const std::uint8_t> f) {
                 check_output(f, config_.mac);
                 if (capture_) sent_.emplace_back(f.begin(), f.end());
               },
               now_)
#if IPCONFORM_FUZZ_WITH_API
        ,
        sys_(stack_, [](const std::function<bool()>& ready, std::optional<Clock::time_point>) { return ready(); })
#endif
  {
    open_sockets();
  }

  void run(std::span<const std::uint8_t> frame) {
    tick();
    stack_.input_frame(frame, now_);
    stack_.advance(now_);
    drain();
    if (++inputs_ % kResetEvery == 0) {
      stack_.reset(now_);
      open_sockets();
    }
  }

 private:
  // 20 ms per input, 2 s every 64th (ARP retries, delay_first_probe), 35 s
  // every 1024th (reassembly timeout, neighbour staleness, PMTU expiry).
  void tick() {
    const unsigned n = inputs_ + 1;
    now_ += n % 1024 == 0 ? std::chrono::seconds(35)
            : n % 64 == 0 ? std::chrono::seconds(2)
                          : std::chrono::milliseconds(20);
    if (auto d = stack_.next_deadline(); d && *d <= now_) stack_.advance(now_);
  }

#if IPCONFORM_FUZZ_WITH_API
  static sockaddr_in sin(Ipv4Address a, std::uint16_t port) {
    sockaddr_in s{};
    s.sin_family = AF_INET;
    s.sin_port = htons(port);
    s.sin_addr.s_addr = htonl(a.to_u32());
    return s;
  }
  void set_int(int fd, int level, int name, int v = 1) {
    if (sys_.setsockopt(fd, level, name, &v, sizeof v) < 0) setup_failed("setsockopt", name);
  }

  void open_sockets() {
    fds_.clear();
    const long udp = sys_.socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    if (udp < 0) setup_failed("socket(SOCK_DGRAM)", 0);
    const auto any = sin(Ipv4Address{}, kBoundPort);
    if (sys_.bind(static_cast<int>(udp), reinterpret_cast<const sockaddr*>(&any), sizeof any) < 0)
      setup_failed("bind", kBoundPort);
    for (int opt : {IP_RECVERR, IP_PKTINFO, IP_RECVTTL, IP_RECVTOS, IP_RECVOPTS, IP_RETOPTS, IP_RECVFRAGSIZE,
                    IP_CHECKSUM, IP_RECVORIGDSTADDR})
      set_int(static_cast<int>(udp), IPPROTO_IP, opt);
    set_int(static_cast<int>(udp), SOL_SOCKET, SO_TIMESTAMP);
    ip_mreqn mreq{};
    mreq.imr_multiaddr.s_addr = htonl(kGroup.to_u32());
    mreq.imr_ifindex = config_.ifindex;
    if (sys_.setsockopt(static_cast<int>(udp), IPPROTO_IP, IP_ADD_MEMBERSHIP, &mreq, sizeof mreq) < 0)
      setup_failed("setsockopt", IP_ADD_MEMBERSHIP);
    fds_.push_back(static_cast<int>(udp));

    const long icmp = sys_.socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK, IPPROTO_ICMP);
    if (icmp < 0) setup_failed("socket(SOCK_RAW, IPPROTO_ICMP)", 0);
    set_int(static_cast<int>(icmp), IPPROTO_IP, IP_RECVERR);
    set_int(static_cast<int>(icmp), IPPROTO_IP, IP_PKTINFO);
    fds_.push_back(static_cast<int>(icmp));

    const long rawudp = sys_.socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK, IPPROTO_UDP);
    if (rawudp < 0) setup_failed("socket(SOCK_RAW, IPPROTO_UDP)", 0);
    set_int(static_cast<int>(rawudp), IPPROTO_IP, IP_RECVOPTS);
    fds_.push_back(static_cast<int>(rawudp));

    // TCP: a listener and an established client (tcp_fixture.hpp).
    capture_ = true;
    auto tcp = fuzz::open_tcp(stack_, sys_, [this] { return std::exchange(sent_, {}); }, now_);
    capture_ = false;
    sent_.clear();
    if (!tcp) setup_failed("the TCP sockets", 0);
    tcp_ = *tcp;
    accepted_.clear();
  }

  // TCP: accept what completed (closing the oldest beyond a few), read
  // everything, and now and then write or close, so that input meets
  // connections in every state.
  void drive_tcp() {
    for (;;) {
      const long fd = sys_.accept4(tcp_.listener, nullptr, nullptr, SOCK_NONBLOCK);
      if (fd < 0) break;
      accepted_.push_back(static_cast<int>(fd));
      if (accepted_.size() > 4) {
        sys_.close(accepted_.front());
        accepted_.erase(accepted_.begin());
      }
    }
    std::vector<int> conns = accepted_;
    conns.push_back(tcp_.client);
    for (int fd : conns)
      while (sys_.recvfrom(fd, data_.data(), data_.size(), MSG_DONTWAIT, nullptr, nullptr) > 0) {
      }
    if (inputs_ % 16 == 0)
      for (int fd : conns) (void)sys_.sendto(fd, data_.data(), 100 + inputs_ % 3000, MSG_DONTWAIT | MSG_NOSIGNAL, nullptr, 0);
    if (inputs_ % 256 == 255 && !accepted_.empty()) {
      (void)sys_.shutdown(accepted_.back(), SHUT_WR);
    }
  }

  // Reads everything queued, through recvmsg with control messages, so the
  // receive side (cmsg building, the error queue) runs too.
  void drain() {
    drive_tcp();
    for (int fd : fds_)
      for (int flags : {int{MSG_DONTWAIT}, MSG_DONTWAIT | MSG_ERRQUEUE})
        for (int i = 0; i < 64; ++i) {
          sockaddr_in from{};
          iovec iov{data_.data(), data_.size()};
          msghdr msg{};
          msg.msg_name = &from;
          msg.msg_namelen = sizeof from;
          msg.msg_iov = &iov;
          msg.msg_iovlen = 1;
          msg.msg_control = control_.data();
          msg.msg_controllen = control_.size();
          if (sys_.recvmsg(fd, &msg, flags) < 0) break;
        }
  }
#else
  void open_sockets() {
    fds_.clear();
    auto make = [&](int type, int protocol, core::Kind kind) {
      auto s = std::make_unique<core::Socket>();
      s->type = type;
      s->protocol = protocol;
      s->kind = kind;
      s->nonblock = true;
      socket::SocketFacts facts;
      facts.type = kind == core::Kind::Raw ? socket::SockType::Raw : socket::SockType::Dgram;
      facts.protocol = protocol;
      s->ip = socket::initial_ip_options(facts);
      sol_socket::SolSocketFacts sf;
      sf.type = type;
      sf.protocol = protocol;
      s->sol = sol_socket::initial_sol_state(sf);
      return s;
    };
    auto udp = make(SOCK_DGRAM, IPPROTO_UDP, core::Kind::Udp);
    udp->ip.recverr = udp->ip.pktinfo = udp->ip.recvttl = udp->ip.recvtos = udp->ip.recvopts = udp->ip.retopts =
        udp->ip.recvfragsize = udp->ip.checksum = udp->ip.recvorigdstaddr = true;
    udp->sol.rcvtstamp = true;
    const int ufd = stack_.open_socket(std::move(udp));
    core::Socket* us = stack_.socket(ufd);
    if (stack_.udp_bind(*us, Ipv4Address{}, kBoundPort) < 0) setup_failed("bind", kBoundPort);
    std::array<std::uint8_t, 12> mreq{};  // struct ip_mreqn
    kGroup.write(std::span(mreq).first(4));
    const int ifindex = config_.ifindex;
    std::memcpy(mreq.data() + 8, &ifindex, sizeof ifindex);
    mcast::McastSockFacts mf;
    if (mcast::mcast_setsockopt(stack_.mcast(), us->mc, mf, IP_ADD_MEMBERSHIP, mreq, sizeof mreq, now_).err)
      setup_failed("setsockopt", IP_ADD_MEMBERSHIP);
    stack_.flush_igmp();
    fds_.push_back(ufd);

    auto icmp = make(SOCK_RAW, IPPROTO_ICMP, core::Kind::Raw);
    icmp->ip.recverr = icmp->ip.pktinfo = true;
    fds_.push_back(stack_.open_socket(std::move(icmp)));
    auto rawudp = make(SOCK_RAW, IPPROTO_UDP, core::Kind::Raw);
    rawudp->ip.recvopts = true;
    fds_.push_back(stack_.open_socket(std::move(rawudp)));
  }

  void drain() {
    drive_tcp();
    for (int fd : fds_)
      if (core::Socket* s = stack_.socket(fd)) {
        s->rx.clear();
        s->rx_bytes = 0;
        s->errq.clear();
      }
  }
#endif

  [[noreturn]] static void setup_failed(const char* what, int arg) {
    std::fprintf(stderr, "frame_fuzzer: setting up the sockets failed: %s (%d)\n", what, arg);
    std::abort();
  }

  core::StackConfig config_;
  Clock::time_point now_;
  core::Stack stack_;
#if IPCONFORM_FUZZ_WITH_API
  api::Syscalls sys_;
  std::array<std::uint8_t, 4096> data_{};
  fuzz::TcpSockets tcp_;
  std::vector<int> accepted_;
  alignas(cmsghdr) std::array<std::uint8_t, 1024> control_{};
#endif
  std::vector<int> fds_;
  unsigned inputs_ = 0;
  bool capture_ = false;                       // keep what the stack sends (set-up only)
  std::vector<std::vector<std::uint8_t>> sent_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static Harness* harness = new Harness();  // lives as long as the process
  harness->run(std::span<const std::uint8_t>(data, size));
  return 0;
}
