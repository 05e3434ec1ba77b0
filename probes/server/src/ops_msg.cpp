// sendmsg and recvmsg: one data buffer, an optional address and control
// messages (laid out and walked by msghdr_codec; never interpreted here).
#include <sys/socket.h>
#include <sys/uio.h>

#include <algorithm>
#include <cstdint>
#include <limits>

#include "guarded_buffer.hpp"
#include "msghdr_codec.hpp"
#include "op_args.hpp"
#include "probe.hpp"
#include "sockaddr_codec.hpp"

namespace ipconform::probe {

namespace {

constexpr std::int64_t kDefaultControllen = 1024;

// size_t arguments (len, controllen): any 64-bit value, converted as C does,
// so a negative length reaches the kernel as a huge one.
constexpr std::int64_t kSizeMin = std::numeric_limits<std::int64_t>::min();
constexpr std::int64_t kSizeMax = std::numeric_limits<std::int64_t>::max();

}  // namespace

Reply Probe::op_sendmsg(const Request& req) {
  const int fd = fd_of(req);
  Bytes data = req.hex("data");
  const int flags = req.c_int("flags");
  const Bytes control = req.has("cmsgs") ? encode_cmsgs(req.array("cmsgs")) : Bytes{};
  const auto controllen = req.opt_integer("controllen", kSizeMin, kSizeMax);
  std::optional<SockaddrArg> addr;
  if (const auto* addr_object = req.opt_object("addr"))
    addr = encode_sockaddr(*addr_object, opt_addrlen(req));

  iovec iov{data.data(), data.size()};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  if (addr) {
    msg.msg_name = const_cast<sockaddr*>(addr->ptr());
    msg.msg_namelen = addr->len;
  } else {
    msg.msg_namelen = opt_addrlen(req).value_or(0);
  }
  // The control buffer holds the laid-out cmsgs, zero-padded up to a larger
  // declared controllen; a controllen beyond it reaches the guard page.
  GuardedBuffer buffer(std::max(control.size(), alloc_size(controllen.value_or(0))));
  std::copy(control.begin(), control.end(), buffer.data());
  if (!control.empty() || controllen) {
    msg.msg_control = buffer.data();
    msg.msg_controllen =
        static_cast<std::size_t>(controllen.value_or(static_cast<std::int64_t>(control.size())));
  }
  return syscall_reply(sys_.sendmsg(fd, &msg, flags));
}

Reply Probe::op_recvmsg(const Request& req) {
  const int fd = fd_of(req);
  const std::int64_t len = req.integer("len", kSizeMin, kSizeMax);
  const int flags = req.c_int("flags");
  SockaddrOut out(opt_addrlen(req).value_or(kDefaultAddrlen));
  const std::int64_t controllen =
      req.opt_integer("controllen", kSizeMin, kSizeMax).value_or(kDefaultControllen);

  GuardedBuffer data(alloc_size(len));
  GuardedBuffer control(alloc_size(controllen));
  iovec iov{data.data(), static_cast<std::size_t>(len)};
  msghdr msg{};
  msg.msg_name = out.ptr();
  msg.msg_namelen = out.len;
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control.data();
  msg.msg_controllen = static_cast<std::size_t>(controllen);

  const ssize_t received = sys_.recvmsg(fd, &msg, flags);
  Reply reply = syscall_reply(received);
  const bool ok = received >= 0;
  out.len = msg.msg_namelen;
  reply.fields["data"] =
      ok ? Json(to_hex(data.data(), std::min(alloc_size(received), data.size()))) : Json(nullptr);
  add_address(reply, out, ok);
  reply.fields["msg_flags"] = msg.msg_flags;
  reply.fields["controllen"] = static_cast<std::int64_t>(msg.msg_controllen);
  reply.fields["cmsgs"] =
      ok ? decode_cmsgs(control.data(), std::min(msg.msg_controllen, control.size()))
         : Json(nullptr);
  return reply;
}

}  // namespace ipconform::probe
