// Errors from checking and parsing packets, and the small Result type the
// wire layer returns (g++ 12 has no std::expected).
#pragma once

#include <cstdint>
#include <utility>
#include <variant>

namespace ipc::stack::wire {

enum class Error : std::uint8_t {
  kTruncated,       // the buffer is shorter than a length says it must be
  kBadVersion,      // IPv4 version field != 4
  kBadHeaderLength, // a header-length field below the minimum (IPv4 ihl < 5, TCP doff < 5)
  kBadLength,       // a length field smaller than the header it covers (IPv4 tot_len, UDP len)
  kBadChecksum,
  kMalformed,       // structurally impossible contents (option lengths, record counts)
  kUnsupported,     // well-formed but not a variant we handle (ARP for non-Ethernet/IPv4)
  kBufferTooSmall,  // emit: the output buffer cannot hold buffer_len() bytes
  kUnrepresentable, // emit: a repr field does not fit its wire field
};

const char* to_string(Error e);

template <class T, class E = Error>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}
  Result(E error) : v_(std::in_place_index<1>, error) {}

  bool has_value() const { return v_.index() == 0; }
  explicit operator bool() const { return has_value(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  E error() const { return std::get<1>(v_); }

 private:
  std::variant<T, E> v_;
};

}  // namespace ipc::stack::wire
