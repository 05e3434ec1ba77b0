// Linux x86-64 ABI constants the cases name symbolically.
//
// Cases say "IP_TTL" or "SOCK_DGRAM"; the probe protocol carries numbers. The
// numbers are the kernel's UAPI values (include/uapi/linux/in.h, socket.h,
// asm-generic/socket.h), written out here rather than taken from the libc
// headers so that the oracle's view of the ABI does not depend on which libc
// built it, and so third-party targets get the same numbers.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ipc::abi {

// A family of related symbols: "level", "option", "type", ... Lookups accept
// either a known symbol or a decimal number.
enum class Space {
  Family,     // AF_*
  SockType,   // SOCK_* (type and the NONBLOCK/CLOEXEC flags)
  Protocol,   // IPPROTO_*
  Level,      // SOL_*, IPPROTO_* as socket option levels
  MsgFlag,    // MSG_*
  Shutdown,   // SHUT_*
  Ioctl,      // FIONREAD, SIOC*
  Constant,   // value symbols usable as option values: IP_PMTUDISC_*, MCAST_*, IPTOS_*
  Poll,       // POLLIN, POLLERR, ...
};

std::optional<std::int64_t> lookup(Space space, std::string_view symbol);

// Socket option names depend on the level: 2 is IP_TTL at IPPROTO_IP and
// SO_REUSEADDR at SOL_SOCKET.
std::optional<int> option(int level, std::string_view name);
// The symbolic name of a level/option pair, for readable call texts.
std::string option_name(int level, int name);
std::string level_name(int level);

// "SOCK_DGRAM|SOCK_NONBLOCK" or "MSG_PEEK|MSG_DONTWAIT": each part a symbol or
// number of the space, OR-ed together.
std::optional<std::int64_t> lookup_flags(Space space, std::string_view expr);

// Errno names as Linux spells them ("EINVAL"); numbers from the C library of
// the machine that runs the oracle, which is Linux.
std::optional<int> errno_number(std::string_view name);
bool is_errno_name(std::string_view name);

// Capability names (CAP_NET_ADMIN ...), for validating cases.
bool is_capability_name(std::string_view name);

// Every symbol of a space, for diagnostics ("did you mean").
std::vector<std::string> symbols(Space space);

}  // namespace ipc::abi
