// ICMP errors this host receives: the checks of icmp_unreach / icmp_redirect
// / icmp_socket_deliver (net/ipv4/icmp.c), the errno each socket handler
// maps them to (icmp_err_convert; __udp4_lib_err in net/ipv4/udp.c, raw_err
// in net/ipv4/raw.c, ping_err in net/ipv4/ping.c), and what ip_icmp_error
// (net/ipv4/ip_sockglue.c) puts on the error queue.
//
// Delivery to sockets is the caller's; Linux's rules, per handler:
//  * UDP (__udp4_lib_err): the socket is found by the quoted datagram, as if
//    it were a reply (lookup of quoted dst:dport -> src:sport); none found ->
//    dropped, not even a PMTU update. Source quench and redirect: nothing.
//    Frag needed: the PMTU update (ipv4_sk_update_pmtu, see pmtu_cache.hpp),
//    then nothing more when the socket is IP_PMTUDISC_DONT. Then:
//      IP_RECVERR on  -> ip_icmp_error queues it (payload after the quoted UDP
//                        header, port = quoted dport) and sk_err = errno;
//      IP_RECVERR off -> sk_err = errno only if hard and the socket is
//                        connected (TCP_ESTABLISHED); otherwise nothing.
//  * raw (raw_icmp_error -> raw_err): every raw socket of the quoted protocol
//    matching the quoted addresses (raw_v4_match). Frag needed updates the
//    PMTU; redirect: nothing more. Then: neither IP_RECVERR nor connected ->
//    nothing; IP_RECVERR -> queued (payload = the quoted transport header on,
//    or the quoted IP header with IP_HDRINCL, port 0); sk_err = errno when
//    IP_RECVERR or hard. Source quench: nothing.
//  * ping (ping_err): the socket is found by the quoted echo identifier;
//    as UDP, except that source quench and redirect report EREMOTEIO (soft),
//    the payload starts at the quoted ICMP header, port 0.
// The queued entry (ip_recv_error): ee_origin SO_EE_ORIGIN_ICMP (2), ee_type,
// ee_code, ee_info = info, ee_data 0, offender = the error's IP source,
// msg_name = the quoted destination with the port above; IP_RECVTTL/TOS
// cmsgs on it describe the ICMP packet's own IP header.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <variant>
#include <vector>

#include "stack/icmp/settings.hpp"
#include "stack/wire/address.hpp"

namespace ipc::stack::icmp {

using wire::Ipv4Address;

// The offending datagram's header as quoted in the error, and its first 8
// transport bytes (all Linux guarantees a handler).
struct QuotedDatagram {
  Ipv4Address src;
  Ipv4Address dst;
  std::uint8_t protocol = 0;
  std::uint16_t ident = 0;
  std::uint8_t tos = 0;
  std::uint8_t ttl = 0;
  std::uint16_t total_len = 0;
  std::uint16_t flags_frag = 0;
  std::size_t header_len = 20;
  std::array<std::uint8_t, 8> transport{};

  std::uint16_t source_port() const { return static_cast<std::uint16_t>(transport[0] << 8 | transport[1]); }
  std::uint16_t dest_port() const { return static_cast<std::uint16_t>(transport[2] << 8 | transport[3]); }
  // A quoted ICMP message's type and echo identifier (ping_err's lookup key).
  std::uint8_t icmp_type() const { return transport[0]; }
  std::uint16_t echo_ident() const { return static_cast<std::uint16_t>(transport[4] << 8 | transport[5]); }
};

struct ReceivedIcmpError {
  std::uint8_t type = 0;
  std::uint8_t code = 0;
  // What the handlers get as `info` and ip_icmp_error puts in ee_info: the
  // next-hop MTU for frag needed (0 unless ip_no_pmtu_disc is 0 or 3), the
  // pointer for parameter problem, the gateway for redirect, else 0.
  std::uint32_t info = 0;
  Ipv4Address offender;          // the error's IP source
  std::uint8_t outer_ttl = 0;    // the error's own IP header, for IP_RECVTTL
  std::uint8_t outer_tos = 0;    // ... and IP_RECVTOS
  QuotedDatagram quoted;
  // The ICMP message, header included, to its end: ip_icmp_error's payload
  // is a suffix of it.
  std::vector<std::uint8_t> message;

  bool is_frag_needed() const { return type == 3 && code == 4; }
  // The bytes after the quoted IP header (raw_err's payload).
  std::span<const std::uint8_t> after_quoted_header() const;
  // The bytes after the quoted IP header and `transport_len` more (8 for
  // UDP's payload); empty when the message is shorter.
  std::span<const std::uint8_t> after_quoted_transport(std::size_t transport_len) const;
};

// Why a received error reaches no socket.
enum class ErrorDropped : std::uint8_t {
  kTooShort,          // < 20 quoted bytes (icmp_unreach / icmp_redirect)
  kBadQuotedHeader,   // quoted ihl < 5 (or not IPv4)
  kBadCode,           // dest unreachable code > 15
  kNoPmtuDisc,        // frag needed with ip_no_pmtu_disc 2 (or 3 for a non-TCP quote)
  kReassemblyTimeout, // time exceeded code 1 is never passed on
  kBogusBroadcast,    // about a broadcast destination with icmp_ignore_bogus_error_responses 0
  kQuoteTooShort,     // quoted header + 8 bytes missing (icmp_socket_deliver)
  kNotAnError,        // not type 3, 4, 5, 11 or 12
};
const char* to_string(ErrorDropped);

using ErrorParse = std::variant<ReceivedIcmpError, ErrorDropped>;

// icmp_unreach (types 3, 4, 11, 12) and icmp_redirect (5), then
// icmp_socket_deliver's length check. `icmp_message`: the ICMP message (the
// IP payload) whose checksum icmp_rcv has verified. `quoted_dst_is_broadcast`:
// inet_addr_type_dev_table(in dev, quoted dst) == RTN_BROADCAST.
ErrorParse parse_icmp_error(std::span<const std::uint8_t> icmp_message, Ipv4Address offender,
                            std::uint8_t outer_ttl, std::uint8_t outer_tos, const IcmpSettings& settings,
                            bool quoted_dst_is_broadcast);

// The errno and hardness a socket handler gives an error.
enum class SocketKind : std::uint8_t { kUdp, kRaw, kPing };
struct SocketError {
  int err = 0;       // positive errno (ee_errno, sk_err)
  bool hard = false; // "harderr": reported without IP_RECVERR on a connected socket
};
// nullopt: the handler stops there (UDP source quench/redirect, UDP/ping frag
// needed on an IP_PMTUDISC_DONT socket, raw source quench/redirect).
std::optional<SocketError> socket_error(SocketKind, const ReceivedIcmpError&, bool pmtudisc_dont);

// icmp_err_convert[code] for dest unreachable codes 0..15.
SocketError icmp_err_convert(std::uint8_t code);

// The data ip_icmp_error queues for a handler (the suffix of the message
// from its payload pointer). Raw with IP_HDRINCL starts at the quoted header.
std::span<const std::uint8_t> errqueue_payload(const ReceivedIcmpError&, SocketKind, bool hdrincl = false);

// ip_icmp_error_rfc4884 for a socket with IP_RECVERR_RFC4884: the extension
// structure's offset within the queued payload (ee_rfc4884.len; 0 = none)
// and SO_EE_RFC4884_FLAG_INVALID.
struct Rfc4884Info {
  std::uint16_t len = 0;
  bool invalid = false;
  friend bool operator==(const Rfc4884Info&, const Rfc4884Info&) = default;
};
Rfc4884Info rfc4884_info(const ReceivedIcmpError&, SocketKind, bool hdrincl = false);

}  // namespace ipc::stack::icmp
