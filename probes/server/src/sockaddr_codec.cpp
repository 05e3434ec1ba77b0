#include "sockaddr_codec.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

#include "hex.hpp"
#include "request.hpp"

namespace ipconform::probe {

namespace {

SockaddrArg encode_raw(const nlohmann::json& addr) {
  Bytes raw = json_hex(addr["raw"], "address field \"raw\"");
  SockaddrArg arg;
  arg.len = static_cast<socklen_t>(raw.size());
  arg.bytes = std::move(raw);
  arg.bytes.resize(std::max(arg.bytes.size(), sizeof(sockaddr_storage)), 0);
  return arg;
}

SockaddrArg encode_inet(const nlohmann::json& addr) {
  for (const char* key : {"family", "addr", "port"})
    if (!addr.contains(key))
      throw ProtocolError(fmt::format("address object: missing field \"{}\"", key));

  sockaddr_in sin{};
  sin.sin_family =
      static_cast<sa_family_t>(json_integer(addr["family"], "address field \"family\"", 0, 0xffff));
  sin.sin_port = htons(
      static_cast<std::uint16_t>(json_integer(addr["port"], "address field \"port\"", 0, 0xffff)));
  const auto& text = addr["addr"];
  if (!text.is_string() ||
      ::inet_pton(AF_INET, text.get_ref<const std::string&>().c_str(), &sin.sin_addr) != 1)
    throw ProtocolError("address field \"addr\" must be a dotted-quad IPv4 address");

  SockaddrArg arg;
  arg.bytes.assign(sizeof(sockaddr_storage), 0);
  std::memcpy(arg.bytes.data(), &sin, sizeof sin);
  arg.len = sizeof sin;
  return arg;
}

}  // namespace

SockaddrArg encode_sockaddr(const nlohmann::json& addr, std::optional<socklen_t> addrlen) {
  if (!addr.is_object()) throw ProtocolError("address must be an object");
  SockaddrArg arg = addr.contains("raw") ? encode_raw(addr) : encode_inet(addr);
  if (addrlen) arg.len = *addrlen;
  return arg;
}

Json SockaddrOut::decode() const {
  if (len == 0) return nullptr;
  const auto clamp = [](socklen_t n) {
    const int as_int = static_cast<int>(n);
    return as_int < 0 ? std::size_t{0} : static_cast<std::size_t>(as_int);
  };
  const std::size_t valid = std::min({clamp(len), clamp(declared), sizeof storage});
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(&storage);

  Json out = Json::object();
  if (valid < sizeof(sa_family_t)) {
    out["raw"] = to_hex(bytes, valid);
    return out;
  }
  out["family"] = storage.ss_family;
  if (storage.ss_family == AF_INET && valid >= 8) {
    sockaddr_in sin{};
    std::memcpy(&sin, bytes, std::min(valid, sizeof sin));
    char text[INET_ADDRSTRLEN] = {};
    ::inet_ntop(AF_INET, &sin.sin_addr, text, sizeof text);
    out["addr"] = text;
    out["port"] = ntohs(sin.sin_port);
  } else {
    out["raw"] = to_hex(bytes, valid);
  }
  return out;
}

}  // namespace ipconform::probe
