#include "request.hpp"

#include <limits>

#include <fmt/format.h>

namespace ipconform::probe {

namespace {

constexpr std::int64_t kIntMin = std::numeric_limits<std::int32_t>::min();
constexpr std::int64_t kUintMax = std::numeric_limits<std::uint32_t>::max();

std::string quoted(std::string_view key) { return fmt::format("field \"{}\"", key); }

}  // namespace

std::int64_t json_integer(const nlohmann::json& value, std::string_view what, std::int64_t min,
                          std::int64_t max) {
  std::int64_t v = 0;
  if (value.is_number_unsigned()) {
    auto u = value.get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
      throw ProtocolError(fmt::format("{} is out of range", what));
    v = static_cast<std::int64_t>(u);
  } else if (value.is_number_integer()) {
    v = value.get<std::int64_t>();
  } else {
    throw ProtocolError(fmt::format("{} must be an integer", what));
  }
  if (v < min || v > max)
    throw ProtocolError(fmt::format("{} = {} is out of range [{}, {}]", what, v, min, max));
  return v;
}

Bytes json_hex(const nlohmann::json& value, std::string_view what) {
  if (!value.is_string()) throw ProtocolError(fmt::format("{} must be a hex string", what));
  auto bytes = from_hex(value.get_ref<const std::string&>());
  if (!bytes) throw ProtocolError(fmt::format("{} is not valid hex", what));
  return std::move(*bytes);
}

const nlohmann::json* Request::find(std::string_view key) const {
  auto it = body_.find(key);
  if (it == body_.end() || it->is_null()) return nullptr;
  return &*it;
}

const nlohmann::json& Request::require(std::string_view key) const {
  const auto* value = find(key);
  if (value == nullptr) throw ProtocolError(fmt::format("missing {}", quoted(key)));
  return *value;
}

bool Request::has(std::string_view key) const { return find(key) != nullptr; }

std::string Request::string(std::string_view key) const {
  const auto& value = require(key);
  if (!value.is_string()) throw ProtocolError(fmt::format("{} must be a string", quoted(key)));
  return value.get<std::string>();
}

std::optional<std::string> Request::opt_string(std::string_view key) const {
  if (!has(key)) return std::nullopt;
  return string(key);
}

std::int64_t Request::integer(std::string_view key, std::int64_t min, std::int64_t max) const {
  return json_integer(require(key), quoted(key), min, max);
}

std::optional<std::int64_t> Request::opt_integer(std::string_view key, std::int64_t min,
                                                 std::int64_t max) const {
  if (!has(key)) return std::nullopt;
  return integer(key, min, max);
}

std::int32_t Request::c_int(std::string_view key) const {
  return static_cast<std::int32_t>(static_cast<std::uint32_t>(integer(key, kIntMin, kUintMax)));
}

std::optional<std::int32_t> Request::opt_c_int(std::string_view key) const {
  if (!has(key)) return std::nullopt;
  return c_int(key);
}

std::uint32_t Request::c_uint(std::string_view key) const {
  return static_cast<std::uint32_t>(integer(key, kIntMin, kUintMax));
}

Bytes Request::hex(std::string_view key) const { return json_hex(require(key), quoted(key)); }

std::optional<Bytes> Request::opt_hex(std::string_view key) const {
  if (!has(key)) return std::nullopt;
  return hex(key);
}

const nlohmann::json& Request::object(std::string_view key) const {
  const auto& value = require(key);
  if (!value.is_object()) throw ProtocolError(fmt::format("{} must be an object", quoted(key)));
  return value;
}

const nlohmann::json* Request::opt_object(std::string_view key) const {
  if (!has(key)) return nullptr;
  return &object(key);
}

const nlohmann::json& Request::array(std::string_view key) const {
  const auto& value = require(key);
  if (!value.is_array()) throw ProtocolError(fmt::format("{} must be an array", quoted(key)));
  return value;
}

}  // namespace ipconform::probe
