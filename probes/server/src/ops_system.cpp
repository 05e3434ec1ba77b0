// System requests: sysctl.
#include <fmt/format.h>

#include "probe.hpp"
#include "sysctl_path.hpp"

namespace ipconform::probe {

Reply Probe::op_sysctl(const Request& req) {
  const std::string path = req.string("path");
  if (!valid_sysctl_path(path))
    throw ProtocolError(fmt::format(
        "sysctl path \"{}\" must match ^net/[A-Za-z0-9_./-]+$ with no empty, . or .. component",
        path));
  const SysctlAnswer answer = sys_.sysctl(path, req.opt_string("value"));
  Reply reply = answer.err != 0 ? errno_reply(answer.err) : Reply{};
  reply.fields["value"] = answer.value ? Json(*answer.value) : Json(nullptr);
  return reply;
}

}  // namespace ipconform::probe
