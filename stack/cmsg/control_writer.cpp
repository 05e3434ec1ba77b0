#include "stack/cmsg/control_writer.hpp"

#include <algorithm>

#include "stack/cmsg/cmsg_abi.hpp"

namespace ipc::stack::cmsg {

int ControlWriter::msg_flags() const { return ctrunc_ ? kMsgCtrunc : 0; }

void ControlWriter::put(int level, int type, std::span<const std::uint8_t> data) {
  std::uint64_t cmlen = cmsg_len(data.size());
  // put_cmsg: "if (!msg->msg_control || msg->msg_controllen < sizeof(struct
  // cmsghdr)) { msg->msg_flags |= MSG_CTRUNC; return 0; }" -- nothing written.
  if (room_ < kHdrLen) {
    ctrunc_ = true;
    return;
  }
  // "if (msg->msg_controllen < cmlen) { MSG_CTRUNC; cmlen = msg_controllen; }":
  // the header is written with the cut length and the data is cut to fit.
  if (room_ < cmlen) {
    ctrunc_ = true;
    cmlen = room_;
  }
  std::size_t start = bytes_.size();
  // The pointer then moves by min(CMSG_SPACE(len), msg_controllen).
  std::uint64_t advance = std::min<std::uint64_t>(cmsg_space(data.size()), room_);
  bytes_.resize(start + advance, 0);
  std::span<std::uint8_t> out(bytes_.data() + start, advance);
  put_le64(out, kLenOffset, cmlen);
  put_le32(out, kLevelOffset, static_cast<std::uint32_t>(level));
  put_le32(out, kTypeOffset, static_cast<std::uint32_t>(type));
  std::copy_n(data.begin(), cmlen - kHdrLen, out.begin() + kHdrLen);
  room_ -= advance;
}

}  // namespace ipc::stack::cmsg
