// System requests: sysctl.
#include <iostream>

#include <fmt/format.h>

#include "errno_names.hpp"
#include "probe.hpp"
#include "sysctl.hpp"

namespace ipconform::kprobe {

namespace {

Reply sysctl_failure(int err) {
  Reply reply = errno_reply(err);
  reply.fields["value"] = nullptr;
  return reply;
}

}  // namespace

Reply Probe::op_sysctl(const Request& req) {
  const std::string path = req.string("path");
  if (!valid_sysctl_path(path))
    throw ProtocolError(fmt::format(
        "sysctl path \"{}\" must match ^net/[A-Za-z0-9_./-]+$ with no empty, . or .. component",
        path));
  const auto value = req.opt_string("value");

  if (value) {
    // Keep the value from before the first write since the last end.
    bool journaled = sysctl_journal_.contains(path);
    if (!journaled) {
      std::string original;
      if (sysctl_read(path, original) == 0) {
        sysctl_journal_.remember(path, std::move(original));
        journaled = true;
      }
    }
    if (const int err = sysctl_write(path, *value); err != 0) return sysctl_failure(err);
    if (!journaled)
      std::cerr << fmt::format(
          "ipconform-probe-kernel: sysctl {} was written but could not be read first; "
          "end will not restore it\n",
          path);
  }

  std::string text;
  if (const int err = sysctl_read(path, text); err != 0) {
    // A written entry that cannot be read back (write-only) still succeeded.
    if (value) {
      Reply reply;
      reply.fields["value"] = nullptr;
      return reply;
    }
    return sysctl_failure(err);
  }
  Reply reply;
  reply.fields["value"] = text;
  return reply;
}

}  // namespace ipconform::kprobe
