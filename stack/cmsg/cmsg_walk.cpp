#include "stack/cmsg/cmsg_walk.hpp"

#include "stack/cmsg/cmsg_abi.hpp"

namespace ipc::stack::cmsg {

std::optional<SendCmsg> CmsgWalker::next() {
  if (done_) return std::nullopt;
  const std::uint64_t size = ctl_.size();
  if (!started_) {
    started_ = true;
    pos_ = 0;
  } else {
    // __cmsg_nxthdr: "ptr = cmsg + CMSG_ALIGN(cmsg->cmsg_len); if ((ptr + 1)
    // - ctl > size) return NULL". The previous header passed CMSG_OK, so its
    // length is bounded by the buffer.
    std::uint64_t cur_len = get_le64(ctl_, pos_ + kLenOffset);
    pos_ += cmsg_align(cur_len);
  }
  if (pos_ + kHdrLen > size) {  // also CMSG_FIRSTHDR's controllen < 16
    done_ = true;
    return std::nullopt;
  }
  SendCmsg c;
  c.offset = pos_;
  c.len = get_le64(ctl_, pos_ + kLenOffset);
  c.level = static_cast<int>(get_le32(ctl_, pos_ + kLevelOffset));
  c.type = static_cast<int>(get_le32(ctl_, pos_ + kTypeOffset));
  // CMSG_OK: "cmsg_len >= sizeof(struct cmsghdr) && cmsg_len <= msg_control +
  // msg_controllen - cmsg".
  c.ok = c.len >= kHdrLen && c.len <= size - pos_;
  if (c.ok) {
    c.data = ctl_.subspan(pos_ + kHdrLen, c.len - kHdrLen);
  } else {
    done_ = true;
  }
  return c;
}

}  // namespace ipc::stack::cmsg
