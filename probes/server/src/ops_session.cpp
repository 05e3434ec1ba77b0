// Session requests: hello, begin, end, bye.
#include <iostream>
#include <limits>
#include <vector>

#include <fmt/format.h>

#include "errno_names.hpp"
#include "probe.hpp"

namespace ipconform::probe {

namespace {
constexpr int kProtocolVersion = 1;
}  // namespace

Reply Probe::op_hello(const Request& req) {
  const auto version = req.integer("version", std::numeric_limits<std::int64_t>::min(),
                                   std::numeric_limits<std::int64_t>::max());
  if (version != kProtocolVersion)
    throw ProtocolError(fmt::format("unsupported protocol version {}; this target speaks {}",
                                    version, kProtocolVersion));
  const TargetIdentity id = sys_.identity();
  Reply reply;
  reply.fields["protocol"] = kProtocolVersion;
  reply.fields["target"] = id.target;
  reply.fields["implementation"] = id.implementation;
  reply.fields["release"] = id.release;
  reply.fields["features"] = id.features;
  return reply;
}

Reply Probe::op_begin(const Request& req) {
  std::string name = req.string("case");
  std::vector<std::string> caps;
  for (const auto& entry : req.array("caps_drop")) {
    if (!entry.is_string()) throw ProtocolError("field \"caps_drop\" must hold strings");
    const auto& cap_name = entry.get_ref<const std::string&>();
    if (!sys_.is_capability(cap_name))
      throw ProtocolError(fmt::format("unknown capability \"{}\"", cap_name));
    caps.push_back(cap_name);
  }
  if (case_name_)
    throw ProtocolError(
        fmt::format("case \"{}\" is still in progress: send end first", *case_name_));
  if (const int err = sys_.begin(caps); err != 0) return errno_reply(err);
  case_name_ = std::move(name);
  return {};
}

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
  for (const auto& [name, fd] : handles_) sys_.close(fd);
  handles_.clear();
  case_name_.reset();
  const int err = sys_.reset(detail);
  if (err != 0) std::cerr << fmt::format("{}: reset: {}\n", options_.program, detail);
  return err;
}

}  // namespace ipconform::probe
