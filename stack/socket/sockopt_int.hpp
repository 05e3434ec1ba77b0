// The integer conventions shared by Linux's IPPROTO_IP options
// (net/ipv4/ip_sockglue.c): how do_ip_setsockopt reads an int-or-char and how
// do_ip_getsockopt writes one back.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace ipc::stack::socket {

struct SockoptInt {
  int err = 0;  // EFAULT when optval is shorter than what is read
  int val = 0;
};

// do_ip_setsockopt: "if (optlen >= sizeof(int)) get an int; else if
// (optlen >= sizeof(char)) get an unsigned char"; optlen 0 leaves val 0
// ("If optlen==0, it is equivalent to val == 0"). The int is read in host
// byte order, as copy_from_sockptr does.
SockoptInt read_int_or_char(std::span<const std::uint8_t> optval, int optlen);

struct SockoptOut {
  std::vector<std::uint8_t> value;
  int optlen = 0;
};

// do_ip_getsockopt's tail: "if (len < sizeof(int) && len > 0 && val >= 0 &&
// val <= 255)" one unsigned char and optlen 1; otherwise min(sizeof(int), len)
// bytes of the int in host order (so 1500 with len 1 gives 0xdc). len >= 0.
SockoptOut write_int(int val, int len);

}  // namespace ipc::stack::socket
