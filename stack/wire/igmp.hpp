// IGMP: version 1 (RFC 1112 appendix I), version 2 (RFC 2236) and the
// version 3 query and report (RFC 3376 section 4).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <type_traits>
#include <variant>
#include <vector>

#include "stack/wire/address.hpp"
#include "stack/wire/bytes.hpp"
#include "stack/wire/checksum.hpp"
#include "stack/wire/error.hpp"
#include "stack/wire/ipv4.hpp"

namespace ipc::stack::wire {

namespace igmp {
namespace field {
constexpr std::size_t kType = 0;
constexpr std::size_t kMaxRespCode = 1;  // v1: unused (0); v2: tenths of a second; v3: RFC 3376 4.1.1 code
constexpr std::size_t kChecksum = 2;
constexpr std::size_t kGroup = 4;        // v1/v2 messages, v3 query
// v3 query (RFC 3376 4.1)
constexpr std::size_t kQueryFlags = 8;   // reserved (4 bits), S (1), QRV (3)
constexpr std::size_t kQqic = 9;
constexpr std::size_t kNumSources = 10;
constexpr std::size_t kSources = 12;
// v3 report (RFC 3376 4.2)
constexpr std::size_t kReportReserved = 4;
constexpr std::size_t kNumRecords = 6;
constexpr std::size_t kRecords = 8;
// within a group record
constexpr std::size_t kRecordType = 0;
constexpr std::size_t kRecordAuxLen = 1;  // in 32-bit words
constexpr std::size_t kRecordNumSources = 2;
constexpr std::size_t kRecordGroup = 4;
constexpr std::size_t kRecordSources = 8;
}  // namespace field
constexpr std::size_t kHeaderLen = 8;
constexpr std::size_t kV3QueryMinLen = 12;
constexpr std::size_t kRecordHeaderLen = 8;

namespace type {
constexpr std::uint8_t kQuery = 0x11;
constexpr std::uint8_t kV1Report = 0x12;
constexpr std::uint8_t kV2Report = 0x16;
constexpr std::uint8_t kV2Leave = 0x17;
constexpr std::uint8_t kV3Report = 0x22;
}  // namespace type

namespace record {
constexpr std::uint8_t kModeIsInclude = 1;
constexpr std::uint8_t kModeIsExclude = 2;
constexpr std::uint8_t kChangeToInclude = 3;
constexpr std::uint8_t kChangeToExclude = 4;
constexpr std::uint8_t kAllowNewSources = 5;
constexpr std::uint8_t kBlockOldSources = 6;
}  // namespace record

// RFC 3376 4.1.1 / 4.1.7: codes >= 128 are a floating point value
// (mant | 0x10) << (exp + 3). Used for Max Resp Code and QQIC.
constexpr std::uint32_t decode_v3_code(std::uint8_t code) {
  if (code < 128) return code;
  return (std::uint32_t{code & 0x0fu} | 0x10u) << (((code >> 4) & 0x07u) + 3);
}
}  // namespace igmp

template <class B>
class BasicIgmpPacket {
 public:
  // `buf` is the IP payload. Only the 8-byte common header is required here
  // (igmp_rcv); the v3 parts are checked by IgmpRepr::parse.
  static Result<BasicIgmpPacket> check(std::span<B> buf) {
    if (buf.size() < igmp::kHeaderLen) return Error::kTruncated;
    return BasicIgmpPacket(buf);
  }

  std::uint8_t type() const { return buf_[igmp::field::kType]; }
  std::uint8_t max_resp_code() const { return buf_[igmp::field::kMaxRespCode]; }
  std::uint16_t checksum() const { return bytes::get16(buf_, igmp::field::kChecksum); }
  Ipv4Address group() const { return Ipv4Address::from_bytes(buf_.subspan(igmp::field::kGroup)); }
  std::span<B> bytes() const { return buf_; }
  // Covers the whole IGMP message (RFC 3376 4.1.2).
  bool verify_checksum() const { return internet_checksum(buf_) == 0; }

  void set_type(std::uint8_t v) const requires(!std::is_const_v<B>) { buf_[igmp::field::kType] = v; }
  void set_max_resp_code(std::uint8_t v) const requires(!std::is_const_v<B>) { buf_[igmp::field::kMaxRespCode] = v; }
  void set_group(Ipv4Address a) const requires(!std::is_const_v<B>) { a.write(buf_.subspan(igmp::field::kGroup)); }
  void fill_checksum() const requires(!std::is_const_v<B>) {
    bytes::put16(buf_, igmp::field::kChecksum, 0);
    bytes::put16(buf_, igmp::field::kChecksum, internet_checksum(buf_));
  }

 private:
  explicit BasicIgmpPacket(std::span<B> buf) : buf_(buf) {}
  std::span<B> buf_;
};

using IgmpPacket = BasicIgmpPacket<const std::uint8_t>;
using MutableIgmpPacket = BasicIgmpPacket<std::uint8_t>;

// A membership query. The version follows from the length and code, as in
// RFC 3376 7.1 and Linux's igmp_heard_query: 8 bytes with code 0 is v1, 8
// bytes otherwise v2, 12 or more v3 (9..11 bytes: kMalformed; Linux ignores).
struct IgmpQuery {
  int version = 2;
  std::uint8_t max_resp_code = 0;
  Ipv4Address group;  // unspecified: a general query
  // v3 only:
  bool suppress_router_side = false;  // S flag
  std::uint8_t qrv = 0;               // 0..7
  std::uint8_t qqic = 0;
  std::vector<Ipv4Address> sources;

  // In tenths of a second. v1 queries carry none: RFC 2236 2.2 says to take 100.
  std::uint32_t max_resp_time_ds() const {
    if (version == 1) return 100;
    if (version == 2) return max_resp_code;
    return igmp::decode_v3_code(max_resp_code);
  }
  friend bool operator==(const IgmpQuery&, const IgmpQuery&) = default;
};

// v1 or v2 membership report.
struct IgmpReport {
  int version = 2;
  Ipv4Address group;
  friend bool operator==(const IgmpReport&, const IgmpReport&) = default;
};

struct IgmpLeave {
  Ipv4Address group;
  friend bool operator==(const IgmpLeave&, const IgmpLeave&) = default;
};

struct IgmpGroupRecord {
  std::uint8_t type = igmp::record::kModeIsExclude;
  Ipv4Address group;
  std::vector<Ipv4Address> sources;
  std::vector<std::uint8_t> aux;  // a multiple of 4 bytes (none defined by RFC 3376)
  std::size_t buffer_len() const { return igmp::kRecordHeaderLen + 4 * sources.size() + aux.size(); }
  friend bool operator==(const IgmpGroupRecord&, const IgmpGroupRecord&) = default;
};

struct IgmpV3Report {
  std::vector<IgmpGroupRecord> records;
  friend bool operator==(const IgmpV3Report&, const IgmpV3Report&) = default;
};

// Other types (e.g. DVMRP 0x13, PIM v1 0x14, mtrace) kept raw.
struct IgmpOther {
  std::uint8_t type = 0;
  std::uint8_t code = 0;
  std::vector<std::uint8_t> rest;  // after the checksum
  friend bool operator==(const IgmpOther&, const IgmpOther&) = default;
};

struct IgmpRepr {
  std::variant<IgmpQuery, IgmpReport, IgmpLeave, IgmpV3Report, IgmpOther> message;

  // Errors: kBadChecksum; kTruncated when source or record counts run past
  // the buffer; kMalformed for a 9..11-byte query.
  static Result<IgmpRepr> parse(const IgmpPacket& p, ChecksumPolicy policy = ChecksumPolicy::kVerify);
  std::size_t buffer_len() const;
  // kUnrepresentable: a v1 query/report with a version other than 1..3, more
  // than 65535 sources/records, aux data not a multiple of 4 or > 1020 bytes.
  Result<std::size_t> emit(std::span<std::uint8_t> out) const;

  friend bool operator==(const IgmpRepr&, const IgmpRepr&) = default;
};

}  // namespace ipc::stack::wire
