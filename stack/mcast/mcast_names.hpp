// Option numbers, filter modes and structure sizes of the multicast options,
// as in Linux's include/uapi/linux/in.h (x86-64 layouts). The options shared
// with stack/socket (IP_MULTICAST_IF, IP_ADD_MEMBERSHIP, IP_MSFILTER,
// MCAST_MSFILTER, IP_UNICAST_IF) are taken from there.
#pragma once

#include <cstdint>

#include "stack/socket/ip_sockopt_names.hpp"

namespace ipc::stack::mcast {

namespace opt {
constexpr int kMulticastIf = socket::ipopt::kMulticastIf;        // 32
constexpr int kAddMembership = socket::ipopt::kAddMembership;    // 35
constexpr int kDropMembership = 36;
constexpr int kUnblockSource = 37;
constexpr int kBlockSource = 38;
constexpr int kAddSourceMembership = 39;
constexpr int kDropSourceMembership = 40;
constexpr int kMsfilter = socket::ipopt::kMsfilter;              // 41
constexpr int kMcastJoinGroup = 42;
constexpr int kMcastBlockSource = 43;
constexpr int kMcastUnblockSource = 44;
constexpr int kMcastLeaveGroup = 45;
constexpr int kMcastJoinSourceGroup = 46;
constexpr int kMcastLeaveSourceGroup = 47;
constexpr int kMcastMsfilter = socket::ipopt::kMcastMsfilter;    // 48
constexpr int kUnicastIf = socket::ipopt::kUnicastIf;            // 50
}  // namespace opt

// MCAST_INCLUDE / MCAST_EXCLUDE: also the index of the kernel's sfcount[].
constexpr int kModeInclude = 1;
constexpr int kModeExclude = 0;

constexpr std::uint16_t kAfInet = 2;

namespace size {
constexpr int kInAddr = 4;
constexpr int kIpMreq = 8;
constexpr int kIpMreqn = 12;
constexpr int kIpMreqSource = 12;
constexpr int kMsfilterHead = 16;  // IP_MSFILTER_SIZE(0)
constexpr int kSockaddrStorage = 128;
// struct group_req {u32 interface; (pad 4); sockaddr_storage group}
constexpr int kGroupReq = 136;
constexpr int kGroupReqGroup = 8;
// struct group_source_req {u32 interface; (pad 4); storage group; storage source}
constexpr int kGroupSourceReq = 264;
// struct group_filter {u32 interface; (pad 4); storage group; u32 fmode;
// u32 numsrc; storage slist[]}: GROUP_FILTER_SIZE(0) is 144.
constexpr int kGroupFilterHead = 144;
constexpr int kGroupFilterFmode = 136;
constexpr int kGroupFilterNumsrc = 140;
}  // namespace size

constexpr std::int64_t msfilter_size(std::int64_t numsrc) { return size::kMsfilterHead + 4 * numsrc; }
constexpr std::int64_t group_filter_size(std::int64_t numsrc) {
  return size::kGroupFilterHead + size::kSockaddrStorage * numsrc;
}

}  // namespace ipc::stack::mcast
