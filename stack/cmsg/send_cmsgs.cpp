#include "stack/cmsg/send_cmsgs.hpp"

#include <algorithm>
#include <cerrno>
#include <climits>

#include "stack/cmsg/cmsg_abi.hpp"
#include "stack/cmsg/cmsg_walk.hpp"

namespace ipc::stack::cmsg {
namespace {

// The 4-byte int/u32 at CMSG_DATA (callers checked cmsg_len == CMSG_LEN(4)).
std::uint32_t data_u32(std::span<const std::uint8_t> d) { return get_le32(d, 0); }

constexpr std::uint32_t kTcPrioInteractive = 6;

}  // namespace

std::uint32_t rt_tos2priority(std::uint8_t tos) {
  // ip_tos2prio[IPTOS_TOS(tos) >> 1], ECN_OR_COST(x) == TC_PRIO_x.
  static constexpr std::uint32_t kPrio[16] = {0, 0, 0, 0, 2, 2, 2, 2, 6, 6, 6, 6, 4, 4, 4, 4};
  return kPrio[(tos & 0x1e) >> 1];
}

IpcmCookie ipcm_init_sk(wire::Ipv4Address inet_saddr, int bound_dev_if, std::uint8_t inet_num,
                        std::uint32_t sk_mark, std::uint32_t sk_tsflags, std::uint32_t sk_priority) {
  IpcmCookie c;
  c.addr = inet_saddr;
  c.oif = bound_dev_if;
  c.protocol = inet_num;
  c.sockc.mark = sk_mark;
  c.sockc.tsflags = sk_tsflags;
  c.sockc.priority = sk_priority;
  return c;
}

int check_send_controllen(std::uint64_t controllen, std::uint64_t optmem_max, std::uint64_t omem_alloc) {
  // "if (msg_sys->msg_controllen > INT_MAX) goto out;" with err = -ENOBUFS.
  if (controllen > INT_MAX) return ENOBUFS;
  // "unsigned char ctl[sizeof(struct cmsghdr) + 20]": bigger buffers need
  // sock_kmalloc: "size <= optmem_max && sk_omem_alloc + size < optmem_max".
  if (controllen > kHdrLen + 20 && !(controllen <= optmem_max && omem_alloc + controllen < optmem_max))
    return ENOBUFS;
  return 0;
}

int sock_cmsg_send(int type, std::span<const std::uint8_t> data, std::uint64_t len, const SendFacts& f,
                   SockcmCookie& sockc) {
  switch (type) {
    case kSoMark:
      // Capability first, then the length.
      if (!f.cap_net_raw && !f.cap_net_admin) return EPERM;
      if (len != cmsg_len(4)) return EINVAL;
      sockc.mark = data_u32(data);
      return 0;
    case kSoTimestampingOld:
    case kSoTimestampingNew: {
      if (len != cmsg_len(4)) return EINVAL;
      std::uint32_t ts = data_u32(data);
      // Only the TX record bits may be given per message.
      if (ts & ~kTsTxRecordMask) return EINVAL;
      sockc.tsflags = (sockc.tsflags & ~kTsTxRecordMask) | ts;
      return 0;
    }
    case kScmTxtime:
      if (!f.txtime) return EINVAL;
      if (len != cmsg_len(8)) return EINVAL;
      sockc.transmit_time = get_le64(data, 0);
      return 0;
    case kScmTsOptId:
      if (f.is_tcp) return EINVAL;
      if (!(f.sk_tsflags & kTsOptId)) return EINVAL;
      if (len != cmsg_len(4)) return EINVAL;
      sockc.ts_opt_id = data_u32(data);
      sockc.tsflags |= kSockcmFlagTsOptId;
      return 0;
    case kScmRights:
    case kScmCredentials:
      // "SCM_RIGHTS and SCM_CREDENTIALS are semantically in SOL_UNIX": ignored.
      return 0;
    case kSoPriority:
      // Length first, then sk_set_prio_allowed: 0..TC_PRIO_INTERACTIVE or a capability.
      if (len != cmsg_len(4)) return EINVAL;
      if (data_u32(data) > kTcPrioInteractive && !f.cap_net_raw && !f.cap_net_admin) return EPERM;
      sockc.priority = data_u32(data);
      return 0;
    case kScmDevmemDmabuf:
      if (len != cmsg_len(4)) return EINVAL;
      sockc.dmabuf_id = data_u32(data);
      return 0;
    default:
      return EINVAL;
  }
}

int ip_cmsg_send(std::span<const std::uint8_t> control, const SendFacts& f, IpcmCookie& ipc) {
  CmsgWalker walk(control);
  while (auto c = walk.next()) {
    if (!c->ok) return EINVAL;  // "if (!CMSG_OK(msg, cmsg)) return -EINVAL;"
    if (c->level == kSolSocket) {
      if (int err = sock_cmsg_send(c->type, c->data, c->len, f, ipc.sockc)) return err;
      continue;
    }
    if (c->level != kSolIp) continue;  // other levels are skipped
    switch (c->type) {
      case kIpRetOpts: {
        // "err = cmsg->cmsg_len - sizeof(struct cmsghdr); ip_options_get(...,
        // err < 40 ? err : 40)": extra bytes past 40 are ignored, not refused.
        std::size_t n = std::min<std::size_t>(c->data.size(), 40);
        socket::CompiledIpOptions opt;
        if (int err = socket::ip_options_from_user(c->data.first(n), f.options_ctx, opt)) return err;
        ipc.opt = std::move(opt);  // a second IP_RETOPTS replaces the first
        break;
      }
      case kIpPktinfo:
        // Exactly CMSG_LEN(sizeof(struct in_pktinfo)); ipi_addr is ignored.
        if (c->len != cmsg_len(12)) return EINVAL;
        ipc.oif = static_cast<int>(get_le32(c->data, 0));
        ipc.addr = wire::Ipv4Address::from_bytes(c->data.subspan(4));
        break;
      case kIpTtl: {
        // Exactly an int, 1..255 (no -1 "default" as setsockopt has).
        if (c->len != cmsg_len(4)) return EINVAL;
        auto val = static_cast<std::int32_t>(get_le32(c->data, 0));
        if (val < 1 || val > 255) return EINVAL;
        ipc.ttl = static_cast<std::uint8_t>(val);
        break;
      }
      case kIpTos: {
        // An int or a single byte; anything else EINVAL; then 0..255.
        std::int32_t val;
        if (c->len == cmsg_len(4))
          val = static_cast<std::int32_t>(get_le32(c->data, 0));
        else if (c->len == cmsg_len(1))
          val = c->data[0];
        else
          return EINVAL;
        if (val < 0 || val > 255) return EINVAL;
        ipc.tos = static_cast<std::int16_t>(val);
        ipc.sockc.priority = rt_tos2priority(static_cast<std::uint8_t>(val));
        break;
      }
      case kIpProtocol: {
        if (c->len != cmsg_len(4)) return EINVAL;
        auto val = static_cast<std::int32_t>(get_le32(c->data, 0));
        if (val < 1 || val > 255) return EINVAL;
        ipc.protocol = static_cast<std::uint8_t>(val);
        break;
      }
      default:
        // Any other SOL_IP type, IP_OPTIONS and IP_RECV* included.
        return EINVAL;
    }
  }
  return 0;
}

int udp_cmsg_send(std::span<const std::uint8_t> control, const SendFacts& f, IpcmCookie& ipc) {
  bool need_ip = false;
  CmsgWalker walk(control);
  while (auto c = walk.next()) {
    if (!c->ok) return EINVAL;
    if (c->level != kSolUdp) {
      need_ip = true;
      continue;
    }
    // __udp_cmsg_send: UDP_SEGMENT is a u16; any other SOL_UDP type EINVAL.
    if (c->type != kUdpSegment || c->len != cmsg_len(2)) return EINVAL;
    ipc.gso_size = get_le16(c->data, 0);
  }
  return need_ip ? ip_cmsg_send(control, f, ipc) : 0;
}

}  // namespace ipc::stack::cmsg
