// Ancillary data: the control messages a case asks sendmsg to pass, and the
// ones recvmsg returns, decoded into fields. Layouts are Linux x86-64's:
// in_pktinfo 12 bytes, sock_extended_err 16 bytes followed by the offender's
// sockaddr_in (include/uapi/linux/errqueue.h), timeval 16.
#pragma once

#include <nlohmann/json.hpp>

namespace ipc::oracle {

// A case's cmsg, `{ type = "IP_TTL", value = 7 }` (level IPPROTO_IP by default;
// `as` overrides the value type; `data` gives raw hex instead of a value), to
// the protocol's `{level, type, data}`. Throws CodecError.
nlohmann::json encode_cmsg(const nlohmann::json& spec);

// The protocol's `[{level, type, data}]` to what an observation shows:
// `cmsgs` (every message, in order: `{level, type, value}` with symbolic
// names) and `cmsg` (by type name; the last one wins when a type repeats).
void decode_cmsgs(const nlohmann::json& raw, nlohmann::json& observation);

}  // namespace ipc::oracle
