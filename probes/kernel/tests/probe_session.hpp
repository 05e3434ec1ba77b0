// Test support: a Probe driven in process, plus request builders shared by
// the op tests. Use inside run_in_new_netns.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstring>
#include <string>
#include <utility>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "hex.hpp"
#include "kernel_backend.hpp"
#include "probe.hpp"

namespace ipconform::kprobe::testing {
using namespace ::ipconform::probe;

// A Probe plus request ids.
class Session {
 public:
  Json call(nlohmann::json request) {
    request["id"] = next_id_++;
    return probe_.handle(request).response;
  }
  Json ok(nlohmann::json request) {
    Json response = call(std::move(request));
    EXPECT_EQ(response["ret"], 0) << response.dump();
    return response;
  }

 private:
  KernelBackend backend_;
  Probe probe_{backend_, {}};
  int next_id_ = 1;
};

inline std::string errno_of(const Json& response) {
  return response["errno"].is_null() ? "" : response["errno"].get<std::string>();
}

inline bool is_protocol_error(const Json& response) {
  return response.contains("error") && response["error"].is_string() && response["ret"] == -1 &&
         response["errno"].is_null();
}

inline nlohmann::json loopback(int port) {
  return {{"family", AF_INET}, {"addr", "127.0.0.1"}, {"port", port}};
}

inline nlohmann::json make_socket(const char* handle, int type) {
  return {
      {"op", "socket"}, {"handle", handle}, {"domain", AF_INET}, {"type", type}, {"protocol", 0}};
}

inline std::string int_hex(int value) {
  Bytes bytes(sizeof value);
  std::memcpy(bytes.data(), &value, sizeof value);
  return to_hex(bytes);
}

}  // namespace ipconform::kprobe::testing
