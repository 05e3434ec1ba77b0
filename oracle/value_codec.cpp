#include "oracle/value_codec.hpp"

#include <arpa/inet.h>
#include <fmt/format.h>

#include "oracle/abi.hpp"

namespace ipc::oracle {
namespace {

using json = nlohmann::json;

constexpr std::size_t kStorage = 128;  // sizeof(struct sockaddr_storage)
constexpr std::size_t kGroupReq = 8 + kStorage;
constexpr std::size_t kGroupSourceReq = 8 + 2 * kStorage;
constexpr std::size_t kGroupFilterHead = 8 + kStorage + 8;  // up to gf_slist
constexpr std::size_t kMsfilterHead = 16;                   // up to imsf_slist

struct Writer {
  Bytes out;
  void u8(std::uint64_t v) { out.push_back(static_cast<std::uint8_t>(v)); }
  void le(std::uint64_t v, int n) {
    for (int i = 0; i < n; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
  }
  void addr(const json& v) {
    std::uint32_t a = v.is_number() ? htonl(static_cast<std::uint32_t>(v.get<std::int64_t>()))
                                    : parse_ipv4(v.get<std::string>());
    auto* p = reinterpret_cast<const std::uint8_t*>(&a);
    out.insert(out.end(), p, p + 4);
  }
  void pad_to(std::size_t n) { out.resize(n, 0); }
  // A sockaddr_in inside a sockaddr_storage: family, port, address, zeros.
  void storage(const json& v) {
    std::size_t start = out.size();
    if (v.is_object()) {
      le(static_cast<std::uint64_t>(v.value("family", 2)), 2);
      std::uint16_t port = htons(static_cast<std::uint16_t>(v.value("port", 0)));
      le(port, 2);
      addr(v.value("addr", json("0.0.0.0")));
    } else {
      le(2, 2);
      le(0, 2);
      addr(v);
    }
    pad_to(start + kStorage);
  }
};

std::int64_t ranged(const json& v, const char* what, std::int64_t lo, std::int64_t hi);

std::int64_t integer(const json& v, const char* what) {
  if (v.is_boolean()) return v.get<bool>() ? 1 : 0;
  if (v.is_number_integer()) return v.get<std::int64_t>();
  if (v.is_string()) {
    if (auto n = abi::lookup(abi::Space::Constant, v.get<std::string>())) return *n;
  }
  throw CodecError(fmt::format("{}: expected an integer or a known constant, got {}", what, v.dump()));
}

// Integers are written in the width of their type; one that does not fit is a
// case error rather than a silent truncation. Signed and unsigned readings are
// both allowed (0xff and -1 for a byte).
std::int64_t ranged(const json& v, const char* what, std::int64_t lo, std::int64_t hi) {
  auto n = integer(v, what);
  if (n < lo || n > hi) throw CodecError(fmt::format("{}: {} does not fit", what, n));
  return n;
}

const json& field(const json& v, const char* name, const char* type) {
  if (!v.is_object()) throw CodecError(fmt::format("{}: expected a table of fields", type));
  auto it = v.find(name);
  if (it == v.end()) throw CodecError(fmt::format("{}: missing field '{}'", type, name));
  return *it;
}

json field_or(const json& v, const char* name, json dflt) {
  auto it = v.find(name);
  return it == v.end() ? dflt : *it;
}

void check_fields(const json& v, std::initializer_list<const char*> allowed, const char* type) {
  if (!v.is_object()) throw CodecError(fmt::format("{}: expected a table of fields", type));
  for (auto it = v.begin(); it != v.end(); ++it) {
    bool ok = false;
    for (auto* a : allowed) ok = ok || it.key() == a;
    if (!ok) throw CodecError(fmt::format("{}: unknown field '{}'", type, it.key()));
  }
}

std::uint64_t rd_le(const Bytes& b, std::size_t off, int n) {
  std::uint64_t v = 0;
  for (int i = 0; i < n; ++i) v |= static_cast<std::uint64_t>(b[off + i]) << (8 * i);
  return v;
}

json storage_json(const Bytes& b, std::size_t off) {
  auto family = rd_le(b, off, 2);
  json j = {{"family", family}};
  if (family == 2) {
    j["port"] = (b[off + 2] << 8) | b[off + 3];
    j["addr"] = format_ipv4(&b[off + 4]);
  }
  return j;
}

}  // namespace

std::string to_hex(const Bytes& b) {
  static const char* d = "0123456789abcdef";
  std::string s;
  s.reserve(b.size() * 2);
  for (auto c : b) {
    s.push_back(d[c >> 4]);
    s.push_back(d[c & 15]);
  }
  return s;
}

Bytes from_hex(const std::string& hex) {
  Bytes out;
  int nib = -1;
  for (char c : hex) {
    if (c == ' ' || c == ':' || c == '_') continue;
    int v;
    if (c >= '0' && c <= '9') v = c - '0';
    else if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F') v = c - 'A' + 10;
    else throw CodecError(fmt::format("not a hex string: '{}'", hex));
    if (nib < 0) {
      nib = v;
    } else {
      out.push_back(static_cast<std::uint8_t>(nib << 4 | v));
      nib = -1;
    }
  }
  if (nib >= 0) throw CodecError(fmt::format("odd number of hex digits: '{}'", hex));
  return out;
}

std::uint32_t parse_ipv4(const std::string& dotted) {
  in_addr a{};
  if (inet_pton(AF_INET, dotted.c_str(), &a) != 1) {
    if (auto n = abi::lookup(abi::Space::Constant, dotted))
      return htonl(static_cast<std::uint32_t>(*n));
    throw CodecError(fmt::format("not an IPv4 address: '{}'", dotted));
  }
  return a.s_addr;
}

std::string format_ipv4(const std::uint8_t* p) {
  return fmt::format("{}.{}.{}.{}", p[0], p[1], p[2], p[3]);
}

bool is_value_type(const std::string& as) {
  static const char* kTypes[] = {"int", "u8", "u16", "u32", "i64", "u64", "bytes", "in_addr",
                                 "ip_mreq", "ip_mreqn", "ip_mreq_source", "ip_msfilter",
                                 "group_req", "group_source_req", "group_filter", "linger",
                                 "timeval", "in_pktinfo", "sockaddr_in", "string"};
  for (auto* t : kTypes)
    if (as == t) return true;
  return false;
}

std::size_t value_size(const std::string& as) {
  if (as == "int" || as == "u32" || as == "in_addr") return 4;
  if (as == "u8") return 1;
  if (as == "u16") return 2;
  if (as == "i64" || as == "u64" || as == "ip_mreq" || as == "linger") return 8;
  if (as == "ip_mreqn" || as == "ip_mreq_source" || as == "in_pktinfo") return 12;
  if (as == "ip_msfilter") return kMsfilterHead + 4;
  if (as == "group_req") return kGroupReq;
  if (as == "group_source_req") return kGroupSourceReq;
  if (as == "group_filter") return kGroupFilterHead + kStorage;
  if (as == "timeval" || as == "sockaddr_in") return 16;
  return 0;
}

Bytes encode_value(const std::string& as, const json& v) {
  Writer w;
  if (as == "int" || as == "u32") {
    w.le(static_cast<std::uint64_t>(ranged(v, as.c_str(), INT32_MIN, UINT32_MAX)), 4);
  } else if (as == "u8") {
    w.le(static_cast<std::uint64_t>(ranged(v, "u8", INT8_MIN, UINT8_MAX)), 1);
  } else if (as == "u16") {
    w.le(static_cast<std::uint64_t>(ranged(v, "u16", INT16_MIN, UINT16_MAX)), 2);
  } else if (as == "i64" || as == "u64") {
    w.le(static_cast<std::uint64_t>(integer(v, as.c_str())), 8);
  } else if (as == "bytes") {
    if (!v.is_string()) throw CodecError("bytes: expected a hex string");
    return from_hex(v.get<std::string>());
  } else if (as == "string") {
    if (!v.is_string()) throw CodecError("string: expected a string");
    auto s = v.get<std::string>();
    return Bytes(s.begin(), s.end());
  } else if (as == "in_addr") {
    if (!v.is_string() && !v.is_number()) throw CodecError("in_addr: expected a dotted address");
    w.addr(v);
  } else if (as == "ip_mreq") {
    check_fields(v, {"multiaddr", "interface"}, "ip_mreq");
    w.addr(field(v, "multiaddr", "ip_mreq"));
    w.addr(field_or(v, "interface", "0.0.0.0"));
  } else if (as == "ip_mreqn") {
    check_fields(v, {"multiaddr", "address", "ifindex"}, "ip_mreqn");
    w.addr(field(v, "multiaddr", "ip_mreqn"));
    w.addr(field_or(v, "address", "0.0.0.0"));
    w.le(static_cast<std::uint64_t>(integer(field_or(v, "ifindex", 0), "ifindex")), 4);
  } else if (as == "ip_mreq_source") {
    check_fields(v, {"multiaddr", "interface", "sourceaddr"}, "ip_mreq_source");
    w.addr(field(v, "multiaddr", "ip_mreq_source"));
    w.addr(field_or(v, "interface", "0.0.0.0"));
    w.addr(field(v, "sourceaddr", "ip_mreq_source"));
  } else if (as == "ip_msfilter") {
    check_fields(v, {"multiaddr", "interface", "fmode", "numsrc", "slist"}, "ip_msfilter");
    auto slist = field_or(v, "slist", json::array());
    w.addr(field(v, "multiaddr", "ip_msfilter"));
    w.addr(field_or(v, "interface", "0.0.0.0"));
    w.le(static_cast<std::uint64_t>(integer(field_or(v, "fmode", 1), "fmode")), 4);
    w.le(static_cast<std::uint64_t>(integer(field_or(v, "numsrc", slist.size()), "numsrc")), 4);
    for (const auto& s : slist) w.addr(s);
  } else if (as == "group_req") {
    check_fields(v, {"interface", "group"}, "group_req");
    w.le(static_cast<std::uint64_t>(integer(field_or(v, "interface", 0), "interface")), 4);
    w.pad_to(8);
    w.storage(field(v, "group", "group_req"));
  } else if (as == "group_source_req") {
    check_fields(v, {"interface", "group", "source"}, "group_source_req");
    w.le(static_cast<std::uint64_t>(integer(field_or(v, "interface", 0), "interface")), 4);
    w.pad_to(8);
    w.storage(field(v, "group", "group_source_req"));
    w.storage(field(v, "source", "group_source_req"));
  } else if (as == "group_filter") {
    check_fields(v, {"interface", "group", "fmode", "numsrc", "slist"}, "group_filter");
    auto slist = field_or(v, "slist", json::array());
    w.le(static_cast<std::uint64_t>(integer(field_or(v, "interface", 0), "interface")), 4);
    w.pad_to(8);
    w.storage(field(v, "group", "group_filter"));
    w.le(static_cast<std::uint64_t>(integer(field_or(v, "fmode", 1), "fmode")), 4);
    w.le(static_cast<std::uint64_t>(integer(field_or(v, "numsrc", slist.size()), "numsrc")), 4);
    for (const auto& s : slist) w.storage(s);
  } else if (as == "linger") {
    check_fields(v, {"onoff", "linger"}, "linger");
    w.le(static_cast<std::uint64_t>(integer(field_or(v, "onoff", 0), "onoff")), 4);
    w.le(static_cast<std::uint64_t>(integer(field_or(v, "linger", 0), "linger")), 4);
  } else if (as == "timeval") {
    check_fields(v, {"sec", "usec"}, "timeval");
    w.le(static_cast<std::uint64_t>(integer(field_or(v, "sec", 0), "sec")), 8);
    w.le(static_cast<std::uint64_t>(integer(field_or(v, "usec", 0), "usec")), 8);
  } else if (as == "in_pktinfo") {
    check_fields(v, {"ifindex", "spec_dst", "addr"}, "in_pktinfo");
    w.le(static_cast<std::uint64_t>(integer(field_or(v, "ifindex", 0), "ifindex")), 4);
    w.addr(field_or(v, "spec_dst", "0.0.0.0"));
    w.addr(field_or(v, "addr", "0.0.0.0"));
  } else if (as == "sockaddr_in") {
    w.storage(v);
    w.out.resize(16);
  } else {
    throw CodecError(fmt::format("unknown value type '{}'", as));
  }
  return w.out;
}

json decode_value(const std::string& as, const Bytes& b) {
  const auto n = b.size();
  auto hex = [&] { return json{{"hex", to_hex(b)}}; };
  if (as == "bytes") return to_hex(b);
  if (as == "string") return std::string(b.begin(), b.end());
  if (as == "int") {
    // A getsockopt with optlen < 4 gets one byte for char-sized values
    // (do_ip_getsockopt: "if (len < sizeof(int) && len > 0 && val>=0 && val<=255)").
    if (n == 4) return static_cast<std::int32_t>(rd_le(b, 0, 4));
    if (n == 1) return b[0];
    return hex();
  }
  if (as == "u8") return n == 1 ? json(b[0]) : hex();
  if (as == "u16") return n == 2 ? json(rd_le(b, 0, 2)) : hex();
  if (as == "u32") return n == 4 ? json(rd_le(b, 0, 4)) : hex();
  if (as == "i64") return n == 8 ? json(static_cast<std::int64_t>(rd_le(b, 0, 8))) : hex();
  if (as == "u64") return n == 8 ? json(rd_le(b, 0, 8)) : hex();
  if (as == "in_addr") return n == 4 ? json(format_ipv4(b.data())) : hex();
  if (as == "ip_mreq" && n == 8)
    return {{"multiaddr", format_ipv4(&b[0])}, {"interface", format_ipv4(&b[4])}};
  if (as == "ip_mreqn" && n == 12)
    return {{"multiaddr", format_ipv4(&b[0])}, {"address", format_ipv4(&b[4])},
            {"ifindex", static_cast<std::int32_t>(rd_le(b, 8, 4))}};
  if (as == "ip_mreq_source" && n == 12)
    return {{"multiaddr", format_ipv4(&b[0])}, {"interface", format_ipv4(&b[4])},
            {"sourceaddr", format_ipv4(&b[8])}};
  if (as == "in_pktinfo" && n == 12)
    return {{"ifindex", rd_le(b, 0, 4)}, {"spec_dst", format_ipv4(&b[4])},
            {"addr", format_ipv4(&b[8])}};
  if (as == "linger" && n == 8)
    return {{"onoff", static_cast<std::int32_t>(rd_le(b, 0, 4))},
            {"linger", static_cast<std::int32_t>(rd_le(b, 4, 4))}};
  if (as == "timeval" && n == 16)
    return {{"sec", static_cast<std::int64_t>(rd_le(b, 0, 8))},
            {"usec", static_cast<std::int64_t>(rd_le(b, 8, 8))}};
  if (as == "sockaddr_in" && n >= 8) return storage_json(b, 0);
  if (as == "ip_msfilter" && n >= kMsfilterHead) {
    json j = {{"multiaddr", format_ipv4(&b[0])}, {"interface", format_ipv4(&b[4])},
              {"fmode", rd_le(b, 8, 4)}, {"numsrc", rd_le(b, 12, 4)}};
    json sl = json::array();
    for (std::size_t off = kMsfilterHead; off + 4 <= n; off += 4) sl.push_back(format_ipv4(&b[off]));
    j["slist"] = sl;
    return j;
  }
  if (as == "group_filter" && n >= kGroupFilterHead) {
    json j = {{"interface", rd_le(b, 0, 4)}, {"group", storage_json(b, 8)},
              {"fmode", rd_le(b, 8 + kStorage, 4)}, {"numsrc", rd_le(b, 12 + kStorage, 4)}};
    json sl = json::array();
    for (std::size_t off = kGroupFilterHead; off + kStorage <= n; off += kStorage)
      sl.push_back(storage_json(b, off));
    j["slist"] = sl;
    return j;
  }
  if (as == "group_req" && n == kGroupReq)
    return {{"interface", rd_le(b, 0, 4)}, {"group", storage_json(b, 8)}};
  return hex();
}

std::string render_value(const std::string& as, const json& value) {
  if (value.is_string()) return fmt::format("{} {}", as, value.get<std::string>());
  return fmt::format("{} {}", as, value.dump());
}

}  // namespace ipc::oracle
