#include "oracle/cmsg.hpp"

#include <fmt/format.h>

#include "oracle/abi.hpp"
#include "oracle/value_codec.hpp"

namespace ipc::oracle {
namespace {

using json = nlohmann::json;

constexpr int kSolIp = 0;
constexpr int kSolSocket = 1;

struct CmsgType {
  int level, type;
  const char* name;
  const char* send_as;  // value type when a case passes it to sendmsg
};

// Control message types, by level (include/uapi/linux/in.h, socket.h).
constexpr CmsgType kTypes[] = {
    {kSolIp, 1, "IP_TOS", "int"},           {kSolIp, 2, "IP_TTL", "int"},
    {kSolIp, 4, "IP_OPTIONS", "bytes"},     {kSolIp, 6, "IP_RECVOPTS", "bytes"},
    {kSolIp, 7, "IP_RETOPTS", "bytes"},
    {kSolIp, 8, "IP_PKTINFO", "in_pktinfo"}, {kSolIp, 11, "IP_RECVERR", "bytes"},
    {kSolIp, 20, "IP_ORIGDSTADDR", "sockaddr_in"}, {kSolIp, 23, "IP_CHECKSUM", "u32"},
    {kSolIp, 25, "IP_RECVFRAGSIZE", "int"}, {kSolSocket, 29, "SCM_TIMESTAMP", "timeval"},
    {kSolSocket, 35, "SCM_TIMESTAMPNS", "bytes"}, {kSolSocket, 40, "SO_RXQ_OVFL", "u32"},
    {kSolSocket, 36, "SO_MARK", "u32"},
};

const CmsgType* by_name(const std::string& n) {
  for (const auto& t : kTypes)
    if (n == t.name) return &t;
  return nullptr;
}

const CmsgType* by_number(int level, int type) {
  for (const auto& t : kTypes)
    if (t.level == level && t.type == type) return &t;
  return nullptr;
}

std::uint32_t le32(const Bytes& b, std::size_t off) {
  return b[off] | b[off + 1] << 8 | b[off + 2] << 16 | static_cast<std::uint32_t>(b[off + 3]) << 24;
}

// struct sock_extended_err, then SO_EE_OFFENDER: the sockaddr that follows.
json decode_extended_err(const Bytes& b) {
  if (b.size() < 16) return json{{"hex", to_hex(b)}};
  auto ee_errno = le32(b, 0);
  json e = {{"ee_errno", ee_errno}, {"ee_origin", b[4]}, {"ee_type", b[5]}, {"ee_code", b[6]},
            {"ee_pad", b[7]}, {"ee_info", le32(b, 8)}, {"ee_data", le32(b, 12)}};
  // The name helps reading; numbers are what is compared across targets.
  if (const char* n = strerrorname_np(static_cast<int>(ee_errno))) e["errno"] = n;
  if (b.size() >= 16 + 8) {
    Bytes off(b.begin() + 16, b.end());
    e["offender"] = decode_value("sockaddr_in", off.size() >= 16 ? Bytes(off.begin(), off.begin() + 16) : off);
  }
  return e;
}

json decode_one(const CmsgType* t, const Bytes& data) {
  if (!t) return to_hex(data);
  std::string n = t->name;
  if (n == "IP_TOS") return data.size() == 1 ? json(data[0]) : decode_value("int", data);
  if (n == "IP_TTL" || n == "IP_RECVFRAGSIZE") return decode_value("int", data);
  if (n == "IP_PKTINFO") return decode_value("in_pktinfo", data);
  if (n == "IP_ORIGDSTADDR") return decode_value("sockaddr_in", data);
  if (n == "IP_RECVERR") return decode_extended_err(data);
  if (n == "SCM_TIMESTAMP") return json{{"present", true}};  // a time: never comparable
  return decode_value(t->send_as, data);
}

}  // namespace

json encode_cmsg(const json& spec) {
  if (!spec.is_object()) throw CodecError("a cmsg is a table: { type = \"IP_TTL\", value = 7 }");
  for (auto it = spec.begin(); it != spec.end(); ++it)
    if (it.key() != "type" && it.key() != "level" && it.key() != "value" && it.key() != "as" && it.key() != "data")
      throw CodecError(fmt::format("cmsg: unknown key '{}'", it.key()));
  if (!spec.contains("type")) throw CodecError("cmsg: missing 'type'");
  int level = kSolIp;
  if (spec.contains("level")) {
    auto l = spec["level"].is_number_integer() ? std::optional<std::int64_t>(spec["level"].get<std::int64_t>())
                                               : abi::lookup(abi::Space::Level, spec["level"].get<std::string>());
    if (!l) throw CodecError(fmt::format("cmsg: unknown level {}", spec["level"].dump()));
    level = static_cast<int>(*l);
  }
  int type;
  const CmsgType* known = nullptr;
  if (spec["type"].is_number_integer()) {
    type = spec["type"].get<int>();
    known = by_number(level, type);
  } else {
    known = by_name(spec["type"].get<std::string>());
    if (!known) throw CodecError(fmt::format("cmsg: unknown type {}", spec["type"].dump()));
    type = known->type;
    if (!spec.contains("level")) level = known->level;
  }
  Bytes data;
  if (spec.contains("data")) {
    data = from_hex(spec["data"].get<std::string>());
  } else {
    if (!spec.contains("value")) throw CodecError("cmsg: needs 'value' or 'data'");
    std::string as = spec.value("as", std::string(known ? known->send_as : "bytes"));
    data = encode_value(as, spec["value"]);
  }
  return {{"level", level}, {"type", type}, {"data", to_hex(data)}};
}

void decode_cmsgs(const json& raw, json& obs) {
  json list = json::array();
  json by_type = json::object();
  for (const auto& c : raw) {
    int level = c.value("level", -1), type = c.value("type", -1);
    const auto* t = by_number(level, type);
    Bytes data;
    try {
      data = from_hex(c.value("data", std::string()));
    } catch (const CodecError&) {
    }
    json v = decode_one(t, data);
    std::string name = t ? t->name : fmt::format("{}:{}", level, type);
    list.push_back({{"level", abi::level_name(level)}, {"type", name}, {"value", v}});
    by_type[name] = v;
  }
  obs["cmsgs"] = list;
  obs["cmsg"] = by_type;
}

}  // namespace ipc::oracle
