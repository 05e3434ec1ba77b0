// recvmsg's control buffer as the kernel fills it: put_cmsg (net/core/scm.c)
// on a native (not MSG_CMSG_COMPAT) msghdr, and the msg_controllen that
// ____sys_recvmsg writes back (how far the control pointer moved).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace ipc::stack::cmsg {

class ControlWriter {
 public:
  // `controllen`: the caller's msg_controllen (any 64-bit value; nothing is
  // allocated beyond what is written).
  explicit ControlWriter(std::uint64_t controllen) : room_(controllen) {}

  // put_cmsg(msg, level, type, data.size(), data).
  void put(int level, int type, std::span<const std::uint8_t> data);
  // msg->msg_flags |= MSG_CTRUNC without writing (ip_cmsg_recv_retopts when
  // ip_options_echo fails).
  void set_ctrunc() { ctrunc_ = true; }

  // The msg_controllen recvmsg returns.
  std::uint64_t used() const { return bytes_.size(); }
  // MSG_CTRUNC or 0.
  int msg_flags() const;
  bool ctrunc() const { return ctrunc_; }
  // The first used() bytes of the user's buffer. Alignment padding after a
  // cmsg is not written by the kernel; it reads as zero here.
  const std::vector<std::uint8_t>& bytes() const { return bytes_; }

 private:
  std::uint64_t room_;  // what is left of msg_controllen
  std::vector<std::uint8_t> bytes_;
  bool ctrunc_ = false;
};

}  // namespace ipc::stack::cmsg
