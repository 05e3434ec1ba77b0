// Socket addresses: probe-protocol objects <-> sockaddr bytes.
//
//   {"family": 2, "addr": "192.0.2.1", "port": 5000}   (a sockaddr_in layout)
//   {"raw": "<hex>"}                                    (exact bytes; wins over the rest)
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <optional>
#include <vector>

#include <nlohmann/json.hpp>

#include "reply.hpp"

namespace ipconform::probe {

// An address argument for bind/connect/sendto.
struct SockaddrArg {
  std::vector<std::uint8_t> bytes;  // never shorter than sockaddr_storage
  socklen_t len = 0;                // passed through as given, even if bogus

  const sockaddr* ptr() const { return reinterpret_cast<const sockaddr*>(bytes.data()); }
};

// Builds the argument from a request's address object. `addrlen` overrides
// the default length (16 for the object form, the byte count for raw).
// Throws ProtocolError on a malformed object.
SockaddrArg encode_sockaddr(const nlohmann::json& addr, std::optional<socklen_t> addrlen);

// A buffer for calls that write an address back (accept, getsockname,
// getpeername, recvfrom).
struct SockaddrOut {
  explicit SockaddrOut(socklen_t declared_len) : declared(declared_len), len(declared_len) {}

  sockaddr* ptr() { return reinterpret_cast<sockaddr*>(&storage); }
  socklen_t* len_ptr() { return &len; }

  // The address object for what the kernel wrote: null when it wrote a
  // length of 0; {family, addr, port} for a complete-enough AF_INET address;
  // otherwise {family, raw}. Only bytes the kernel can have written (the
  // smaller of the declared and the returned length) are decoded.
  Json decode() const;
  // The length as written back, as the C int the kernel stores.
  int returned_len() const { return static_cast<int>(len); }

  sockaddr_storage storage{};
  socklen_t declared;
  socklen_t len;
};

}  // namespace ipconform::probe
