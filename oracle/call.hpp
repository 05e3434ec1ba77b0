// From a step, as a case writes it, to a probe-protocol request; and from the
// target's response back to an observation the matcher and the diff compare.
#pragma once

#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

namespace ipc::oracle {

struct StepError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The ops a step may name.
bool is_op(const std::string& op);
// Ops carried out by the wire agent on the tester side, not by the target.
bool is_wire_op(const std::string& op);

// Checks the keys of a step table against its op; throws StepError naming the
// first unknown or missing key. Runs on the step as written, before any
// `${...}` is resolved.
void check_step_keys(const nlohmann::json& call);

// Builds the request for a step whose references are all resolved. Symbols
// become Linux ABI numbers; values are encoded to bytes. Throws StepError.
// The request has no "id"; it carries "text", a readable rendering.
nlohmann::json build_request(const nlohmann::json& call);

// Turns a response into the observation for the step: ret, errno and the
// op's decoded outputs. Protocol fields (id) are dropped.
nlohmann::json normalize(const nlohmann::json& call, const nlohmann::json& response);

// "net.ipv4.ip_default_ttl" or "net/ipv4/ip_default_ttl" -> the latter.
// Throws StepError unless the path stays under net/ (no empty, "." or ".."
// component): a case may only touch its own namespace's net sysctls.
std::string sysctl_path(std::string path);

}  // namespace ipc::oracle
