// Segment serialisation, the stateless reset, state names.
#include "stack/tcp/connection.hpp"

namespace ipc::stack::tcp {

std::vector<std::uint8_t> OutSegment::emit(Ipv4Address src, Ipv4Address dst) const {
  wire::TcpRepr h = hdr;
  h.payload = payload;
  std::vector<std::uint8_t> out(h.buffer_len());
  auto n = h.emit(out, src, dst);
  if (!n) return {};
  out.resize(*n);
  return out;
}

// tcp_v4_send_reset: never answer a RST; echo the ACK as our sequence when the
// segment had one, else acknowledge everything it occupied (SYN and FIN count).
std::optional<OutSegment> reset_for(const wire::TcpRepr& seg) {
  namespace f = wire::tcp::flag;
  if (seg.flags & f::kRst) return std::nullopt;
  OutSegment r;
  r.hdr.src_port = seg.dst_port;
  r.hdr.dst_port = seg.src_port;
  r.hdr.window = 0;
  r.reply = true;
  if (seg.flags & f::kAck) {
    r.hdr.seq = seg.ack;
    r.hdr.flags = f::kRst;
  } else {
    r.hdr.seq = 0;
    r.hdr.ack = seg.seq + static_cast<std::uint32_t>(seg.payload.size()) + ((seg.flags & f::kSyn) ? 1u : 0u) +
                ((seg.flags & f::kFin) ? 1u : 0u);
    r.hdr.flags = f::kRst | f::kAck;
  }
  return r;
}

const char* state_name(State s) {
  switch (s) {
    case State::Closed: return "CLOSED";
    case State::Listen: return "LISTEN";
    case State::SynSent: return "SYN_SENT";
    case State::SynReceived: return "SYN_RECV";
    case State::Established: return "ESTABLISHED";
    case State::FinWait1: return "FIN_WAIT1";
    case State::FinWait2: return "FIN_WAIT2";
    case State::CloseWait: return "CLOSE_WAIT";
    case State::Closing: return "CLOSING";
    case State::LastAck: return "LAST_ACK";
    case State::TimeWait: return "TIME_WAIT";
  }
  return "?";
}

}  // namespace ipc::stack::tcp
