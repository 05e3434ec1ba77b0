#include "stack/wire/igmp.hpp"

#include <algorithm>

namespace ipc::stack::wire {

namespace f = igmp::field;

namespace {

Result<std::vector<Ipv4Address>> read_sources(std::span<const std::uint8_t> b, std::size_t at, std::size_t n) {
  if (n > (b.size() - std::min(at, b.size())) / 4) return Error::kTruncated;
  std::vector<Ipv4Address> out;
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i) out.push_back(Ipv4Address::from_bytes(b.subspan(at + 4 * i)));
  return out;
}

Result<IgmpRepr> parse_query(std::span<const std::uint8_t> b) {
  IgmpQuery q;
  q.max_resp_code = b[f::kMaxRespCode];
  q.group = Ipv4Address::from_bytes(b.subspan(f::kGroup));
  if (b.size() == igmp::kHeaderLen) {
    q.version = q.max_resp_code == 0 ? 1 : 2;
    return IgmpRepr{q};
  }
  if (b.size() < igmp::kV3QueryMinLen) return Error::kMalformed;
  q.version = 3;
  q.suppress_router_side = (b[f::kQueryFlags] & 0x08) != 0;
  q.qrv = b[f::kQueryFlags] & 0x07;
  q.qqic = b[f::kQqic];
  auto sources = read_sources(b, f::kSources, bytes::get16(b, f::kNumSources));
  if (!sources) return sources.error();
  q.sources = std::move(*sources);
  return IgmpRepr{q};
}

Result<IgmpRepr> parse_v3_report(std::span<const std::uint8_t> b) {
  IgmpV3Report r;
  std::size_t n = bytes::get16(b, f::kNumRecords);
  std::size_t at = f::kRecords;
  for (std::size_t i = 0; i < n; ++i) {
    if (b.size() - at < igmp::kRecordHeaderLen) return Error::kTruncated;
    auto rec = b.subspan(at);
    IgmpGroupRecord g;
    g.type = rec[f::kRecordType];
    g.group = Ipv4Address::from_bytes(rec.subspan(f::kRecordGroup));
    std::size_t nsrc = bytes::get16(rec, f::kRecordNumSources);
    std::size_t aux_len = std::size_t{rec[f::kRecordAuxLen]} * 4;
    auto sources = read_sources(rec, f::kRecordSources, nsrc);
    if (!sources) return sources.error();
    g.sources = std::move(*sources);
    std::size_t aux_at = f::kRecordSources + 4 * nsrc;
    if (rec.size() - aux_at < aux_len) return Error::kTruncated;
    auto aux = rec.subspan(aux_at, aux_len);
    g.aux.assign(aux.begin(), aux.end());
    r.records.push_back(std::move(g));
    at += aux_at + aux_len;
  }
  return IgmpRepr{std::move(r)};
}

}  // namespace

Result<IgmpRepr> IgmpRepr::parse(const IgmpPacket& p, ChecksumPolicy policy) {
  if (policy == ChecksumPolicy::kVerify && !p.verify_checksum()) return Error::kBadChecksum;
  auto b = p.bytes();
  switch (p.type()) {
    case igmp::type::kQuery:
      return parse_query(b);
    case igmp::type::kV1Report:
      return IgmpRepr{IgmpReport{1, p.group()}};
    case igmp::type::kV2Report:
      return IgmpRepr{IgmpReport{2, p.group()}};
    case igmp::type::kV2Leave:
      return IgmpRepr{IgmpLeave{p.group()}};
    case igmp::type::kV3Report:
      return parse_v3_report(b);
    default: {
      auto rest = b.subspan(4);
      return IgmpRepr{IgmpOther{p.type(), p.max_resp_code(), {rest.begin(), rest.end()}}};
    }
  }
}

std::size_t IgmpRepr::buffer_len() const {
  if (auto* q = std::get_if<IgmpQuery>(&message); q && q->version == 3)
    return igmp::kV3QueryMinLen + 4 * q->sources.size();
  if (auto* r = std::get_if<IgmpV3Report>(&message)) {
    std::size_t n = igmp::kHeaderLen;
    for (const auto& g : r->records) n += g.buffer_len();
    return n;
  }
  if (auto* o = std::get_if<IgmpOther>(&message)) return 4 + o->rest.size();
  return igmp::kHeaderLen;
}

namespace {

void write_sources(std::span<std::uint8_t> b, std::size_t at, const std::vector<Ipv4Address>& s) {
  for (std::size_t i = 0; i < s.size(); ++i) s[i].write(b.subspan(at + 4 * i));
}

bool representable(const IgmpRepr& r) {
  if (auto* q = std::get_if<IgmpQuery>(&r.message))
    return q->version >= 1 && q->version <= 3 && q->sources.size() <= 0xffff && q->qrv <= 7 &&
           (q->version == 3 || q->sources.empty()) && (q->version != 1 || q->max_resp_code == 0);
  if (auto* rep = std::get_if<IgmpReport>(&r.message)) return rep->version == 1 || rep->version == 2;
  if (auto* v3 = std::get_if<IgmpV3Report>(&r.message)) {
    if (v3->records.size() > 0xffff) return false;
    for (const auto& g : v3->records)
      if (g.sources.size() > 0xffff || g.aux.size() % 4 != 0 || g.aux.size() > 255 * 4) return false;
    return true;
  }
  if (auto* o = std::get_if<IgmpOther>(&r.message)) return o->rest.size() >= 4;
  return true;
}

}  // namespace

Result<std::size_t> IgmpRepr::emit(std::span<std::uint8_t> out) const {
  if (!representable(*this)) return Error::kUnrepresentable;
  const std::size_t len = buffer_len();
  if (out.size() < len) return Error::kBufferTooSmall;
  auto b = out.first(len);
  auto p = MutableIgmpPacket::check(b);
  if (!p) return Error::kBufferTooSmall;
  std::fill(b.begin(), b.end(), std::uint8_t{0});
  if (auto* q = std::get_if<IgmpQuery>(&message)) {
    p->set_type(igmp::type::kQuery);
    p->set_max_resp_code(q->max_resp_code);
    p->set_group(q->group);
    if (q->version == 3) {
      b[f::kQueryFlags] = static_cast<std::uint8_t>((q->suppress_router_side ? 0x08 : 0) | q->qrv);
      b[f::kQqic] = q->qqic;
      bytes::put16(b, f::kNumSources, static_cast<std::uint16_t>(q->sources.size()));
      write_sources(b, f::kSources, q->sources);
    }
  } else if (auto* r = std::get_if<IgmpReport>(&message)) {
    p->set_type(r->version == 1 ? igmp::type::kV1Report : igmp::type::kV2Report);
    p->set_group(r->group);
  } else if (auto* l = std::get_if<IgmpLeave>(&message)) {
    p->set_type(igmp::type::kV2Leave);
    p->set_group(l->group);
  } else if (auto* v3 = std::get_if<IgmpV3Report>(&message)) {
    p->set_type(igmp::type::kV3Report);
    bytes::put16(b, f::kNumRecords, static_cast<std::uint16_t>(v3->records.size()));
    std::size_t at = f::kRecords;
    for (const auto& g : v3->records) {
      auto rec = b.subspan(at);
      rec[f::kRecordType] = g.type;
      rec[f::kRecordAuxLen] = static_cast<std::uint8_t>(g.aux.size() / 4);
      bytes::put16(rec, f::kRecordNumSources, static_cast<std::uint16_t>(g.sources.size()));
      g.group.write(rec.subspan(f::kRecordGroup));
      write_sources(rec, f::kRecordSources, g.sources);
      std::copy(g.aux.begin(), g.aux.end(), rec.begin() + static_cast<std::ptrdiff_t>(f::kRecordSources + 4 * g.sources.size()));
      at += g.buffer_len();
    }
  } else if (auto* o = std::get_if<IgmpOther>(&message)) {
    p->set_type(o->type);
    p->set_max_resp_code(o->code);
    std::copy(o->rest.begin(), o->rest.end(), b.begin() + 4);
  }
  p->fill_checksum();
  return len;
}

}  // namespace ipc::stack::wire
