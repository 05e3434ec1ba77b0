// The Linux x86-64 ancillary-data ABI: struct cmsghdr {size_t cmsg_len;
// int cmsg_level; int cmsg_type;} (16 bytes, include/linux/socket.h),
// CMSG_ALIGN to sizeof(long), the level/type numbers the IPv4 and socket
// layers use, and the msg_flags bits recvmsg reports. Multi-byte fields of
// the structs the kernel copies out are host order (little-endian) unless
// they are addresses or ports, which are network order.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace ipc::stack::cmsg {

inline constexpr std::uint64_t kHdrLen = 16;  // sizeof(struct cmsghdr)
inline constexpr std::uint64_t kLenOffset = 0, kLevelOffset = 8, kTypeOffset = 12;

constexpr std::uint64_t cmsg_align(std::uint64_t n) { return (n + 7) & ~std::uint64_t{7}; }
constexpr std::uint64_t cmsg_len(std::uint64_t data_len) { return kHdrLen + data_len; }      // CMSG_LEN
constexpr std::uint64_t cmsg_space(std::uint64_t data_len) { return kHdrLen + cmsg_align(data_len); }  // CMSG_SPACE

// Levels.
inline constexpr int kSolIp = 0;
inline constexpr int kSolSocket = 1;
inline constexpr int kSolUdp = 17;

// SOL_IP cmsg types (include/uapi/linux/in.h).
inline constexpr int kIpTos = 1;
inline constexpr int kIpTtl = 2;
inline constexpr int kIpOptions = 4;
inline constexpr int kIpRecvOpts = 6;
inline constexpr int kIpRetOpts = 7;
inline constexpr int kIpPktinfo = 8;
inline constexpr int kIpRecvErr = 11;
inline constexpr int kScmSecurity = 3;  // IP_PASSSEC's cmsg type
inline constexpr int kIpOrigDstAddr = 20;
inline constexpr int kIpChecksum = 23;
inline constexpr int kIpRecvFragsize = 25;
inline constexpr int kIpProtocol = 52;

// SOL_SOCKET cmsg types (include/uapi/asm-generic/socket.h).
inline constexpr int kScmRights = 1;
inline constexpr int kScmCredentials = 2;
inline constexpr int kSoPriority = 12;
inline constexpr int kSoTimestampOld = 29;
inline constexpr int kSoTimestampNsOld = 35;
inline constexpr int kSoTimestampingOld = 37;
inline constexpr int kSoMark = 36;
inline constexpr int kSoRxqOvfl = 40;
inline constexpr int kScmTxtime = 61;
inline constexpr int kSoTimestampNew = 63;
inline constexpr int kSoTimestampNsNew = 64;
inline constexpr int kSoTimestampingNew = 65;
inline constexpr int kScmDevmemDmabuf = 79;
inline constexpr int kScmTsOptId = 81;

// SOL_UDP cmsg types.
inline constexpr int kUdpSegment = 103;

// msg_flags bits.
inline constexpr int kMsgCtrunc = 0x8;
inline constexpr int kMsgTrunc = 0x20;
inline constexpr int kMsgErrqueue = 0x2000;

// SOF_TIMESTAMPING_* bits (include/uapi/linux/net_tstamp.h).
inline constexpr std::uint32_t kTsTxHardware = 1u << 0, kTsTxSoftware = 1u << 1, kTsRxHardware = 1u << 2,
                               kTsRxSoftware = 1u << 3, kTsSoftware = 1u << 4, kTsRawHardware = 1u << 6,
                               kTsOptId = 1u << 7, kTsTxSched = 1u << 8, kTsTxAck = 1u << 9,
                               kTsOptCmsg = 1u << 10, kTsOptRxFilter = 1u << 17, kTsTxCompletion = 1u << 18;

inline constexpr std::uint16_t kAfUnspec = 0, kAfInet = 2;

// Host-order (little-endian) field access at byte offsets.
inline void put_le16(std::span<std::uint8_t> b, std::size_t off, std::uint16_t v) {
  b[off] = static_cast<std::uint8_t>(v);
  b[off + 1] = static_cast<std::uint8_t>(v >> 8);
}
inline void put_le32(std::span<std::uint8_t> b, std::size_t off, std::uint32_t v) {
  for (std::size_t i = 0; i < 4; ++i) b[off + i] = static_cast<std::uint8_t>(v >> (8 * i));
}
inline void put_le64(std::span<std::uint8_t> b, std::size_t off, std::uint64_t v) {
  for (std::size_t i = 0; i < 8; ++i) b[off + i] = static_cast<std::uint8_t>(v >> (8 * i));
}
inline std::uint16_t get_le16(std::span<const std::uint8_t> b, std::size_t off) {
  return static_cast<std::uint16_t>(b[off] | (b[off + 1] << 8));
}
inline std::uint32_t get_le32(std::span<const std::uint8_t> b, std::size_t off) {
  std::uint32_t v = 0;
  for (std::size_t i = 0; i < 4; ++i) v |= std::uint32_t{b[off + i]} << (8 * i);
  return v;
}
inline std::uint64_t get_le64(std::span<const std::uint8_t> b, std::size_t off) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < 8; ++i) v |= std::uint64_t{b[off + i]} << (8 * i);
  return v;
}

}  // namespace ipc::stack::cmsg
