// sockaddr_in values for the syscall-edge tests.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstdint>

namespace ipc::stack::api::testing {

inline sockaddr_in addr(const char* a, int port) {
  sockaddr_in s{};
  s.sin_family = AF_INET;
  s.sin_port = htons(static_cast<std::uint16_t>(port));
  s.sin_addr.s_addr = ::inet_addr(a);
  return s;
}

inline const sockaddr* sa(const sockaddr_in& s) { return reinterpret_cast<const sockaddr*>(&s); }

}  // namespace ipc::stack::api::testing
