#include "stack/socket/sockopt_int.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace ipc::stack::socket {

SockoptInt read_int_or_char(std::span<const std::uint8_t> optval, int optlen) {
  SockoptInt r;
  if (optlen >= static_cast<int>(sizeof(int))) {
    if (optval.size() < sizeof(int)) return {EFAULT, 0};
    std::memcpy(&r.val, optval.data(), sizeof(int));
  } else if (optlen >= 1) {
    if (optval.empty()) return {EFAULT, 0};
    r.val = static_cast<int>(optval[0]);
  }
  return r;
}

SockoptOut write_int(int val, int len) {
  SockoptOut out;
  if (len < static_cast<int>(sizeof(int)) && len > 0 && val >= 0 && val <= 255) {
    out.value.push_back(static_cast<std::uint8_t>(val));
    out.optlen = 1;
    return out;
  }
  out.optlen = std::min(static_cast<int>(sizeof(int)), len);
  out.value.resize(static_cast<std::size_t>(out.optlen));
  // memcpy with a null pointer is undefined even for 0 bytes (optlen 0).
  if (!out.value.empty()) std::memcpy(out.value.data(), &val, out.value.size());
  return out;
}

}  // namespace ipc::stack::socket
