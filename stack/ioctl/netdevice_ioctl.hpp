// Internal to socket_ioctl.cpp: the struct ifreq / struct arpreq requests
// (dev_ioctl, devinet_ioctl, arp_ioctl). `arg` is at least 40 (ifreq) or 68
// (arpreq) bytes; on error it is left as it was.
#pragma once

#include "stack/ioctl/socket_ioctl.hpp"

namespace ipc::stack::ioctl::detail {

inline constexpr std::size_t kIfreqSize = 40, kArpreqSize = 68;

// Whether `request` is one of the ifreq reads below.
bool is_ifreq_get(std::uint32_t request);
int ifreq_get(std::span<const Interface> interfaces, std::uint32_t request,
              std::vector<std::uint8_t>& arg);
int arp_get(std::span<const Interface> interfaces, std::span<const Neighbour> neighbours,
            std::vector<std::uint8_t>& arg);
// dev_ioctl for a 0x89xx number nobody handled: SIOCDEVPRIVATE..+15 go to
// the named device (ENODEV without one, EOPNOTSUPP with one), the rest ENOTTY.
int dev_ioctl_unknown(std::span<const Interface> interfaces, std::uint32_t request,
                      const std::vector<std::uint8_t>& arg);

}  // namespace ipc::stack::ioctl::detail
