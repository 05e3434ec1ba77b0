// Socket requests: each one is a single syscall on the handle's fd.
// (sendmsg/recvmsg, with their control messages, are in ops_msg.cpp.)
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <limits>

#include <fmt/format.h>

#include "guarded_buffer.hpp"
#include "op_args.hpp"
#include "probe.hpp"
#include "sockaddr_codec.hpp"

namespace ipconform::probe {

Reply Probe::op_socket(const Request& req) {
  const std::string name = new_handle(req, "handle");
  const int domain = req.c_int("domain");
  const int type = req.c_int("type");
  const int protocol = req.c_int("protocol");
  const int fd = sys_.socket(domain, type, protocol);
  Reply reply = syscall_reply(fd);
  if (fd >= 0) {
    handles_.emplace(name, fd);
    reply.ret = 0;
  }
  return reply;
}

Reply Probe::op_bind(const Request& req) {
  const int fd = fd_of(req);
  const SockaddrArg addr = encode_sockaddr(req.object("addr"), opt_addrlen(req));
  return syscall_reply(sys_.bind(fd, addr.ptr(), addr.len));
}

Reply Probe::op_connect(const Request& req) {
  const int fd = fd_of(req);
  const SockaddrArg addr = encode_sockaddr(req.object("addr"), opt_addrlen(req));
  return syscall_reply(sys_.connect(fd, addr.ptr(), addr.len));
}

Reply Probe::op_listen(const Request& req) {
  const int fd = fd_of(req);
  const int backlog = req.c_int("backlog");
  return syscall_reply(sys_.listen(fd, backlog));
}

Reply Probe::op_accept(const Request& req) {
  const int fd = fd_of(req);
  const std::string name = new_handle(req, "new_handle");
  const int flags = req.c_int("flags");
  SockaddrOut out(opt_addrlen(req).value_or(kDefaultAddrlen));
  const int new_fd = sys_.accept4(fd, out.ptr(), out.len_ptr(), flags);
  Reply reply = syscall_reply(new_fd);
  if (new_fd >= 0) {
    handles_.emplace(name, new_fd);
    reply.ret = 0;
  }
  add_address(reply, out, new_fd >= 0);
  return reply;
}

namespace {
// getsockname and getpeername: the same buffer and answer, another call.
using NameCall = int (Backend::*)(int, sockaddr*, socklen_t*);
Reply name_op(Backend& sys, NameCall call, int fd, const Request& req) {
  SockaddrOut out(opt_addrlen(req).value_or(kDefaultAddrlen));
  Reply reply = syscall_reply((sys.*call)(fd, out.ptr(), out.len_ptr()));
  add_address(reply, out, reply.ret == 0);
  return reply;
}
}  // namespace

Reply Probe::op_getsockname(const Request& req) { return name_op(sys_, &Backend::getsockname, fd_of(req), req); }

Reply Probe::op_getpeername(const Request& req) { return name_op(sys_, &Backend::getpeername, fd_of(req), req); }

Reply Probe::op_setsockopt(const Request& req) {
  const int fd = fd_of(req);
  const int level = req.c_int("level");
  const int name = req.c_int("name");
  const Bytes value = req.hex("value");
  const std::int32_t optlen = req.c_int("optlen");
  GuardedBuffer buffer(std::max(value.size(), alloc_size(optlen)));
  std::copy(value.begin(), value.end(), buffer.data());
  return syscall_reply(
      sys_.setsockopt(fd, level, name, buffer.data(), static_cast<socklen_t>(optlen)));
}

Reply Probe::op_getsockopt(const Request& req) {
  const int fd = fd_of(req);
  const int level = req.c_int("level");
  const int name = req.c_int("name");
  const std::int32_t optlen = req.c_int("optlen");
  const Bytes initial = req.opt_hex("value").value_or(Bytes{});
  GuardedBuffer buffer(std::max(initial.size(), alloc_size(optlen)));
  std::copy(initial.begin(), initial.end(), buffer.data());

  auto len = static_cast<socklen_t>(optlen);
  Reply reply = syscall_reply(sys_.getsockopt(fd, level, name, buffer.data(), &len));
  const auto written = static_cast<std::int32_t>(len);
  const std::size_t shown =
      reply.ret == -1 ? buffer.size() : std::min(alloc_size(written), buffer.size());
  reply.fields["optlen"] = written;
  reply.fields["value"] = to_hex(buffer.data(), shown);
  return reply;
}

Reply Probe::op_sendto(const Request& req) {
  const int fd = fd_of(req);
  const Bytes data = req.hex("data");
  const int flags = req.c_int("flags");
  const auto addrlen = opt_addrlen(req);
  if (const auto* addr_object = req.opt_object("addr")) {
    const SockaddrArg addr = encode_sockaddr(*addr_object, addrlen);
    return syscall_reply(sys_.sendto(fd, data.data(), data.size(), flags, addr.ptr(), addr.len));
  }
  return syscall_reply(sys_.sendto(fd, data.data(), data.size(), flags, nullptr, addrlen.value_or(0)));
}

Reply Probe::op_recvfrom(const Request& req) {
  const int fd = fd_of(req);
  const std::int64_t len = req.integer("len", std::numeric_limits<std::int64_t>::min(),
                                       std::numeric_limits<std::int64_t>::max());
  const int flags = req.c_int("flags");
  SockaddrOut out(opt_addrlen(req).value_or(kDefaultAddrlen));
  GuardedBuffer buffer(alloc_size(len));
  const ssize_t received =
      sys_.recvfrom(fd, buffer.data(), static_cast<std::size_t>(len), flags, out.ptr(), out.len_ptr());
  Reply reply = syscall_reply(received);
  reply.fields["data"] =
      received >= 0 ? Json(to_hex(buffer.data(), std::min(alloc_size(received), buffer.size())))
                    : Json(nullptr);
  add_address(reply, out, received >= 0);
  return reply;
}

Reply Probe::op_poll(const Request& req) {
  pollfd pfd{};
  pfd.fd = fd_of(req);
  // pollfd.events is a short: any 16-bit value, either signedness.
  pfd.events = static_cast<short>(
      static_cast<std::uint16_t>(req.integer("events", std::numeric_limits<std::int16_t>::min(),
                                             std::numeric_limits<std::uint16_t>::max())));
  const int timeout_ms = req.opt_c_int("timeout_ms").value_or(0);
  Reply reply = syscall_reply(sys_.poll(&pfd, 1, timeout_ms));
  reply.fields["revents"] = static_cast<std::uint16_t>(pfd.revents);
  return reply;
}

Reply Probe::op_shutdown(const Request& req) {
  const int fd = fd_of(req);
  const int how = req.c_int("how");
  return syscall_reply(sys_.shutdown(fd, how));
}

Reply Probe::op_close(const Request& req) {
  const int fd = fd_of(req);
  handles_.erase(req.string("handle"));
  return syscall_reply(sys_.close(fd));
}

Reply Probe::op_ioctl(const Request& req) {
  const int fd = fd_of(req);
  const unsigned long request = req.c_uint("request");
  const std::string arg = req.string("arg");
  Bytes value;
  if (arg == "int") {
    value = req.opt_hex("value").value_or(Bytes(sizeof(int), 0));
    if (value.size() != sizeof(int))
      throw ProtocolError(
          fmt::format("field \"value\" must be {} bytes for arg \"int\"", sizeof(int)));
  } else if (arg == "buffer") {
    value = req.hex("value");
  } else {
    throw ProtocolError(
        fmt::format("field \"arg\" must be \"int\" or \"buffer\", not \"{}\"", arg));
  }
  GuardedBuffer buffer(value.size());
  std::copy(value.begin(), value.end(), buffer.data());
  Reply reply = syscall_reply(sys_.ioctl(fd, request, buffer.data()));
  reply.fields["value"] = to_hex(buffer.data(), buffer.size());
  return reply;
}

}  // namespace ipconform::probe
