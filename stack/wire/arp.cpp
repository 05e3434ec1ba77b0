#include "stack/wire/arp.hpp"

namespace ipc::stack::wire {

ArpRepr ArpRepr::parse(const ArpPacket& p) {
  return {p.operation(), p.sender_hw(), p.sender_proto(), p.target_hw(), p.target_proto()};
}

Result<std::size_t> ArpRepr::emit(std::span<std::uint8_t> out) const {
  auto p = MutableArpPacket::prepare(out);
  if (!p) return Error::kBufferTooSmall;
  p->set_fixed_ethernet_ipv4();
  p->set_operation(operation);
  p->set_sender_hw(sender_hw);
  p->set_sender_proto(sender_proto);
  p->set_target_hw(target_hw);
  p->set_target_proto(target_proto);
  return buffer_len();
}

}  // namespace ipc::stack::wire
