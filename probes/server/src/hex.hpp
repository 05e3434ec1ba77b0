// Lowercase hex encoding of byte strings, as used by the probe protocol.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ipconform::probe {

using Bytes = std::vector<std::uint8_t>;

// Lowercase hex of `size` bytes at `data`.
std::string to_hex(const std::uint8_t* data, std::size_t size);
inline std::string to_hex(const Bytes& bytes) { return to_hex(bytes.data(), bytes.size()); }

// Decodes hex (either case); nullopt on an odd length or a non-hex digit.
std::optional<Bytes> from_hex(std::string_view text);

}  // namespace ipconform::probe
