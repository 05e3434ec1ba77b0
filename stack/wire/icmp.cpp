#include "stack/wire/icmp.hpp"

#include <cstring>

namespace ipc::stack::wire {

Result<IcmpRepr> IcmpRepr::parse(const IcmpPacket& p, ChecksumPolicy policy) {
  if (policy == ChecksumPolicy::kVerify && !p.verify_checksum()) return Error::kBadChecksum;
  auto data = p.data();
  switch (p.type()) {
    case icmp::type::kEchoReply:
    case icmp::type::kEchoRequest:
      // Linux accepts any code on echo (icmp_echo does not look at it); a
      // non-zero code is kept as "other" so that it round-trips.
      if (p.code() != 0) break;
      return IcmpRepr{IcmpEcho{p.type() == icmp::type::kEchoReply, p.echo_ident(), p.echo_seq(), data}};
    case icmp::type::kDestUnreachable:
      return IcmpRepr{IcmpDestUnreachable{
          p.code(), p.code() == icmp::unreach::kFragNeeded ? p.next_hop_mtu() : std::uint16_t{0}, data}};
    case icmp::type::kTimeExceeded:
      return IcmpRepr{IcmpTimeExceeded{p.code(), data}};
    case icmp::type::kParameterProblem:
      return IcmpRepr{IcmpParameterProblem{p.code(), p.pointer(), data}};
    case icmp::type::kRedirect:
      return IcmpRepr{IcmpRedirect{p.code(), p.gateway(), data}};
    default:
      break;
  }
  return IcmpRepr{IcmpOther{p.type(), p.code(), p.rest(), data}};
}

namespace {
template <class... F>
struct Overloaded : F... {
  using F::operator()...;
};
template <class... F>
Overloaded(F...) -> Overloaded<F...>;

struct Header {
  std::uint8_t type;
  std::uint8_t code;
  std::uint32_t rest;
};

Header header_of(const IcmpRepr& r) {
  return std::visit(
      Overloaded{
          [](const IcmpEcho& m) {
            return Header{m.reply ? icmp::type::kEchoReply : icmp::type::kEchoRequest, 0,
                          std::uint32_t{m.ident} << 16 | m.seq};
          },
          [](const IcmpDestUnreachable& m) {
            return Header{icmp::type::kDestUnreachable, m.code, std::uint32_t{m.next_hop_mtu}};
          },
          [](const IcmpTimeExceeded& m) { return Header{icmp::type::kTimeExceeded, m.code, 0}; },
          [](const IcmpParameterProblem& m) {
            return Header{icmp::type::kParameterProblem, m.code, std::uint32_t{m.pointer} << 24};
          },
          [](const IcmpRedirect& m) { return Header{icmp::type::kRedirect, m.code, m.gateway.to_u32()}; },
          [](const IcmpOther& m) { return Header{m.type, m.code, m.rest}; },
      },
      r.message);
}
}  // namespace

std::uint8_t IcmpRepr::type() const { return header_of(*this).type; }
std::uint8_t IcmpRepr::code() const { return header_of(*this).code; }
std::span<const std::uint8_t> IcmpRepr::data() const {
  return std::visit([](const auto& m) { return m.data; }, message);
}

Result<std::size_t> IcmpRepr::emit(std::span<std::uint8_t> out) const {
  const std::size_t len = buffer_len();
  if (out.size() < len) return Error::kBufferTooSmall;
  auto p = MutableIcmpPacket::check(out.first(len));
  if (!p) return Error::kBufferTooSmall;
  auto d = data();
  if (!d.empty()) std::memmove(out.data() + icmp::kHeaderLen, d.data(), d.size());
  Header h = header_of(*this);
  p->set_type(h.type);
  p->set_code(h.code);
  p->set_rest(h.rest);
  p->fill_checksum();
  return len;
}

}  // namespace ipc::stack::wire
