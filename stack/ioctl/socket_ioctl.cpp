#include "stack/ioctl/socket_ioctl.hpp"

#include <cerrno>
#include <cstring>

#include "stack/ioctl/netdevice_ioctl.hpp"

namespace ipc::stack::ioctl {
namespace {

IoctlResult with(int err, std::vector<std::uint8_t> arg) { return {err, std::move(arg), {}}; }

// put_user(int): four bytes into the argument (EFAULT if it is shorter).
IoctlResult put_int(std::vector<std::uint8_t> arg, int v) {
  if (arg.size() < sizeof v) return with(EFAULT, std::move(arg));
  std::memcpy(arg.data(), &v, sizeof v);
  return with(0, std::move(arg));
}

// The protocol's answer (udp_ioctl, raw_ioctl, tcp_ioctl); nullopt:
// -ENOIOCTLCMD.
std::optional<IoctlResult> protocol_ioctl(const SocketIoctlFacts& s, std::uint32_t request,
                                          std::vector<std::uint8_t>& arg) {
  const bool tcp = s.type == kSockStream;
  switch (request) {
    case kSiocinq:
      // tcp_ioctl: "if (sk->sk_state == TCP_LISTEN) return -EINVAL".
      if (tcp && s.listening) return with(EINVAL, arg);
      return put_int(arg, s.inq);
    case kSiocoutq:
      if (tcp && s.listening) return with(EINVAL, arg);
      return put_int(arg, s.outq);
    case kSiocoutqnsd:
      if (!tcp) return std::nullopt;  // only tcp_ioctl knows it
      if (s.listening) return with(EINVAL, arg);
      return put_int(arg, s.outq_nsd);
    case kSiocatmark:
      // tcp_ioctl answers even for a listener; udp/raw do not know it.
      if (!tcp) return std::nullopt;
      return put_int(arg, s.at_mark ? 1 : 0);
    default:
      return std::nullopt;
  }
}

// sock_gettstamp: no stamp -> ENOENT; {sec, usec} or {sec, nsec} as two
// 64-bit fields (the old and new layouts coincide on x86-64).
IoctlResult get_stamp(const SocketIoctlFacts& s, std::uint32_t request,
                      std::vector<std::uint8_t> arg) {
  if (!s.last_rx_stamp) return with(ENOENT, std::move(arg));
  if (arg.size() < 16) return with(EFAULT, std::move(arg));
  const bool ns = request == kSiocgstampnsOld || request == kSiocgstampnsNew;
  const std::int64_t tv[2] = {s.last_rx_stamp->sec,
                              ns ? s.last_rx_stamp->nsec : s.last_rx_stamp->nsec / 1000};
  std::memcpy(arg.data(), tv, sizeof tv);
  return with(0, std::move(arg));
}

}  // namespace

IoctlResult socket_ioctl(const SocketIoctlFacts& sock, std::span<const Interface> interfaces,
                         std::span<const Neighbour> neighbours, std::uint32_t request,
                         std::vector<std::uint8_t> arg) {
  if (request == kFionbio) {
    // do_vfs_ioctl -> ioctl_fionbio: get_user(int); nonzero sets O_NONBLOCK.
    int on = 0;
    if (arg.size() < sizeof on) return with(EFAULT, std::move(arg));
    std::memcpy(&on, arg.data(), sizeof on);
    IoctlResult r = with(0, std::move(arg));
    r.set_nonblock = on != 0;
    return r;
  }
  // inet_ioctl: the timestamps, SIOCGARP and the devinet requests come
  // before the protocol.
  if (request == kSiocgstampOld || request == kSiocgstampnsOld || request == kSiocgstampNew ||
      request == kSiocgstampnsNew)
    return get_stamp(sock, request, std::move(arg));
  if (request == kSiocgarp) {
    if (arg.size() < detail::kArpreqSize) return with(EFAULT, std::move(arg));
    const int err = detail::arp_get(interfaces, neighbours, arg);
    return with(err, std::move(arg));
  }
  if (auto r = protocol_ioctl(sock, request, arg)) return *r;
  // sock_do_ioctl after -ENOIOCTLCMD: "if (!is_socket_ioctl_cmd(cmd))
  // return -ENOTTY"; a 0x89xx number copies a struct ifreq first
  // (get_user_ifreq: EFAULT from a short argument) and goes to dev_ioctl.
  if (((request >> 8) & 0xff) != 0x89) return with(ENOTTY, std::move(arg));
  if (arg.size() < detail::kIfreqSize) return with(EFAULT, std::move(arg));
  if (detail::is_ifreq_get(request)) {
    std::vector<std::uint8_t> out = arg;
    const int err = detail::ifreq_get(interfaces, request, out);
    return with(err, err == 0 ? std::move(out) : std::move(arg));
  }
  const int err = detail::dev_ioctl_unknown(interfaces, request, arg);
  return with(err, std::move(arg));
}

}  // namespace ipc::stack::ioctl
