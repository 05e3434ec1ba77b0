// Argument helpers shared by the socket and message op handlers.
#pragma once

#include <sys/socket.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "reply.hpp"
#include "request.hpp"
#include "sockaddr_codec.hpp"

namespace ipconform::probe {

// The most the probe allocates for a buffer whose size a request declares;
// a larger declared size is still passed to the kernel unchanged.
inline constexpr std::int64_t kMaxBuffer = 65536;
inline constexpr socklen_t kDefaultAddrlen = 16;

inline std::size_t alloc_size(std::int64_t declared) {
  return static_cast<std::size_t>(std::clamp<std::int64_t>(declared, 0, kMaxBuffer));
}

inline std::optional<socklen_t> opt_addrlen(const Request& req) {
  const auto len = req.opt_c_int("addrlen");
  if (!len) return std::nullopt;
  return static_cast<socklen_t>(*len);
}

// Sets `addr` (decoded, or null if the call failed) and `addrlen`.
inline void add_address(Reply& reply, const SockaddrOut& out, bool succeeded) {
  reply.fields["addr"] = succeeded ? out.decode() : Json(nullptr);
  reply.fields["addrlen"] = out.returned_len();
}

}  // namespace ipconform::probe
