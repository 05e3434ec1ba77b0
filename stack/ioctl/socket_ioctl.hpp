// ioctl(2) on an AF_INET socket, reproducing Linux's dispatch: do_vfs_ioctl
// (FIONBIO), sock_ioctl / sock_do_ioctl (the protocol first, then the
// 0x89xx numbers through dev_ioctl with a struct ifreq), inet_ioctl
// (SIOCGSTAMP*, SIOCGARP, devinet_ioctl), udp_ioctl / raw_ioctl / tcp_ioctl.
// The argument is a byte buffer as the probe protocol carries it (an "int"
// argument is a 4-byte buffer): a request that copies a bigger struct from
// it faults (EFAULT). Layouts are x86-64: struct ifreq is 40 bytes (name[16]
// + a 24-byte union), struct arpreq 68.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace ipc::stack::ioctl {

inline constexpr std::uint32_t kFionbio = 0x5421, kFionread = 0x541B, kTiocoutq = 0x5411,
                               kSiocatmark = 0x8905, kSiocgstampOld = 0x8906,
                               kSiocgstampnsOld = 0x8907, kSiocgstampNew = 0x80108906,
                               kSiocgstampnsNew = 0x80108907, kSiocgifname = 0x8910,
                               kSiocgifflags = 0x8913, kSiocgifaddr = 0x8915,
                               kSiocgifbrdaddr = 0x8919, kSiocgifnetmask = 0x891b,
                               kSiocgifmtu = 0x8921, kSiocgifhwaddr = 0x8927,
                               kSiocgifindex = 0x8933, kSiocoutqnsd = 0x894B,
                               kSiocgarp = 0x8954;
inline constexpr std::uint32_t kSiocinq = kFionread, kSiocoutq = kTiocoutq;

// One network device as the netdevice ioctls show it. Addresses are in
// host byte order; `has_ipv4` false: no in_ifaddr (SIOCGIFADDR ->
// EADDRNOTAVAIL).
struct Interface {
  std::string name;
  int ifindex = 0;
  std::uint16_t flags = 0;    // dev_get_flags: IFF_UP | IFF_BROADCAST | ...
  int mtu = 1500;
  std::uint16_t hw_type = 1;  // ARPHRD_ETHER (lo: ARPHRD_LOOPBACK 772)
  std::array<std::uint8_t, 6> mac{};
  bool has_ipv4 = false;
  std::uint32_t addr = 0, netmask = 0, broadcast = 0;
};

// One ARP cache entry (for SIOCGARP).
struct Neighbour {
  int ifindex = 0;
  std::uint32_t addr = 0;  // host order
  std::array<std::uint8_t, 6> mac{};
  bool permanent = false;  // NUD_PERMANENT -> ATF_PERM | ATF_COM
  bool valid = true;       // NUD_VALID -> ATF_COM; neither: flags 0
  bool noarp = false;      // NUD_NOARP: SIOCGARP answers ENXIO
};

inline constexpr int kSockStream = 1, kSockDgram = 2, kSockRaw = 3;

// What the socket knows, passed in by the caller.
struct SocketIoctlFacts {
  int type = kSockDgram;
  bool listening = false;   // TCP_LISTEN: SIOCINQ/SIOCOUTQ(NSD) -> EINVAL
  int inq = 0;              // TCP: unread bytes; UDP/raw: the first queued
                            // datagram's length (0 when none)
  int outq = 0;             // SIOCOUTQ: TCP unsent+unacked, else sk_wmem_alloc
  int outq_nsd = 0;         // TCP SIOCOUTQNSD: not yet sent
  bool at_mark = false;     // TCP SIOCATMARK
  // sk_stamp: the time of the last datagram a recvmsg returned; none
  // (SK_DEFAULT_STAMP) -> ENOENT.
  struct Stamp {
    std::int64_t sec = 0, nsec = 0;
  };
  std::optional<Stamp> last_rx_stamp;
};

struct IoctlResult {
  int err = 0;                        // 0 or a positive errno
  std::vector<std::uint8_t> value;    // the argument buffer after the call
  std::optional<bool> set_nonblock;   // FIONBIO: the new O_NONBLOCK
};

IoctlResult socket_ioctl(const SocketIoctlFacts& sock, std::span<const Interface> interfaces,
                         std::span<const Neighbour> neighbours, std::uint32_t request,
                         std::vector<std::uint8_t> arg);

}  // namespace ipc::stack::ioctl
