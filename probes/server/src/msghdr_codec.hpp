// Control messages (ancillary data): probe-protocol arrays <-> cmsg buffers.
//
//   [{"level": 0, "type": 2, "data": "07000000"}, ...]
//
// The probe never interprets cmsg contents; it only lays them out (sendmsg)
// and walks them (recvmsg).
#pragma once

#include <sys/socket.h>

#include <cstddef>
#include <cstdint>

#include <nlohmann/json.hpp>

#include "hex.hpp"
#include "reply.hpp"

namespace ipconform::probe {

// The control buffer for a `cmsgs` array: one header per element, each with
// cmsg_len = CMSG_LEN(data bytes) and spaced CMSG_SPACE apart, so the whole
// buffer is the sum of the CMSG_SPACEs. Throws ProtocolError on a malformed
// array.
Bytes encode_cmsgs(const nlohmann::json& cmsgs);

// The control messages in `size` bytes at `control` (what recvmsg wrote; the
// caller clips `size` to its allocation), walked from CMSG_FIRSTHDR as
// CMSG_NXTHDR does in glibc >= 2.36 (a header must fit; a last cmsg may run
// past the end). Each becomes {level, type, data}: the cmsg_len - CMSG_LEN(0)
// bytes after the header, clipped to the buffer (none if cmsg_len is
// shorter than a header).
Json decode_cmsgs(const std::uint8_t* control, std::size_t size);

}  // namespace ipconform::probe
