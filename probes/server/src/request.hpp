// Typed, validating access to the fields of one probe-protocol request.
// Every accessor throws ProtocolError when a field is missing (for the
// required forms) or has the wrong type; JSON null counts as absent.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "hex.hpp"

namespace ipconform::probe {

// The request was not carried out: it answers with an `error` field.
class ProtocolError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Request {
 public:
  explicit Request(const nlohmann::json& body) : body_(body) {}

  const nlohmann::json& body() const { return body_; }
  bool has(std::string_view key) const;

  std::string string(std::string_view key) const;
  std::optional<std::string> opt_string(std::string_view key) const;

  // An integer in [min, max].
  std::int64_t integer(std::string_view key, std::int64_t min, std::int64_t max) const;
  std::optional<std::int64_t> opt_integer(std::string_view key, std::int64_t min,
                                          std::int64_t max) const;

  // A C `int` / `unsigned int` argument: any value in [INT32_MIN, UINT32_MAX],
  // converted modulo 2^32 (so flag masks may be written either way).
  std::int32_t c_int(std::string_view key) const;
  std::optional<std::int32_t> opt_c_int(std::string_view key) const;
  std::uint32_t c_uint(std::string_view key) const;

  // A hex string decoded to bytes.
  Bytes hex(std::string_view key) const;
  std::optional<Bytes> opt_hex(std::string_view key) const;

  // An object / array field (a reference into the request).
  const nlohmann::json& object(std::string_view key) const;
  const nlohmann::json* opt_object(std::string_view key) const;
  const nlohmann::json& array(std::string_view key) const;

 private:
  const nlohmann::json* find(std::string_view key) const;
  const nlohmann::json& require(std::string_view key) const;

  const nlohmann::json& body_;
};

// Field checks shared with nested objects (sockaddr objects).
std::int64_t json_integer(const nlohmann::json& value, std::string_view what, std::int64_t min,
                          std::int64_t max);
Bytes json_hex(const nlohmann::json& value, std::string_view what);

}  // namespace ipconform::probe
