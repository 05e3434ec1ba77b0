// Walking a sendmsg control buffer the way the kernel does once
// ____sys_sendmsg has copied it in: for_each_cmsghdr (CMSG_FIRSTHDR,
// __cmsg_nxthdr) with CMSG_OK checked on each header (include/linux/socket.h).
#pragma once

#include <cstdint>
#include <optional>
#include <span>

namespace ipc::stack::cmsg {

struct SendCmsg {
  std::uint64_t offset = 0;  // of the header in the buffer
  std::uint64_t len = 0;     // cmsg_len as written by the caller
  int level = 0, type = 0;
  bool ok = false;           // CMSG_OK: 16 <= cmsg_len <= bytes left from the header
  std::span<const std::uint8_t> data;  // cmsg_len - 16 bytes (empty unless ok)
};

class CmsgWalker {
 public:
  explicit CmsgWalker(std::span<const std::uint8_t> control) : ctl_(control) {}

  // The next header, or nullopt at the end. CMSG_FIRSTHDR is NULL when
  // msg_controllen < sizeof(struct cmsghdr); __cmsg_nxthdr steps
  // CMSG_ALIGN(cmsg_len) and stops when the next header would not fit
  // whole. Stop at the first !ok header: every caller fails with EINVAL there.
  std::optional<SendCmsg> next();

 private:
  std::span<const std::uint8_t> ctl_;
  std::uint64_t pos_ = 0;
  bool started_ = false, done_ = false;
};

}  // namespace ipc::stack::cmsg
