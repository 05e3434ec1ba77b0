// Session requests: hello, begin, end, bye.
#include <fcntl.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <iostream>
#include <limits>
#include <vector>

#include <fmt/format.h>

#include "capabilities.hpp"
#include "errno_names.hpp"
#include "probe.hpp"

namespace ipconform::kprobe {

namespace {

constexpr int kProtocolVersion = 1;

bool can_create_socket(int domain, int type, int protocol) {
  const int fd = ::socket(domain, type | SOCK_CLOEXEC, protocol);
  if (fd < 0) return false;
  ::close(fd);
  return true;
}

}  // namespace

Reply Probe::op_hello(const Request& req) {
  const auto version = req.integer("version", std::numeric_limits<std::int64_t>::min(),
                                   std::numeric_limits<std::int64_t>::max());
  if (version != kProtocolVersion)
    throw ProtocolError(fmt::format("unsupported protocol version {}; this target speaks {}",
                                    version, kProtocolVersion));

  utsname uts{};
  ::uname(&uts);
  Json features = Json::array();
  features.push_back("caps");
  if (can_create_socket(AF_INET, SOCK_STREAM, IPPROTO_SCTP)) features.push_back("sctp");
  features.push_back("sysctl");
  if (can_create_socket(AF_INET, SOCK_DGRAM, IPPROTO_UDPLITE)) features.push_back("udplite");

  Reply reply;
  reply.fields["protocol"] = kProtocolVersion;
  reply.fields["target"] = "kernel";
  reply.fields["implementation"] = "Linux";
  reply.fields["release"] = uts.release;
  reply.fields["features"] = std::move(features);
  return reply;
}

Reply Probe::op_begin(const Request& req) {
  std::string name = req.string("case");
  std::vector<cap_value_t> caps;
  for (const auto& entry : req.array("caps_drop")) {
    if (!entry.is_string()) throw ProtocolError("field \"caps_drop\" must hold strings");
    const auto& cap_name = entry.get_ref<const std::string&>();
    const auto cap = capability_from_name(cap_name);
    if (!cap) throw ProtocolError(fmt::format("unknown capability \"{}\"", cap_name));
    caps.push_back(*cap);
  }
  if (case_name_)
    throw ProtocolError(
        fmt::format("case \"{}\" is still in progress: send end first", *case_name_));

  if (const int err = drop_effective(caps); err != 0) {
    restore_effective();  // begin failed: leave the capabilities as they were
    return errno_reply(err);
  }
  case_name_ = std::move(name);
  return {};
}

namespace {
int flush_route_cache() {
  const int fd = ::open("/proc/sys/net/ipv4/route/flush", O_WRONLY | O_CLOEXEC);
  if (fd < 0) return errno;
  const int err = ::write(fd, "1\n", 2) == 2 ? 0 : errno;
  ::close(fd);
  return err;
}
}  // namespace

Reply Probe::op_end(const Request&) {
  std::string detail;
  const int err = reset(detail);
  if (err == 0) return {};
  Reply reply = errno_reply(err);
  reply.fields["detail"] = detail;
  return reply;
}

Reply Probe::op_bye(const Request&) {
  stop_ = true;
  return {};
}

int Probe::reset(std::string& detail) {
  int first_err = 0;
  detail.clear();
  const auto failed = [&](int err, const std::string& what) {
    if (first_err == 0) first_err = err;
    if (!detail.empty()) detail += "; ";
    detail += fmt::format("{}: {}", what, errno_name(err));
  };

  for (const auto& [name, fd] : handles_) ::close(fd);
  handles_.clear();
  // Capabilities first: restoring sysctls must not depend on what the case dropped.
  if (const int err = restore_effective(); err != 0)
    failed(err, "restoring the effective capability set");
  for (const auto& failure : sysctl_journal_.restore_all())
    failed(failure.err,
           fmt::format("restoring sysctl {} to \"{}\"", failure.path, failure.original));
  // What a case taught the kernel about paths (learnt PMTUs, redirects) must
  // not reach the next case: a route-cache flush drops those exceptions
  // (rt_cache_flush bumps the namespace's route generation).
  if (const int err = flush_route_cache(); err != 0) failed(err, "flushing the route cache");
  case_name_.reset();

  if (first_err != 0) std::cerr << fmt::format("ipconform-probe-kernel: reset: {}\n", detail);
  return first_err;
}

}  // namespace ipconform::kprobe
