#include "stack/ioctl/netdevice_ioctl.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace ipc::stack::ioctl::detail {
namespace {

constexpr std::size_t kNameSize = 16;  // IFNAMSIZ
constexpr std::size_t kUnion = 16;     // offset of the ifreq union
constexpr int kAtfCom = 0x02, kAtfPerm = 0x04, kAtfNetmask = 0x20, kAtfPubl = 0x08,
              kAtfDontpub = 0x40;

std::string name_at(const std::vector<std::uint8_t>& b, std::size_t at) {
  std::string n(reinterpret_cast<const char*>(b.data() + at), kNameSize);
  return n.substr(0, n.find('\0'));
}

const Interface* by_name(std::span<const Interface> ifs, const std::string& name) {
  const auto it = std::find_if(ifs.begin(), ifs.end(), [&](const Interface& i) { return i.name == name; });
  return it == ifs.end() ? nullptr : &*it;
}

template <class T>
void put(std::vector<std::uint8_t>& b, std::size_t at, T v) {
  std::memcpy(b.data() + at, &v, sizeof v);
}

// A sockaddr_in in network byte order: family 2, port 0, the address, zero.
void put_sockaddr_in(std::vector<std::uint8_t>& b, std::size_t at, std::uint32_t addr) {
  std::fill(b.begin() + static_cast<long>(at), b.begin() + static_cast<long>(at + 16), 0);
  put<std::uint16_t>(b, at, 2);
  for (int i = 0; i < 4; ++i) b[at + 4 + i] = static_cast<std::uint8_t>(addr >> (24 - 8 * i));
}

}  // namespace

bool is_ifreq_get(std::uint32_t r) {
  return r == kSiocgifname || r == kSiocgifflags || r == kSiocgifaddr || r == kSiocgifbrdaddr ||
         r == kSiocgifnetmask || r == kSiocgifmtu || r == kSiocgifhwaddr || r == kSiocgifindex;
}

int ifreq_get(std::span<const Interface> ifs, std::uint32_t request,
              std::vector<std::uint8_t>& arg) {
  if (request == kSiocgifname) {
    // netdev_get_name(net, ifr_name, ifr_ifindex): no device -> ENODEV.
    int index = 0;
    std::memcpy(&index, arg.data() + kUnion, sizeof index);
    const auto it = std::find_if(ifs.begin(), ifs.end(), [&](const Interface& i) { return i.ifindex == index; });
    if (it == ifs.end()) return ENODEV;
    std::fill(arg.begin(), arg.begin() + kNameSize, 0);
    std::memcpy(arg.data(), it->name.data(), std::min(it->name.size(), kNameSize - 1));
    return 0;
  }
  // dev_ifsioc_locked / devinet_ioctl: __dev_get_by_name fails -> ENODEV.
  const Interface* dev = by_name(ifs, name_at(arg, 0));
  if (dev == nullptr) return ENODEV;
  switch (request) {
    case kSiocgifflags:
      put<std::int16_t>(arg, kUnion, static_cast<std::int16_t>(dev->flags));
      return 0;
    case kSiocgifmtu:
      put<std::int32_t>(arg, kUnion, dev->mtu);
      return 0;
    case kSiocgifindex:
      put<std::int32_t>(arg, kUnion, dev->ifindex);
      return 0;
    case kSiocgifhwaddr:
      // dev_get_mac_address: sa_family = dev->type, then addr_len bytes.
      put<std::uint16_t>(arg, kUnion, dev->hw_type);
      std::memcpy(arg.data() + kUnion + 2, dev->mac.data(), dev->mac.size());
      return 0;
    default:
      break;
  }
  // devinet_ioctl: the primary IPv4 address of the device, or
  // EADDRNOTAVAIL; the sockaddr is cleared and filled as AF_INET.
  if (!dev->has_ipv4) return EADDRNOTAVAIL;
  const std::uint32_t a = request == kSiocgifaddr      ? dev->addr
                          : request == kSiocgifnetmask ? dev->netmask
                                                       : dev->broadcast;
  put_sockaddr_in(arg, kUnion, a);
  return 0;
}

int arp_get(std::span<const Interface> ifs, std::span<const Neighbour> neighbours,
            std::vector<std::uint8_t>& arg) {
  // struct arpreq: arp_pa @0, arp_ha @16, arp_flags @32, arp_netmask @36,
  // arp_dev @52.
  std::uint16_t family = 0;
  std::memcpy(&family, arg.data(), 2);
  int flags = 0;
  std::memcpy(&flags, arg.data() + 32, 4);
  // arp_ioctl: "if (r.arp_pa.sa_family != AF_INET) return -EPFNOSUPPORT";
  // ATF_NETMASK / ATF_DONTPUB without ATF_PUBL -> EINVAL; without
  // ATF_NETMASK the netmask becomes 255.255.255.255.
  if (family != 2) return EPFNOSUPPORT;
  if (!(flags & kAtfPubl) && (flags & (kAtfNetmask | kAtfDontpub))) return EINVAL;
  std::vector<std::uint8_t> out = arg;
  if (!(flags & kAtfNetmask)) std::fill(out.begin() + 40, out.begin() + 44, 0xff);
  // arp_req_get: the device must be named ("if (!r->arp_dev[0]) return
  // -ENODEV") and exist; no cache entry (or a NUD_NOARP one) -> ENXIO.
  const std::string dev_name = name_at(arg, 52);
  const Interface* dev = dev_name.empty() ? nullptr : by_name(ifs, dev_name);
  if (dev == nullptr) return ENODEV;
  std::uint32_t ip = 0;
  for (int i = 0; i < 4; ++i) ip = ip << 8 | arg[4 + i];
  const auto n = std::find_if(neighbours.begin(), neighbours.end(), [&](const Neighbour& e) {
    return e.ifindex == dev->ifindex && e.addr == ip;
  });
  if (n == neighbours.end() || n->noarp) return ENXIO;
  std::memcpy(out.data() + 18, n->mac.data(), n->mac.size());
  put<std::int32_t>(out, 32, n->permanent ? kAtfPerm | kAtfCom : n->valid ? kAtfCom : 0);
  put<std::uint16_t>(out, 16, dev->hw_type);
  std::fill(out.begin() + 52, out.begin() + 68, 0);
  std::memcpy(out.data() + 52, dev->name.data(), std::min(dev->name.size(), kNameSize - 1));
  arg = std::move(out);
  return 0;
}

int dev_ioctl_unknown(std::span<const Interface> ifs, std::uint32_t request,
                      const std::vector<std::uint8_t>& arg) {
  constexpr std::uint32_t kSiocdevprivate = 0x89F0;
  if (request >= kSiocdevprivate && request <= kSiocdevprivate + 15)
    return by_name(ifs, name_at(arg, 0)) == nullptr ? ENODEV : EOPNOTSUPP;
  return ENOTTY;
}

}  // namespace ipc::stack::ioctl::detail
