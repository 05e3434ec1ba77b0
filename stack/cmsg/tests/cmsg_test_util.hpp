// Test helpers: hex strings, the exact bytes one native cmsg occupies, and the
// walk the suite's runner uses to decode a returned control buffer
// (docs/probe-protocol.md: step CMSG_ALIGN(cmsg_len) while a whole header
// fits in msg_controllen, stop after a cmsg_len shorter than a header, data
// clipped to msg_controllen).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "stack/cmsg/cmsg_abi.hpp"

namespace ipc::stack::cmsg::test {

inline std::vector<std::uint8_t> hex(const std::string& s) {
  std::vector<std::uint8_t> out;
  for (std::size_t i = 0; i + 1 < s.size(); i += 2)
    out.push_back(static_cast<std::uint8_t>(std::stoi(s.substr(i, 2), nullptr, 16)));
  return out;
}

inline std::string to_hex(const std::vector<std::uint8_t>& b) {
  static const char* d = "0123456789abcdef";
  std::string s;
  for (auto x : b) {
    s += d[x >> 4];
    s += d[x & 15];
  }
  return s;
}

// A bare cmsghdr with the given cmsg_len.
inline std::vector<std::uint8_t> header(std::uint64_t len, int level, int type) {
  std::vector<std::uint8_t> b(kHdrLen, 0);
  put_le64(b, kLenOffset, len);
  put_le32(b, kLevelOffset, static_cast<std::uint32_t>(level));
  put_le32(b, kTypeOffset, static_cast<std::uint32_t>(type));
  return b;
}

// A whole cmsg: header (cmsg_len = CMSG_LEN(data)), data, zero padding to CMSG_SPACE.
inline std::vector<std::uint8_t> cmsg_bytes(int level, int type, const std::vector<std::uint8_t>& data) {
  std::vector<std::uint8_t> b(cmsg_space(data.size()), 0);
  put_le64(b, kLenOffset, cmsg_len(data.size()));
  put_le32(b, kLevelOffset, static_cast<std::uint32_t>(level));
  put_le32(b, kTypeOffset, static_cast<std::uint32_t>(type));
  std::copy(data.begin(), data.end(), b.begin() + kHdrLen);
  return b;
}

inline std::vector<std::uint8_t> cat(std::initializer_list<std::vector<std::uint8_t>> parts) {
  std::vector<std::uint8_t> out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

inline std::vector<std::uint8_t> le32(std::uint32_t v) {
  std::vector<std::uint8_t> b(4);
  put_le32(b, 0, v);
  return b;
}

// in_pktinfo {ifindex, spec_dst, addr}; addresses as 8 hex digits.
inline std::vector<std::uint8_t> pktinfo(int ifindex, const std::string& spec_dst, const std::string& addr) {
  return cat({le32(static_cast<std::uint32_t>(ifindex)), hex(spec_dst), hex(addr)});
}

struct Decoded {
  int level, type;
  std::string data;  // hex
  bool operator==(const Decoded&) const = default;
};

inline std::vector<Decoded> decode(const std::vector<std::uint8_t>& ctl) {
  std::vector<Decoded> out;
  std::uint64_t pos = 0;
  while (pos + kHdrLen <= ctl.size()) {
    std::uint64_t len = get_le64(ctl, pos);
    int level = static_cast<int>(get_le32(ctl, pos + 8)), type = static_cast<int>(get_le32(ctl, pos + 12));
    std::uint64_t end = len < kHdrLen ? pos + kHdrLen : std::min<std::uint64_t>(pos + len, ctl.size());
    out.push_back({level, type, to_hex(std::vector<std::uint8_t>(ctl.begin() + pos + kHdrLen, ctl.begin() + end))});
    if (len < kHdrLen) break;
    pos += cmsg_align(len);
  }
  return out;
}

}  // namespace ipc::stack::cmsg::test
