// Option values and structures, written field by field in a case, to and from
// the bytes a socket call takes. Layouts are Linux x86-64's (include/uapi/
// linux/in.h): in_addr 4, ip_mreq 8, ip_mreqn 12, ip_mreq_source 12,
// ip_msfilter 16+4n, group_req 136, group_source_req 264, group_filter
// 144+128n (sockaddr_storage is 8-aligned after the 4-byte interface).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

namespace ipc::oracle {

using Bytes = std::vector<std::uint8_t>;

struct CodecError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The value types a case may name in `as`.
bool is_value_type(const std::string& as);
// The natural size of a type (int 4, ip_mreqn 12, ...); 0 when variable (bytes).
std::size_t value_size(const std::string& as);

// Encodes `value` (a case value: number, symbolic constant, dotted address,
// hex string or table of fields) as type `as`. Throws CodecError.
Bytes encode_value(const std::string& as, const nlohmann::json& value);

// Decodes bytes a call wrote back. When the length does not fit the type, the
// result is {"hex": "..."} so nothing is lost and a mismatch is visible.
nlohmann::json decode_value(const std::string& as, const Bytes& bytes);

std::string to_hex(const Bytes& b);
Bytes from_hex(const std::string& hex);  // accepts spaces and ':'; throws CodecError

// "192.0.2.1" -> network-order bytes; throws CodecError.
std::uint32_t parse_ipv4(const std::string& dotted);
std::string format_ipv4(const std::uint8_t* network_order);

// A short readable rendering for call texts: "int 64", "ip_mreqn{...}".
std::string render_value(const std::string& as, const nlohmann::json& value);

}  // namespace ipc::oracle
