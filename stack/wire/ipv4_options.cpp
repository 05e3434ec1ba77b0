#include "stack/wire/ipv4_options.hpp"

#include "stack/wire/bytes.hpp"

namespace ipc::stack::wire {

namespace opt = ipv4_option;

std::optional<Ipv4Option> Ipv4OptionReader::fail(std::size_t offset) {
  error_ = Ipv4OptionError{offset};
  done_ = true;
  return std::nullopt;
}

std::optional<Ipv4Option> Ipv4OptionReader::next() {
  if (done_ || pos_ >= area_.size()) {
    done_ = true;
    return std::nullopt;
  }
  const std::size_t at = pos_;
  const std::uint8_t type = area_[at];
  Ipv4Option o;
  o.type = type;
  o.offset = at;

  if (type == opt::kEndOfList || type == opt::kNoOperation) {
    o.kind = type == opt::kEndOfList ? Ipv4OptionKind::kEndOfList : Ipv4OptionKind::kNoOperation;
    o.raw = area_.subspan(at, 1);
    pos_ = at + 1;
    if (type == opt::kEndOfList) done_ = true;
    return o;
  }

  // Linux checks a repeated RR or TS before looking at its length.
  if (type == opt::kRecordRoute && seen_rr_) return fail(at);
  if (type == opt::kTimestamp && seen_ts_) return fail(at);

  const std::size_t left = area_.size() - at;
  if (left < 2) return fail(at);
  const std::size_t len = area_[at + opt::field::kLength];
  if (len < 2 || len > left) return fail(at);
  std::span<const std::uint8_t> b = area_.subspan(at, len);
  o.raw = b;

  switch (type) {
    case opt::kRecordRoute:
    case opt::kLooseSourceRoute:
    case opt::kStrictSourceRoute: {
      if (len < 3) return fail(at + opt::field::kLength);
      o.pointer = b[opt::field::kPointer];
      if (o.pointer < opt::kRouteMinPointer) return fail(at + opt::field::kPointer);
      if (type == opt::kRecordRoute) {
        // A pointer inside the option must leave room for one address.
        if (o.pointer <= len && o.pointer + 3u > len) return fail(at + opt::field::kPointer);
        seen_rr_ = true;
        o.kind = Ipv4OptionKind::kRecordRoute;
      } else {
        if (seen_srr_) return fail(at);
        seen_srr_ = true;
        o.kind = type == opt::kLooseSourceRoute ? Ipv4OptionKind::kLooseSourceRoute
                                                : Ipv4OptionKind::kStrictSourceRoute;
      }
      o.data = b.subspan(opt::field::kRouteData);
      break;
    }
    case opt::kTimestamp: {
      if (len < 4) return fail(at + opt::field::kLength);
      o.pointer = b[opt::field::kPointer];
      if (o.pointer < opt::kTsMinPointer) return fail(at + opt::field::kPointer);
      o.ts_overflow = b[opt::field::kTsFlags] >> 4;
      o.ts_flag = b[opt::field::kTsFlags] & 0x0f;
      if (o.pointer <= len) {
        if (o.pointer + 3u > len) return fail(at + opt::field::kPointer);
        if ((o.ts_flag == opt::kTsAndAddr || o.ts_flag == opt::kTsPrespec) && o.pointer + 7u > len)
          return fail(at + opt::field::kPointer);
      } else if (o.ts_overflow == 15) {
        return fail(at + opt::field::kTsFlags);
      }
      seen_ts_ = true;
      o.kind = Ipv4OptionKind::kTimestamp;
      o.data = b.subspan(opt::field::kTsData);
      break;
    }
    case opt::kRouterAlert:
      if (len < 4) return fail(at + opt::field::kLength);
      o.kind = Ipv4OptionKind::kRouterAlert;
      o.router_alert = bytes::get16(b, opt::field::kRaValue);
      break;
    default:
      o.kind = Ipv4OptionKind::kUnknown;
      o.data = b.subspan(2);
      break;
  }
  pos_ = at + len;
  return o;
}

std::optional<Ipv4OptionError> check_ipv4_options(std::span<const std::uint8_t> area) {
  Ipv4OptionReader r(area);
  while (r.next()) {
  }
  return r.error();
}

}  // namespace ipc::stack::wire
