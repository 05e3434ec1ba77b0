#include "stack/icmp/icmp_error.hpp"

#include <cerrno>

#include "stack/wire/bytes.hpp"
#include "stack/wire/checksum.hpp"
#include "stack/wire/icmp.hpp"
#include "stack/wire/ipv4.hpp"

namespace ipc::stack::icmp {

namespace {
namespace type = wire::icmp::type;
constexpr std::uint8_t kNrIcmpUnreach = 15;  // NR_ICMP_UNREACH
constexpr std::size_t kRfc4884MinOriginal = 128;  // RFC 4884: the original datagram field is >= 128 bytes
constexpr std::size_t kExtHeaderLen = 4;           // struct icmp_ext_hdr
constexpr std::size_t kExtObjectHeaderLen = 4;     // struct icmp_extobj_hdr

std::size_t payload_offset(const ReceivedIcmpError& e, SocketKind kind, bool hdrincl) {
  const std::size_t quoted_ip = wire::icmp::kHeaderLen;
  const std::size_t after_header = quoted_ip + e.quoted.header_len;
  switch (kind) {
    case SocketKind::kUdp: return after_header + 8;  // (u8 *)(uh + 1)
    case SocketKind::kRaw: return hdrincl ? quoted_ip : after_header;
    case SocketKind::kPing: return after_header;     // (u8 *)icmph of the quoted echo
  }
  return after_header;
}

std::span<const std::uint8_t> suffix(const std::vector<std::uint8_t>& v, std::size_t off) {
  if (off >= v.size()) return {};
  return std::span<const std::uint8_t>(v).subspan(off);
}

// ip_icmp_error_rfc4884_validate on the payload `p` with the extension at `off`.
bool rfc4884_valid(std::span<const std::uint8_t> p, std::size_t off) {
  if (off + kExtHeaderLen > p.size()) return false;
  if ((p[off] >> 4) != 2) return true;  // not version 2: not checked further
  if (wire::bytes::get16(p, off + 2) != 0 && wire::internet_checksum(p.subspan(off)) != 0) return false;
  off += kExtHeaderLen;
  while (off < p.size()) {
    if (off + kExtObjectHeaderLen > p.size()) return false;
    std::size_t olen = wire::bytes::get16(p, off);
    if (olen < kExtObjectHeaderLen) return false;
    off += olen;
    if (off > p.size()) return false;
  }
  return true;
}
}  // namespace

const char* to_string(ErrorDropped d) {
  switch (d) {
    case ErrorDropped::kTooShort: return "too-short";
    case ErrorDropped::kBadQuotedHeader: return "bad-quoted-header";
    case ErrorDropped::kBadCode: return "bad-code";
    case ErrorDropped::kNoPmtuDisc: return "no-pmtu-disc";
    case ErrorDropped::kReassemblyTimeout: return "reassembly-timeout";
    case ErrorDropped::kBogusBroadcast: return "bogus-broadcast";
    case ErrorDropped::kQuoteTooShort: return "quote-too-short";
    case ErrorDropped::kNotAnError: return "not-an-error";
  }
  return "?";
}

std::span<const std::uint8_t> ReceivedIcmpError::after_quoted_header() const {
  return suffix(message, wire::icmp::kHeaderLen + quoted.header_len);
}

std::span<const std::uint8_t> ReceivedIcmpError::after_quoted_transport(std::size_t transport_len) const {
  return suffix(message, wire::icmp::kHeaderLen + quoted.header_len + transport_len);
}

ErrorParse parse_icmp_error(std::span<const std::uint8_t> icmp_message, Ipv4Address offender,
                            std::uint8_t outer_ttl, std::uint8_t outer_tos, const IcmpSettings& settings,
                            bool quoted_dst_is_broadcast) {
  auto msg = wire::IcmpPacket::check(icmp_message);
  if (!msg) return ErrorDropped::kTooShort;
  const std::uint8_t t = msg->type();
  const std::uint8_t code = msg->code();
  const bool unreach_family =
      t == type::kDestUnreachable || t == type::kSourceQuench || t == type::kTimeExceeded || t == type::kParameterProblem;
  if (!unreach_family && t != type::kRedirect) return ErrorDropped::kNotAnError;

  // "Incomplete header?": only the 20-byte IP header is required here.
  auto data = msg->data();
  if (data.size() < wire::ipv4::kMinHeaderLen) return ErrorDropped::kTooShort;
  // Linux checks only ihl >= 5 (icmp_unreach), not the version; this model
  // also refuses a quoted version other than 4. A header longer than the
  // quote fails icmp_socket_deliver's length check below.
  auto quoted = wire::Ipv4Packet::check_quoted(data);
  if (!quoted) {
    if (quoted.error() == wire::Error::kTruncated) return ErrorDropped::kQuoteTooShort;
    return ErrorDropped::kBadQuotedHeader;
  }

  std::uint32_t info = 0;
  if (t == type::kRedirect) {
    info = msg->rest();  // icmp_redirect: the gateway
  } else {
    switch (t) {
      case type::kDestUnreachable:
        if ((code & 15) == wire::icmp::unreach::kFragNeeded) {
          switch (settings.ip_no_pmtu_disc) {
            case 0:
              info = msg->next_hop_mtu();
              break;
            case 2:
              return ErrorDropped::kNoPmtuDisc;
            case 3:
              // Only protocols with icmp_strict_tag_validation (TCP).
              if (quoted->protocol() != wire::ipproto::kTcp) return ErrorDropped::kNoPmtuDisc;
              info = msg->next_hop_mtu();
              break;
            default:
              break;  // 1: passed on with info 0
          }
        }
        if (code > kNrIcmpUnreach) return ErrorDropped::kBadCode;
        break;
      case type::kParameterProblem:
        info = msg->rest() >> 24;
        break;
      case type::kTimeExceeded:
        if (code == wire::icmp::time_exceeded::kReassembly) return ErrorDropped::kReassemblyTimeout;
        break;
      default:
        break;
    }
    // Errors about a broadcast destination are dropped when
    // icmp_ignore_bogus_error_responses is 0 (the code warns and drops; with
    // the default 1 they are passed on).
    if (!settings.ignore_bogus_error_responses && quoted_dst_is_broadcast) return ErrorDropped::kBogusBroadcast;
  }
  // icmp_socket_deliver: the quoted header and 8 transport bytes.
  if (data.size() < quoted->header_len() + 8) return ErrorDropped::kQuoteTooShort;

  ReceivedIcmpError e;
  e.type = t;
  e.code = code;
  e.info = info;
  e.offender = offender;
  e.outer_ttl = outer_ttl;
  e.outer_tos = outer_tos;
  e.quoted.src = quoted->src();
  e.quoted.dst = quoted->dst();
  e.quoted.protocol = quoted->protocol();
  e.quoted.ident = quoted->ident();
  e.quoted.tos = quoted->tos();
  e.quoted.ttl = quoted->ttl();
  e.quoted.total_len = quoted->total_len();
  e.quoted.flags_frag = quoted->flags_frag();
  e.quoted.header_len = quoted->header_len();
  std::copy_n(quoted->payload().begin(), 8, e.quoted.transport.begin());
  e.message.assign(icmp_message.begin(), icmp_message.end());
  return e;
}

SocketError icmp_err_convert(std::uint8_t code) {
  // RFC 1122 3.2.2.1: net/host unreachable and source route failed are
  // transient ("fatal" 0).
  static constexpr SocketError kTable[16] = {
      {ENETUNREACH, false},   // 0 net unreachable
      {EHOSTUNREACH, false},  // 1 host unreachable
      {ENOPROTOOPT, true},    // 2 protocol unreachable
      {ECONNREFUSED, true},   // 3 port unreachable
      {EMSGSIZE, false},      // 4 frag needed
      {EOPNOTSUPP, false},    // 5 source route failed
      {ENETUNREACH, true},    // 6 net unknown
      {EHOSTDOWN, true},      // 7 host unknown
      {ENONET, true},         // 8 host isolated
      {ENETUNREACH, true},    // 9 net prohibited
      {EHOSTUNREACH, true},   // 10 host prohibited
      {ENETUNREACH, false},   // 11 net unreachable for TOS
      {EHOSTUNREACH, false},  // 12 host unreachable for TOS
      {EHOSTUNREACH, true},   // 13 communication prohibited (filtered)
      {EHOSTUNREACH, true},   // 14 precedence violation
      {EHOSTUNREACH, true},   // 15 precedence cutoff
  };
  if (code > kNrIcmpUnreach) return {EHOSTUNREACH, false};
  return kTable[code];
}

std::optional<SocketError> socket_error(SocketKind kind, const ReceivedIcmpError& e, bool pmtudisc_dont) {
  switch (e.type) {
    case type::kSourceQuench:
      // ping_err: "not a real error but ping wants to see it".
      if (kind == SocketKind::kPing) return SocketError{EREMOTEIO, false};
      return std::nullopt;
    case type::kRedirect:
      if (kind == SocketKind::kPing) return SocketError{EREMOTEIO, false};
      return std::nullopt;
    case type::kParameterProblem:
      return SocketError{EPROTO, true};
    case type::kDestUnreachable:
      if (e.code == wire::icmp::unreach::kFragNeeded) {
        // raw_err reports EMSGSIZE in every mode, hard unless DONT; UDP and
        // ping stop after the PMTU update on a DONT socket.
        if (kind == SocketKind::kRaw) return SocketError{EMSGSIZE, !pmtudisc_dont};
        if (pmtudisc_dont) return std::nullopt;
        return SocketError{EMSGSIZE, true};
      }
      return icmp_err_convert(e.code);
    case type::kTimeExceeded:
    default:
      return SocketError{EHOSTUNREACH, false};
  }
}

std::span<const std::uint8_t> errqueue_payload(const ReceivedIcmpError& e, SocketKind kind, bool hdrincl) {
  return suffix(e.message, payload_offset(e, kind, hdrincl));
}

Rfc4884Info rfc4884_info(const ReceivedIcmpError& e, SocketKind kind, bool hdrincl) {
  // ipv4_icmp_error_rfc4884: only these types carry the length field.
  if (e.type != type::kDestUnreachable && e.type != type::kTimeExceeded && e.type != type::kParameterProblem)
    return {};
  const std::size_t payload_at = payload_offset(e, kind, hdrincl);
  if (payload_at > e.message.size()) return {};
  // The length, in 32-bit words, of the original datagram field (octet 5).
  std::size_t off = std::size_t{e.message[5]} * 4;
  const std::size_t hlen = payload_at - wire::icmp::kHeaderLen;  // headers the kernel stripped
  if (off < kRfc4884MinOriginal || off < hlen) return {};
  off -= hlen;
  auto payload = suffix(e.message, payload_at);
  if (off + kExtHeaderLen > payload.size()) return {};
  return Rfc4884Info{static_cast<std::uint16_t>(off), !rfc4884_valid(payload, off)};
}

}  // namespace ipc::stack::icmp
