#include "probe.hpp"

#include <iostream>
#include <utility>

#include <fmt/format.h>

#include "errno_names.hpp"

namespace ipconform::probe {

namespace {

// A protocol-error response (also logged, with the case in progress if any).
Json error_response(Json response, std::string_view message,
                    const std::optional<std::string>& case_name, const std::string& program) {
  std::cerr << fmt::format("{}: request {}{}: {}\n", program, response["id"].dump(),
                           case_name ? fmt::format(" (case {})", *case_name) : "", message);
  response["ret"] = -1;
  response["errno"] = nullptr;
  response["error"] = message;
  return response;
}

}  // namespace

Probe::Probe(Backend& backend, ProbeOptions options) : sys_(backend), options_(std::move(options)) {}

Probe::~Probe() {
  for (const auto& [name, fd] : handles_) sys_.close(fd);
}

const std::map<std::string, Probe::Handler, std::less<>>& Probe::dispatch_table() {
  static const std::map<std::string, Handler, std::less<>> table = {
      {"hello", &Probe::op_hello},
      {"begin", &Probe::op_begin},
      {"end", &Probe::op_end},
      {"bye", &Probe::op_bye},
      {"socket", &Probe::op_socket},
      {"bind", &Probe::op_bind},
      {"connect", &Probe::op_connect},
      {"listen", &Probe::op_listen},
      {"accept", &Probe::op_accept},
      {"getsockname", &Probe::op_getsockname},
      {"getpeername", &Probe::op_getpeername},
      {"setsockopt", &Probe::op_setsockopt},
      {"getsockopt", &Probe::op_getsockopt},
      {"sendto", &Probe::op_sendto},
      {"recvfrom", &Probe::op_recvfrom},
      {"sendmsg", &Probe::op_sendmsg},
      {"recvmsg", &Probe::op_recvmsg},
      {"poll", &Probe::op_poll},
      {"shutdown", &Probe::op_shutdown},
      {"close", &Probe::op_close},
      {"ioctl", &Probe::op_ioctl},
      {"sysctl", &Probe::op_sysctl},
  };
  return table;
}

Probe::Outcome Probe::handle(const nlohmann::json& request) {
  Json response = Json::object();
  response["id"] = nullptr;
  try {
    if (!request.is_object()) throw ProtocolError("a request must be a JSON object");
    const auto id = request.find("id");
    if (id == request.end() || !id->is_number_integer())
      throw ProtocolError("missing or non-integer field \"id\"");
    response["id"] = *id;

    const Request req(request);
    const std::string op = req.string("op");
    const auto handler = dispatch_table().find(op);
    if (handler == dispatch_table().end())
      throw ProtocolError(fmt::format("unknown op \"{}\"", op));
    if (options_.verbose) {
      auto text = request.find("text");
      std::cerr << fmt::format(
          "{}: [{}] {} {}\n", options_.program, id->dump(), op,
          text != request.end() && text->is_string() ? text->get<std::string>() : std::string());
    }

    const Reply reply = (this->*handler->second)(req);
    response["ret"] = reply.ret;
    response["errno"] = reply.ret == -1 ? Json(errno_name(reply.err)) : Json(nullptr);
    for (const auto& [key, value] : reply.fields.items()) response[key] = value;
  } catch (const ProtocolError& e) {
    return {error_response(std::move(response), e.what(), case_name_, options_.program), false};
  } catch (const std::exception& e) {
    return {error_response(std::move(response), fmt::format("internal error: {}", e.what()),
                           case_name_, options_.program),
            false};
  } catch (...) {
    return {error_response(std::move(response), "internal error", case_name_, options_.program), false};
  }
  return {std::move(response), std::exchange(stop_, false)};
}

Probe::Outcome Probe::handle_line(std::string_view line) {
  nlohmann::json request;
  try {
    request = nlohmann::json::parse(line);
  } catch (const nlohmann::json::exception& e) {
    Json response = Json::object();
    response["id"] = nullptr;
    return {error_response(std::move(response), fmt::format("malformed JSON: {}", e.what()),
                           case_name_, options_.program),
            false};
  }
  return handle(request);
}

int Probe::fd_of(const Request& req, std::string_view key) const {
  const std::string name = req.string(key);
  const auto it = handles_.find(name);
  if (it == handles_.end()) throw ProtocolError(fmt::format("unknown handle \"{}\"", name));
  return it->second;
}

std::string Probe::new_handle(const Request& req, std::string_view key) const {
  std::string name = req.string(key);
  if (name.empty()) throw ProtocolError(fmt::format("field \"{}\" must not be empty", key));
  if (handles_.contains(name))
    throw ProtocolError(fmt::format("handle \"{}\" is already in use", name));
  return name;
}

}  // namespace ipconform::probe
