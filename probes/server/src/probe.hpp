// A probe-protocol server: decodes each request, carries it out on a
// Backend (real syscalls for the kernel target, the reference stack for
// stackd), and encodes the response. One instance per target process.
//
// handle() never throws: protocol problems and internal exceptions become
// `error` responses.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "reply.hpp"
#include "request.hpp"
#include "backend.hpp"

namespace ipconform::probe {

struct ProbeOptions {
  bool verbose = false;      // log every request's `text` to stderr
  std::string program = "";  // the name log lines start with
};

class Probe {
 public:
  Probe(Backend& backend, ProbeOptions options);
  ~Probe();
  Probe(const Probe&) = delete;
  Probe& operator=(const Probe&) = delete;

  struct Outcome {
    Json response;
    bool stop = false;  // the request was `bye`: exit after answering
  };
  Outcome handle(const nlohmann::json& request);
  Outcome handle_line(std::string_view line);

  // What `end` does: forget every handle and reset the backend. Returns 0 or
  // the errno of the first failure, with every failure described in `detail`.
  int reset(std::string& detail);

 private:
  using Handler = Reply (Probe::*)(const Request&);
  static const std::map<std::string, Handler, std::less<>>& dispatch_table();

  // ops_session.cpp
  Reply op_hello(const Request& req);
  Reply op_begin(const Request& req);
  Reply op_end(const Request& req);
  Reply op_bye(const Request& req);
  // ops_socket.cpp
  Reply op_socket(const Request& req);
  Reply op_bind(const Request& req);
  Reply op_connect(const Request& req);
  Reply op_listen(const Request& req);
  Reply op_accept(const Request& req);
  Reply op_getsockname(const Request& req);
  Reply op_getpeername(const Request& req);
  Reply op_setsockopt(const Request& req);
  Reply op_getsockopt(const Request& req);
  Reply op_sendto(const Request& req);
  Reply op_recvfrom(const Request& req);
  Reply op_poll(const Request& req);
  Reply op_shutdown(const Request& req);
  Reply op_close(const Request& req);
  Reply op_ioctl(const Request& req);
  // ops_msg.cpp
  Reply op_sendmsg(const Request& req);
  Reply op_recvmsg(const Request& req);
  // ops_system.cpp
  Reply op_sysctl(const Request& req);

  // The fd behind the handle named by field `key`; ProtocolError if unknown.
  int fd_of(const Request& req, std::string_view key = "handle") const;
  // A handle name from field `key` that is not in use yet.
  std::string new_handle(const Request& req, std::string_view key) const;

  Backend& sys_;
  ProbeOptions options_;
  std::map<std::string, int, std::less<>> handles_;
  std::optional<std::string> case_name_;  // set between begin and end
  bool stop_ = false;  // set by bye, taken by handle()
};

}  // namespace ipconform::probe
