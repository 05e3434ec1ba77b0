#include "runner/implicit_features.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

#include "oracle/call.hpp"
#include "oracle/substitute.hpp"

namespace ipc::runner {

namespace {

constexpr int kSockTypeMask = 0xf;  // SOCK_TYPE_MASK: the bits below SOCK_NONBLOCK/SOCK_CLOEXEC

bool opens_tcp_socket(const nlohmann::json& call) {
  if (!call.is_object() || call.value("op", std::string()) != "socket") return false;
  // A type or protocol that only a run can tell (a saved value) is not
  // guessed: such a step does not make the case need tcp.
  if (!oracle::references(call).empty()) return false;
  nlohmann::json req;
  try {
    req = oracle::build_request(call);
  } catch (const oracle::StepError&) {
    return false;  // the run reports the broken step
  }
  const auto type = req.value("type", 0LL), protocol = req.value("protocol", 0LL);
  return (type & kSockTypeMask) == SOCK_STREAM && (protocol == 0 || protocol == IPPROTO_TCP);
}

// A TCP segment injected at the DUT tests its TCP (a listener's answer, a
// reset for a closed port), socket or not. A quoted header (TCPerror inside
// an ICMP error) does not count.
bool injects_tcp(const nlohmann::json& call) {
  if (!call.is_object() || call.value("op", std::string()) != "inject") return false;
  const auto frame = call.find("frame");
  if (frame == call.end() || !frame->is_array()) return false;
  for (const auto& layer : *frame)
    if (layer.is_object() && layer.value("layer", std::string()) == "TCP") return true;
  return false;
}

}  // namespace

std::vector<std::string> implicit_features(const oracle::Case& c) {
  for (const auto& s : c.steps)
    if (opens_tcp_socket(s.call) || injects_tcp(s.call)) return {"tcp"};
  return {};
}

}  // namespace ipc::runner
