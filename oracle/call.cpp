#include "oracle/call.hpp"

#include <fmt/format.h>

#include <set>

#include "oracle/abi.hpp"
#include "oracle/cmsg.hpp"
#include "oracle/value_codec.hpp"

namespace ipc::oracle {
namespace {

using json = nlohmann::json;
using abi::Space;

struct OpKeys {
  const char* op;
  std::set<std::string> keys;  // beyond op, handle, note
};

const std::vector<OpKeys>& op_table() {
  static const std::vector<OpKeys> t = {
      {"socket", {"domain", "type", "protocol"}},
      {"bind", {"addr", "port", "family", "addrlen", "raw"}},
      {"connect", {"addr", "port", "family", "addrlen", "raw"}},
      {"listen", {"backlog"}},
      {"accept", {"new", "flags", "addrlen"}},
      {"getsockname", {"addrlen"}},
      {"getpeername", {"addrlen"}},
      {"setsockopt", {"level", "name", "as", "value", "optlen"}},
      {"getsockopt", {"level", "name", "as", "optlen", "init"}},
      {"sendto", {"data", "text", "size", "flags", "addr", "port", "family", "addrlen", "raw"}},
      {"recvfrom", {"len", "flags", "addrlen"}},
      {"shutdown", {"how"}},
      {"close", {}},
      {"ioctl", {"request", "as", "value"}},
      {"sysctl", {"path", "value"}},
      {"sendmsg", {"data", "text", "size", "flags", "addr", "port", "family", "addrlen", "raw", "cmsgs", "controllen"}},
      {"recvmsg", {"len", "flags", "addrlen", "controllen"}},
      {"poll", {"events", "timeout_ms"}},
      {"inject", {"frame"}},
      {"barrier", {"wait_ms"}},
      {"expect_packet", {"match", "timeout_ms"}},
      {"expect_no_packet", {"match", "wait_ms"}},
  };
  return t;
}

const OpKeys* find_op(const std::string& op) {
  for (const auto& o : op_table())
    if (op == o.op) return &o;
  return nullptr;
}

std::string str(const json& call, const char* key, const std::string& dflt = "") {
  auto it = call.find(key);
  if (it == call.end()) return dflt;
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number_integer()) return std::to_string(it->get<std::int64_t>());
  throw StepError(fmt::format("'{}' must be a string or a number, got {}", key, it->dump()));
}

std::int64_t sym(const json& call, const char* key, Space space, std::int64_t dflt, bool flags = false) {
  auto it = call.find(key);
  if (it == call.end()) return dflt;
  if (it->is_number_integer()) return it->get<std::int64_t>();
  if (it->is_array()) {  // ["MSG_PEEK", "MSG_DONTWAIT"]
    std::int64_t v = 0;
    for (const auto& e : *it) {
      auto one = abi::lookup(space, e.get<std::string>());
      if (!one) throw StepError(fmt::format("'{}': unknown symbol {}", key, e.dump()));
      v |= *one;
    }
    return v;
  }
  if (!it->is_string()) throw StepError(fmt::format("'{}' must be a symbol or a number", key));
  auto s = it->get<std::string>();
  auto v = flags ? abi::lookup_flags(space, s) : abi::lookup(space, s);
  if (!v) throw StepError(fmt::format("'{}': unknown symbol '{}'", key, s));
  return *v;
}

// The text of a symbolic argument, arrays joined with '|'.
std::string sym_text(const json& call, const char* key, const std::string& dflt) {
  auto it = call.find(key);
  if (it == call.end()) return dflt;
  if (!it->is_array()) return str(call, key, dflt);
  std::string out;
  for (const auto& e : *it) out += (out.empty() ? "" : "|") + (e.is_string() ? e.get<std::string>() : e.dump());
  return out;
}

std::int64_t integer(const json& call, const char* key, std::int64_t dflt) {
  auto it = call.find(key);
  if (it == call.end()) return dflt;
  if (!it->is_number_integer()) throw StepError(fmt::format("'{}' must be an integer, got {}", key, it->dump()));
  return it->get<std::int64_t>();
}

// The sockaddr of bind/connect/sendto: structured, or raw bytes.
void put_sockaddr(const json& call, json& req, std::string& text, bool required) {
  if (call.contains("raw")) {
    auto bytes = from_hex(str(call, "raw"));
    req["addr"] = {{"raw", to_hex(bytes)}};
    req["addrlen"] = integer(call, "addrlen", static_cast<std::int64_t>(bytes.size()));
    text += fmt::format("raw {}, {}", to_hex(bytes), req["addrlen"].get<std::int64_t>());
    return;
  }
  if (!call.contains("addr") && !call.contains("port") && !required) return;
  auto addr = str(call, "addr", "0.0.0.0");
  try {
    auto n = parse_ipv4(addr);
    addr = format_ipv4(reinterpret_cast<const std::uint8_t*>(&n));
  } catch (const CodecError& e) {
    throw StepError(e.what());
  }
  auto port = integer(call, "port", 0);
  if (port < 0 || port > 65535) throw StepError(fmt::format("port {} out of range", port));
  auto family = sym(call, "family", Space::Family, 2);
  req["addr"] = {{"family", family}, {"addr", addr}, {"port", port}};
  text += fmt::format("{}:{}", addr, port);
  if (family != 2) text += fmt::format(" family={}", family);
  if (call.contains("addrlen")) {
    req["addrlen"] = integer(call, "addrlen", 16);
    text += fmt::format(", addrlen={}", req["addrlen"].get<std::int64_t>());
  }
}

}  // namespace

bool is_op(const std::string& op) { return find_op(op) != nullptr; }

bool is_wire_op(const std::string& op) {
  return op == "inject" || op == "expect_packet" || op == "expect_no_packet" || op == "barrier";
}

std::string sysctl_path(std::string p) {
  if (p.find('/') == std::string::npos)
    for (auto& c : p)
      if (c == '.') c = '/';
  bool ok = p.rfind("net/", 0) == 0;
  for (std::size_t start = 0; ok && start <= p.size();) {
    auto slash = p.find('/', start);
    auto part = p.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    ok = !part.empty() && part != "." && part != "..";
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  if (!ok) throw StepError(fmt::format("sysctl path '{}' is not under net/", p));
  return p;
}

void check_step_keys(const json& call) {
  if (!call.is_object()) throw StepError("a step must be a table");
  auto it = call.find("op");
  if (it == call.end() || !it->is_string()) throw StepError("step has no 'op'");
  auto* op = find_op(it->get<std::string>());
  if (!op) throw StepError(fmt::format("unknown op '{}'", it->get<std::string>()));
  for (auto k = call.begin(); k != call.end(); ++k) {
    if (k.key() == "op" || k.key() == "note" || (k.key() == "handle" && !is_wire_op(op->op))) continue;
    if (!op->keys.count(k.key()))
      throw StepError(fmt::format("op '{}' takes no key '{}'", op->op, k.key()));
  }
  if ((op->op == std::string("setsockopt") || op->op == std::string("getsockopt")) && !call.contains("name"))
    throw StepError(fmt::format("{} needs 'name'", op->op));
  if (op->op == std::string("setsockopt") && !call.contains("value"))
    throw StepError("setsockopt needs 'value'");
  if (op->op == std::string("socket") && !call.contains("type")) throw StepError("socket needs 'type'");
  if (op->op == std::string("sysctl") && !call.contains("path")) throw StepError("sysctl needs 'path'");
  if (op->op == std::string("ioctl") && !call.contains("request")) throw StepError("ioctl needs 'request'");
  if (op->op == std::string("inject") && !(call.contains("frame") && call["frame"].is_array()))
    throw StepError("inject needs 'frame', an array of layer tables");
  if ((op->op == std::string("expect_packet") || op->op == std::string("expect_no_packet")) &&
      !(call.contains("match") && call["match"].is_object()))
    throw StepError(fmt::format("{} needs 'match', a table of layers and fields", op->op));
}

json build_request(const json& call) {
  check_step_keys(call);
  const auto op = call["op"].get<std::string>();
  const auto h = str(call, "handle", "s");
  json req = {{"op", op}};
  std::string text;
  try {
    if (op != "sysctl" && !is_wire_op(op)) req["handle"] = h;
    if (op == "socket") {
      req["domain"] = sym(call, "domain", Space::Family, 2);
      req["type"] = sym(call, "type", Space::SockType, 0, true);
      req["protocol"] = sym(call, "protocol", Space::Protocol, 0);
      text = fmt::format("{} = socket({}, {}, {})", h, str(call, "domain", "AF_INET"), sym_text(call, "type", ""),
                         str(call, "protocol", "0"));
    } else if (op == "bind" || op == "connect") {
      text = fmt::format("{}({}, ", op, h);
      put_sockaddr(call, req, text, op == "bind" || !call.contains("raw"));
      text += ")";
    } else if (op == "listen") {
      req["backlog"] = integer(call, "backlog", 16);
      text = fmt::format("listen({}, {})", h, req["backlog"].get<std::int64_t>());
    } else if (op == "accept") {
      req["new_handle"] = str(call, "new", "a");
      req["flags"] = sym(call, "flags", Space::SockType, 0, true);
      req["addrlen"] = integer(call, "addrlen", 16);
      text = fmt::format("{} = accept4({}, addrlen={}, {})", req["new_handle"].get<std::string>(), h,
                         req["addrlen"].get<std::int64_t>(), sym_text(call, "flags", "0"));
    } else if (op == "getsockname" || op == "getpeername") {
      req["addrlen"] = integer(call, "addrlen", 16);
      text = fmt::format("{}({}, addrlen={})", op, h, req["addrlen"].get<std::int64_t>());
    } else if (op == "setsockopt" || op == "getsockopt") {
      auto level = sym(call, "level", Space::Level, 0);
      auto name_s = str(call, "name");
      auto name = abi::option(static_cast<int>(level), name_s);
      if (!name) throw StepError(fmt::format("unknown option '{}' at level {}", name_s, abi::level_name(level)));
      auto as = str(call, "as", "int");
      if (!is_value_type(as)) throw StepError(fmt::format("unknown value type '{}'", as));
      req["level"] = level;
      req["name"] = *name;
      auto lvl = str(call, "level", "IPPROTO_IP");
      if (op == "setsockopt") {
        auto bytes = encode_value(as, call["value"]);
        auto optlen = integer(call, "optlen", static_cast<std::int64_t>(bytes.size()));
        req["value"] = to_hex(bytes);
        req["optlen"] = optlen;
        text = fmt::format("setsockopt({}, {}, {}, {}, {})", h, lvl, name_s, render_value(as, call["value"]), optlen);
      } else {
        auto dflt = value_size(as) ? value_size(as) : 64;
        auto optlen = integer(call, "optlen", static_cast<std::int64_t>(dflt));
        req["optlen"] = optlen;
        if (call.contains("init")) req["value"] = to_hex(encode_value(as, call["init"]));
        text = fmt::format("getsockopt({}, {}, {}, optlen={})", h, lvl, name_s, optlen);
      }
    } else if (op == "sendto" || op == "sendmsg") {
      Bytes data;
      if (call.contains("data")) data = from_hex(str(call, "data"));
      else if (call.contains("text")) { auto s = str(call, "text"); data.assign(s.begin(), s.end()); }
      else data.assign(static_cast<std::size_t>(integer(call, "size", 0)), 0);
      req["data"] = to_hex(data);
      req["flags"] = sym(call, "flags", Space::MsgFlag, 0, true);
      text = fmt::format("{}({}, {} bytes, {}", op, h, data.size(), sym_text(call, "flags", "0"));
      std::string addr_text;
      put_sockaddr(call, req, addr_text, false);
      if (!addr_text.empty()) text += ", " + addr_text;
      if (op == "sendmsg") {
        json cmsgs = json::array();
        for (const auto& c : call.value("cmsgs", json::array())) {
          cmsgs.push_back(encode_cmsg(c));
          text += fmt::format(", cmsg {}", c.value("type", json()).dump());
        }
        req["cmsgs"] = cmsgs;
        if (call.contains("controllen")) req["controllen"] = integer(call, "controllen", 0);
      }
      text += ")";
    } else if (op == "recvmsg") {
      req["len"] = integer(call, "len", 2048);
      req["flags"] = sym(call, "flags", Space::MsgFlag, 0, true);
      req["addrlen"] = integer(call, "addrlen", 16);
      req["controllen"] = integer(call, "controllen", 1024);
      text = fmt::format("recvmsg({}, len={}, {}, controllen={})", h, req["len"].get<std::int64_t>(),
                         sym_text(call, "flags", "0"), req["controllen"].get<std::int64_t>());
    } else if (op == "poll") {
      req["events"] = sym(call, "events", Space::Poll, 1, true);
      req["timeout_ms"] = integer(call, "timeout_ms", 0);
      text = fmt::format("poll({}, {}, {} ms)", h, sym_text(call, "events", "POLLIN"), req["timeout_ms"].get<std::int64_t>());
    } else if (op == "inject") {
      req["frame"] = call["frame"];
      std::string layers;
      for (const auto& l : call["frame"]) layers += (layers.empty() ? "" : "/") + l.value("layer", std::string("?"));
      text = fmt::format("inject {}", layers);
    } else if (op == "barrier") {
      req["wait_ms"] = integer(call, "wait_ms", 2000);
      text = "barrier (the DUT has handled everything before)";
    } else if (op == "expect_packet" || op == "expect_no_packet") {
      req["match"] = call["match"];
      if (op == "expect_packet") req["timeout_ms"] = integer(call, "timeout_ms", 1000);
      else req["wait_ms"] = integer(call, "wait_ms", 2000);
      // The match itself, compactly: it is what the step checks.
      std::string what;
      for (auto it = call["match"].begin(); it != call["match"].end(); ++it) {
        std::string fields;
        if (it->is_object())
          for (auto f = it->begin(); f != it->end(); ++f)
            fields += fmt::format("{}{}={}", fields.empty() ? "" : " ", f.key(),
                                  f->is_string() ? f->get<std::string>() : f->dump());
        what += fmt::format("{}{}[{}]", what.empty() ? "" : " / ", it.key(), fields);
      }
      text = fmt::format("{} {}", op == "expect_packet" ? "expect packet" : "expect no packet", what);
    } else if (op == "recvfrom") {
      req["len"] = integer(call, "len", 2048);
      req["flags"] = sym(call, "flags", Space::MsgFlag, 0, true);
      req["addrlen"] = integer(call, "addrlen", 16);
      text = fmt::format("recvfrom({}, len={}, {})", h, req["len"].get<std::int64_t>(), sym_text(call, "flags", "0"));
    } else if (op == "shutdown") {
      req["how"] = sym(call, "how", Space::Shutdown, 2);
      text = fmt::format("shutdown({}, {})", h, str(call, "how", "SHUT_RDWR"));
    } else if (op == "close") {
      text = fmt::format("close({})", h);
    } else if (op == "ioctl") {
      req["request"] = sym(call, "request", Space::Ioctl, 0);
      auto as = str(call, "as", "int");
      req["arg"] = as == "int" ? "int" : "buffer";
      req["value"] = to_hex(encode_value(as, call.contains("value") ? call["value"] : json(0)));
      text = fmt::format("ioctl({}, {})", h, str(call, "request"));
    } else if (op == "sysctl") {
      req["path"] = sysctl_path(str(call, "path"));
      if (call.contains("value")) {
        req["value"] = str(call, "value");
        text = fmt::format("sysctl {} = {}", req["path"].get<std::string>(), req["value"].get<std::string>());
      } else {
        text = fmt::format("sysctl {}", req["path"].get<std::string>());
      }
    }
  } catch (const CodecError& e) {
    throw StepError(e.what());
  } catch (const json::exception& e) {
    throw StepError(fmt::format("bad value in step: {}", e.what()));
  }
  req["text"] = text;
  return req;
}

json normalize(const json& call, const json& resp) {
  json obs = {{"ret", resp.value("ret", json())}, {"errno", resp.value("errno", json())}};
  const auto op = call.value("op", std::string());
  auto copy = [&](const char* k) {
    if (auto it = resp.find(k); it != resp.end()) obs[k] = *it;
  };
  if (op == "getsockopt" || op == "ioctl") {
    auto as = call.value("as", std::string("int"));
    if (op == "getsockopt") copy("optlen");
    if (auto it = resp.find("value"); it != resp.end() && it->is_string()) {
      try {
        obs["value"] = decode_value(as, from_hex(it->get<std::string>()));
      } catch (const CodecError&) {
        obs["value"] = *it;
      }
    }
  } else if (op == "getsockname" || op == "getpeername" || op == "accept") {
    copy("addr");
    copy("addrlen");
  } else if (op == "recvfrom") {
    copy("data");
    copy("addr");
    copy("addrlen");
  } else if (op == "recvmsg") {
    copy("data");
    copy("addr");
    copy("addrlen");
    copy("msg_flags");
    copy("controllen");
    decode_cmsgs(resp.value("cmsgs", json::array()), obs);
  } else if (op == "poll") {
    copy("revents");
  } else if (op == "expect_packet" || op == "expect_no_packet") {
    copy("packet");
  } else if (op == "sysctl") {
    copy("value");
  }
  return obs;
}

}  // namespace ipc::oracle
