#include "stack/wire/ethernet.hpp"

namespace ipc::stack::wire {

EthernetRepr EthernetRepr::parse(const EthernetFrame& f) { return {f.src(), f.dst(), f.ethertype()}; }

Result<std::size_t> EthernetRepr::emit(std::span<std::uint8_t> out) const {
  auto f = MutableEthernetFrame::check(out);
  if (!f) return Error::kBufferTooSmall;
  f->set_dst(dst);
  f->set_src(src);
  f->set_ethertype(ethertype);
  return buffer_len();
}

}  // namespace ipc::stack::wire
