#include "stack/wire/tcp.hpp"

#include <cstring>

namespace ipc::stack::wire {

namespace opt = tcp::option;

std::optional<TcpOption> TcpOptionReader::next() {
  if (done_ || pos_ >= area_.size()) {
    done_ = true;
    return std::nullopt;
  }
  const std::size_t at = pos_;
  TcpOption o;
  o.type = area_[at];
  o.offset = at;
  if (o.type == opt::kEndOfList || o.type == opt::kNoOperation) {
    o.kind = o.type == opt::kEndOfList ? TcpOptionKind::kEndOfList : TcpOptionKind::kNoOperation;
    o.raw = area_.subspan(at, 1);
    pos_ = at + 1;
    if (o.type == opt::kEndOfList) done_ = true;
    return o;
  }
  const std::size_t left = area_.size() - at;
  std::size_t len = left >= 2 ? area_[at + 1] : 0;
  if (left < 2 || len < 2 || len > left) {
    done_ = true;
    malformed_ = true;
    error_offset_ = at;
    return std::nullopt;
  }
  o.raw = area_.subspan(at, len);
  o.data = o.raw.subspan(2);
  o.kind = TcpOptionKind::kUnknown;
  switch (o.type) {
    case opt::kMss:
      if (len == opt::kMssLen) {
        o.kind = TcpOptionKind::kMss;
        o.mss = bytes::get16(o.raw, 2);
      }
      break;
    case opt::kWindowScale:
      if (len == opt::kWindowScaleLen) {
        o.kind = TcpOptionKind::kWindowScale;
        o.window_scale = o.raw[2];
      }
      break;
    case opt::kSackPermitted:
      if (len == opt::kSackPermittedLen) o.kind = TcpOptionKind::kSackPermitted;
      break;
    case opt::kSack:
      if (len >= 2 + opt::kSackBlockLen && (len - 2) % opt::kSackBlockLen == 0) o.kind = TcpOptionKind::kSack;
      break;
    case opt::kTimestamps:
      if (len == opt::kTimestampsLen) {
        o.kind = TcpOptionKind::kTimestamps;
        o.ts_val = bytes::get32(o.raw, 2);
        o.ts_ecr = bytes::get32(o.raw, 6);
      }
      break;
    default:
      break;
  }
  pos_ = at + len;
  return o;
}

Result<TcpRepr> TcpRepr::parse(const TcpPacket& p, Ipv4Address src, Ipv4Address dst, ChecksumPolicy policy) {
  if (policy == ChecksumPolicy::kVerify && !p.verify_checksum(src, dst)) return Error::kBadChecksum;
  TcpRepr r;
  r.src_port = p.src_port();
  r.dst_port = p.dst_port();
  r.seq = p.seq();
  r.ack = p.ack();
  r.flags = p.flags();
  r.window = p.window();
  r.urgent = p.urgent();
  r.payload = p.payload();
  TcpOptionReader reader(p.options());
  while (auto o = reader.next()) {
    switch (o->kind) {
      case TcpOptionKind::kMss: r.mss = o->mss; break;
      case TcpOptionKind::kWindowScale: r.window_scale = o->window_scale; break;
      case TcpOptionKind::kSackPermitted: r.sack_permitted = true; break;
      case TcpOptionKind::kTimestamps: r.timestamps = TcpTimestamps{o->ts_val, o->ts_ecr}; break;
      case TcpOptionKind::kSack:
        r.sack_blocks.clear();
        for (std::size_t i = 0; i < o->sack_block_count(); ++i) r.sack_blocks.push_back(o->sack_block(i));
        break;
      default: break;
    }
  }
  return r;
}

std::size_t TcpRepr::options_len() const {
  std::size_t n = 0;
  if (mss) n += 4;
  if (timestamps) n += 12;             // [SACKPERM | NOP NOP] TS
  else if (sack_permitted) n += 4;     // NOP NOP SACKPERM
  if (window_scale) n += 4;            // NOP WS
  if (!sack_blocks.empty()) n += 4 + 8 * sack_blocks.size();  // NOP NOP SACK
  return n;
}

Result<std::size_t> TcpRepr::emit(std::span<std::uint8_t> out, Ipv4Address src, Ipv4Address dst) const {
  const std::size_t hlen = header_len();
  const std::size_t len = buffer_len();
  if (hlen > tcp::kMaxHeaderLen || len > 0xffff) return Error::kUnrepresentable;
  if (out.size() < len) return Error::kBufferTooSmall;
  auto seg = out.first(len);
  if (!payload.empty()) std::memmove(seg.data() + hlen, payload.data(), payload.size());
  auto p = MutableTcpPacket::prepare(seg, hlen);
  if (!p) return Error::kBufferTooSmall;
  p->set_src_port(src_port);
  p->set_dst_port(dst_port);
  p->set_seq(seq);
  p->set_ack(ack);
  p->set_flags(flags);
  p->set_window(window);
  p->set_urgent(urgent);

  std::size_t at = tcp::field::kOptions;
  auto put = [&](std::uint8_t b) { seg[at++] = b; };
  if (mss) {
    put(opt::kMss);
    put(opt::kMssLen);
    bytes::put16(seg, at, *mss);
    at += 2;
  }
  if (timestamps) {
    if (sack_permitted) {
      put(opt::kSackPermitted);
      put(opt::kSackPermittedLen);
    } else {
      put(opt::kNoOperation);
      put(opt::kNoOperation);
    }
    put(opt::kTimestamps);
    put(opt::kTimestampsLen);
    bytes::put32(seg, at, timestamps->val);
    bytes::put32(seg, at + 4, timestamps->ecr);
    at += 8;
  } else if (sack_permitted) {
    put(opt::kNoOperation);
    put(opt::kNoOperation);
    put(opt::kSackPermitted);
    put(opt::kSackPermittedLen);
  }
  if (window_scale) {
    put(opt::kNoOperation);
    put(opt::kWindowScale);
    put(opt::kWindowScaleLen);
    put(*window_scale);
  }
  if (!sack_blocks.empty()) {
    put(opt::kNoOperation);
    put(opt::kNoOperation);
    put(opt::kSack);
    put(static_cast<std::uint8_t>(2 + 8 * sack_blocks.size()));
    for (const auto& s : sack_blocks) {
      bytes::put32(seg, at, s.left);
      bytes::put32(seg, at + 4, s.right);
      at += 8;
    }
  }
  p->fill_checksum(src, dst);
  return len;
}

}  // namespace ipc::stack::wire
