#include "oracle/abi.hpp"

#include <cerrno>
#include <charconv>
#include <cstring>
#include <string.h>
#include <unordered_map>

namespace ipc::abi {
namespace {

struct Entry {
  const char* name;
  std::int64_t value;
};

// include/linux/socket.h
constexpr Entry kFamilies[] = {
    {"AF_UNSPEC", 0}, {"AF_UNIX", 1}, {"AF_LOCAL", 1}, {"AF_INET", 2},
    {"AF_INET6", 10}, {"AF_NETLINK", 16}, {"AF_PACKET", 17},
};

// include/linux/net.h (enum sock_type) and the flags beside it.
constexpr Entry kSockTypes[] = {
    {"SOCK_STREAM", 1},       {"SOCK_DGRAM", 2},     {"SOCK_RAW", 3},
    {"SOCK_RDM", 4},          {"SOCK_SEQPACKET", 5}, {"SOCK_DCCP", 6},
    {"SOCK_PACKET", 10},      {"SOCK_NONBLOCK", 04000},
    {"SOCK_CLOEXEC", 02000000},
};

// include/uapi/linux/in.h
constexpr Entry kProtocols[] = {
    {"IPPROTO_IP", 0},       {"IPPROTO_ICMP", 1},     {"IPPROTO_IGMP", 2},
    {"IPPROTO_IPIP", 4},     {"IPPROTO_TCP", 6},      {"IPPROTO_EGP", 8},
    {"IPPROTO_PUP", 12},     {"IPPROTO_UDP", 17},     {"IPPROTO_IDP", 22},
    {"IPPROTO_TP", 29},      {"IPPROTO_DCCP", 33},    {"IPPROTO_IPV6", 41},
    {"IPPROTO_RSVP", 46},    {"IPPROTO_GRE", 47},     {"IPPROTO_ESP", 50},
    {"IPPROTO_AH", 51},      {"IPPROTO_ICMPV6", 58},  {"IPPROTO_MTP", 92},
    {"IPPROTO_BEETPH", 94},  {"IPPROTO_ENCAP", 98},   {"IPPROTO_PIM", 103},
    {"IPPROTO_COMP", 108},   {"IPPROTO_L2TP", 115},   {"IPPROTO_SCTP", 132},
    {"IPPROTO_UDPLITE", 136}, {"IPPROTO_MPLS", 137},  {"IPPROTO_ETHERNET", 143},
    {"IPPROTO_RAW", 255},    {"IPPROTO_MPTCP", 262},
};

constexpr int kSolSocket = 1;
constexpr int kSolIp = 0;
constexpr int kSolTcp = 6;
constexpr int kSolUdp = 17;
constexpr int kSolRaw = 255;

constexpr Entry kLevels[] = {
    {"SOL_IP", kSolIp},       {"IPPROTO_IP", kSolIp},   {"SOL_SOCKET", kSolSocket},
    {"SOL_TCP", kSolTcp},     {"IPPROTO_TCP", kSolTcp}, {"SOL_UDP", kSolUdp},
    {"IPPROTO_UDP", kSolUdp}, {"SOL_RAW", kSolRaw},     {"IPPROTO_RAW", kSolRaw},
    {"IPPROTO_UDPLITE", 136}, {"SOL_UDPLITE", 136},     {"IPPROTO_ICMP", 1},
    {"IPPROTO_IPV6", 41},     {"SOL_IPV6", 41},
};

// include/uapi/linux/in.h: IPPROTO_IP level.
constexpr Entry kIpOptions[] = {
    {"IP_TOS", 1},
    {"IP_TTL", 2},
    {"IP_HDRINCL", 3},
    {"IP_OPTIONS", 4},
    {"IP_ROUTER_ALERT", 5},
    {"IP_RECVOPTS", 6},
    {"IP_RETOPTS", 7},
    {"IP_PKTINFO", 8},
    {"IP_PKTOPTIONS", 9},
    {"IP_MTU_DISCOVER", 10},
    {"IP_PMTUDISC", 10},
    {"IP_RECVERR", 11},
    {"IP_RECVTTL", 12},
    {"IP_RECVTOS", 13},
    {"IP_MTU", 14},
    {"IP_FREEBIND", 15},
    {"IP_IPSEC_POLICY", 16},
    {"IP_XFRM_POLICY", 17},
    {"IP_PASSSEC", 18},
    {"IP_TRANSPARENT", 19},
    {"IP_RECVORIGDSTADDR", 20},
    {"IP_ORIGDSTADDR", 20},
    {"IP_MINTTL", 21},
    {"IP_NODEFRAG", 22},
    {"IP_CHECKSUM", 23},
    {"IP_BIND_ADDRESS_NO_PORT", 24},
    {"IP_RECVFRAGSIZE", 25},
    {"IP_RECVERR_RFC4884", 26},
    {"IP_MULTICAST_IF", 32},
    {"IP_MULTICAST_TTL", 33},
    {"IP_MULTICAST_LOOP", 34},
    {"IP_ADD_MEMBERSHIP", 35},
    {"IP_DROP_MEMBERSHIP", 36},
    {"IP_UNBLOCK_SOURCE", 37},
    {"IP_BLOCK_SOURCE", 38},
    {"IP_ADD_SOURCE_MEMBERSHIP", 39},
    {"IP_DROP_SOURCE_MEMBERSHIP", 40},
    {"IP_MSFILTER", 41},
    {"MCAST_JOIN_GROUP", 42},
    {"MCAST_BLOCK_SOURCE", 43},
    {"MCAST_UNBLOCK_SOURCE", 44},
    {"MCAST_LEAVE_GROUP", 45},
    {"MCAST_JOIN_SOURCE_GROUP", 46},
    {"MCAST_LEAVE_SOURCE_GROUP", 47},
    {"MCAST_MSFILTER", 48},
    {"IP_MULTICAST_ALL", 49},
    {"IP_UNICAST_IF", 50},
    {"IP_LOCAL_PORT_RANGE", 51},
    {"IP_PROTOCOL", 52},
};

// include/uapi/asm-generic/socket.h (x86-64 uses the generic values).
constexpr Entry kSocketOptions[] = {
    {"SO_DEBUG", 1},          {"SO_REUSEADDR", 2},       {"SO_TYPE", 3},
    {"SO_ERROR", 4},          {"SO_DONTROUTE", 5},       {"SO_BROADCAST", 6},
    {"SO_SNDBUF", 7},         {"SO_RCVBUF", 8},          {"SO_KEEPALIVE", 9},
    {"SO_OOBINLINE", 10},     {"SO_NO_CHECK", 11},       {"SO_PRIORITY", 12},
    {"SO_LINGER", 13},        {"SO_BSDCOMPAT", 14},      {"SO_REUSEPORT", 15},
    {"SO_PASSCRED", 16},      {"SO_PEERCRED", 17},       {"SO_RCVLOWAT", 18},
    {"SO_SNDLOWAT", 19},      {"SO_RCVTIMEO", 20},       {"SO_SNDTIMEO", 21},
    {"SO_BINDTODEVICE", 25},  {"SO_PEERNAME", 28},       {"SO_TIMESTAMP", 29},
    {"SO_ACCEPTCONN", 30},    {"SO_PEERSEC", 31},        {"SO_SNDBUFFORCE", 32},
    {"SO_RCVBUFFORCE", 33},   {"SO_PASSSEC", 34},        {"SO_TIMESTAMPNS", 35},
    {"SO_MARK", 36},          {"SO_TIMESTAMPING", 37},   {"SO_PROTOCOL", 38},
    {"SO_DOMAIN", 39},        {"SO_RXQ_OVFL", 40},       {"SO_PEEK_OFF", 42},
    {"SO_BUSY_POLL", 46},     {"SO_INCOMING_CPU", 49},   {"SO_COOKIE", 57},
    {"SO_ZEROCOPY", 60},      {"SO_BINDTOIFINDEX", 62},  {"SO_NETNS_COOKIE", 71},
};

// include/uapi/linux/tcp.h
constexpr Entry kTcpOptions[] = {
    {"TCP_NODELAY", 1},       {"TCP_MAXSEG", 2},        {"TCP_CORK", 3},
    {"TCP_KEEPIDLE", 4},      {"TCP_KEEPINTVL", 5},     {"TCP_KEEPCNT", 6},
    {"TCP_SYNCNT", 7},        {"TCP_LINGER2", 8},       {"TCP_DEFER_ACCEPT", 9},
    {"TCP_WINDOW_CLAMP", 10}, {"TCP_INFO", 11},         {"TCP_QUICKACK", 12},
    {"TCP_CONGESTION", 13},   {"TCP_USER_TIMEOUT", 18}, {"TCP_FASTOPEN", 23},
};

// include/uapi/linux/udp.h
constexpr Entry kUdpOptions[] = {
    {"UDP_CORK", 1}, {"UDP_ENCAP", 100}, {"UDP_SEGMENT", 103}, {"UDP_GRO", 104},
};

// include/uapi/linux/icmp.h (SOL_RAW)
constexpr Entry kRawOptions[] = {{"ICMP_FILTER", 1}};

// include/linux/socket.h
constexpr Entry kMsgFlags[] = {
    {"MSG_OOB", 0x1},          {"MSG_PEEK", 0x2},          {"MSG_DONTROUTE", 0x4},
    {"MSG_CTRUNC", 0x8},       {"MSG_PROXY", 0x10},        {"MSG_TRUNC", 0x20},
    {"MSG_DONTWAIT", 0x40},    {"MSG_EOR", 0x80},          {"MSG_WAITALL", 0x100},
    {"MSG_FIN", 0x200},        {"MSG_SYN", 0x400},         {"MSG_CONFIRM", 0x800},
    {"MSG_RST", 0x1000},       {"MSG_ERRQUEUE", 0x2000},   {"MSG_NOSIGNAL", 0x4000},
    {"MSG_MORE", 0x8000},      {"MSG_WAITFORONE", 0x10000}, {"MSG_ZEROCOPY", 0x4000000},
    {"MSG_FASTOPEN", 0x20000000}, {"MSG_CMSG_CLOEXEC", 0x40000000},
};

constexpr Entry kShutdown[] = {{"SHUT_RD", 0}, {"SHUT_WR", 1}, {"SHUT_RDWR", 2}};

// include/uapi/asm-generic/ioctls.h, include/uapi/linux/sockios.h
constexpr Entry kIoctls[] = {
    {"FIONREAD", 0x541B},   {"SIOCINQ", 0x541B},      {"TIOCOUTQ", 0x5411},
    {"SIOCOUTQ", 0x5411},   {"FIONBIO", 0x5421},      {"SIOCATMARK", 0x8905},
    {"SIOCGSTAMP", 0x8906}, {"SIOCGSTAMPNS", 0x8907}, {"SIOCOUTQNSD", 0x894B},
};

// include/uapi/asm-generic/poll.h
constexpr Entry kPoll[] = {
    {"POLLIN", 0x1},      {"POLLPRI", 0x2},      {"POLLOUT", 0x4},      {"POLLERR", 0x8},
    {"POLLHUP", 0x10},    {"POLLNVAL", 0x20},    {"POLLRDNORM", 0x40},  {"POLLRDBAND", 0x80},
    {"POLLWRNORM", 0x100}, {"POLLWRBAND", 0x200}, {"POLLRDHUP", 0x2000},
};

// Values an option takes that have names of their own.
constexpr Entry kConstants[] = {
    {"IP_PMTUDISC_DONT", 0},      {"IP_PMTUDISC_WANT", 1},   {"IP_PMTUDISC_DO", 2},
    {"IP_PMTUDISC_PROBE", 3},     {"IP_PMTUDISC_INTERFACE", 4}, {"IP_PMTUDISC_OMIT", 5},
    {"MCAST_EXCLUDE", 0},         {"MCAST_INCLUDE", 1},
    {"IPTOS_LOWDELAY", 0x10},     {"IPTOS_THROUGHPUT", 0x08}, {"IPTOS_RELIABILITY", 0x04},
    {"IPTOS_MINCOST", 0x02},      {"IPTOS_ECN_ECT1", 0x01},  {"IPTOS_ECN_ECT0", 0x02},
    {"IPTOS_ECN_CE", 0x03},       {"IPTOS_PREC_NETCONTROL", 0xe0},
    {"IPTOS_PREC_INTERNETCONTROL", 0xc0}, {"IPTOS_PREC_CRITIC_ECP", 0xa0},
    {"IPTOS_PREC_FLASHOVERRIDE", 0x80}, {"IPTOS_PREC_FLASH", 0x60},
    {"IPTOS_PREC_IMMEDIATE", 0x40}, {"IPTOS_PREC_PRIORITY", 0x20},
    {"IPTOS_PREC_ROUTINE", 0x00},
    {"INADDR_ANY", 0},            {"INADDR_BROADCAST", 0xffffffff},
    {"INADDR_LOOPBACK", 0x7f000001}, {"INADDR_NONE", 0xffffffff},
};

template <std::size_t N>
std::optional<std::int64_t> find(const Entry (&table)[N], std::string_view name) {
  for (const auto& e : table)
    if (name == e.name) return e.value;
  return std::nullopt;
}

template <std::size_t N>
std::vector<std::string> names(const Entry (&table)[N]) {
  std::vector<std::string> out;
  for (const auto& e : table) out.emplace_back(e.name);
  return out;
}

std::optional<std::int64_t> parse_number(std::string_view s) {
  if (s.empty()) return std::nullopt;
  std::int64_t v = 0;
  int base = 10;
  bool neg = false;
  if (s.front() == '-') {
    neg = true;
    s.remove_prefix(1);
  }
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    base = 16;
    s.remove_prefix(2);
  }
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v, base);
  if (ec != std::errc{} || p != s.data() + s.size()) return std::nullopt;
  return neg ? -v : v;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

}  // namespace

std::optional<std::int64_t> lookup(Space space, std::string_view symbol) {
  symbol = trim(symbol);
  if (auto n = parse_number(symbol)) return n;
  switch (space) {
    case Space::Family: return find(kFamilies, symbol);
    case Space::SockType: return find(kSockTypes, symbol);
    case Space::Protocol: return find(kProtocols, symbol);
    case Space::Level: return find(kLevels, symbol);
    case Space::MsgFlag: return find(kMsgFlags, symbol);
    case Space::Shutdown: return find(kShutdown, symbol);
    case Space::Ioctl: return find(kIoctls, symbol);
    case Space::Constant: return find(kConstants, symbol);
    case Space::Poll: return find(kPoll, symbol);
  }
  return std::nullopt;
}

std::optional<std::int64_t> lookup_flags(Space space, std::string_view expr) {
  std::int64_t value = 0;
  while (true) {
    auto bar = expr.find('|');
    auto part = trim(expr.substr(0, bar));
    auto v = lookup(space, part);
    if (!v) return std::nullopt;
    value |= *v;
    if (bar == std::string_view::npos) return value;
    expr.remove_prefix(bar + 1);
  }
}

std::optional<int> option(int level, std::string_view name) {
  name = trim(name);
  if (auto n = parse_number(name)) return static_cast<int>(*n);
  std::optional<std::int64_t> v;
  switch (level) {
    case kSolIp: v = find(kIpOptions, name); break;
    case kSolSocket: v = find(kSocketOptions, name); break;
    case kSolTcp: v = find(kTcpOptions, name); break;
    case kSolUdp:
    case 136: v = find(kUdpOptions, name); break;
    case kSolRaw: v = find(kRawOptions, name); break;
    default: break;
  }
  if (!v) return std::nullopt;
  return static_cast<int>(*v);
}

std::string level_name(int level) {
  switch (level) {
    case kSolIp: return "IPPROTO_IP";
    case kSolSocket: return "SOL_SOCKET";
    case kSolTcp: return "IPPROTO_TCP";
    case kSolUdp: return "IPPROTO_UDP";
    case kSolRaw: return "SOL_RAW";
    case 136: return "IPPROTO_UDPLITE";
    default: return std::to_string(level);
  }
}

std::string option_name(int level, int name) {
  auto scan = [name](const auto& table) -> std::string {
    for (const auto& e : table)
      if (e.value == name) return e.name;
    return std::to_string(name);
  };
  switch (level) {
    case kSolIp: return scan(kIpOptions);
    case kSolSocket: return scan(kSocketOptions);
    case kSolTcp: return scan(kTcpOptions);
    case kSolUdp:
    case 136: return scan(kUdpOptions);
    case kSolRaw: return scan(kRawOptions);
    default: return std::to_string(name);
  }
}

namespace {
const std::unordered_map<std::string, int>& errno_table() {
  static const auto table = [] {
    std::unordered_map<std::string, int> t;
    for (int e = 1; e < 134; ++e)
      if (const char* n = strerrorname_np(e)) t.emplace(n, e);
    // glibc names EWOULDBLOCK and EDEADLOCK only as aliases.
    t.emplace("EWOULDBLOCK", EAGAIN);
    t.emplace("EDEADLOCK", EDEADLK);
    t.emplace("ENOTSUP", EOPNOTSUPP);
    return t;
  }();
  return table;
}
}  // namespace

std::optional<int> errno_number(std::string_view name) {
  auto& t = errno_table();
  auto it = t.find(std::string(name));
  if (it == t.end()) return std::nullopt;
  return it->second;
}

bool is_errno_name(std::string_view name) { return errno_number(name).has_value(); }

bool is_capability_name(std::string_view name) {
  static constexpr const char* kCaps[] = {
      "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER",
      "CAP_FSETID", "CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP",
      "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST",
      "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER",
      "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE",
      "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE",
      "CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD",
      "CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP",
      "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM",
      "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF",
      "CAP_CHECKPOINT_RESTORE"};
  for (auto* c : kCaps)
    if (name == c) return true;
  return false;
}

std::vector<std::string> symbols(Space space) {
  switch (space) {
    case Space::Family: return names(kFamilies);
    case Space::SockType: return names(kSockTypes);
    case Space::Protocol: return names(kProtocols);
    case Space::Level: return names(kLevels);
    case Space::MsgFlag: return names(kMsgFlags);
    case Space::Shutdown: return names(kShutdown);
    case Space::Ioctl: return names(kIoctls);
    case Space::Constant: return names(kConstants);
    case Space::Poll: return names(kPoll);
  }
  return {};
}

}  // namespace ipc::abi
