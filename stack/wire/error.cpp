#include "stack/wire/error.hpp"

namespace ipc::stack::wire {

const char* to_string(Error e) {
  switch (e) {
    case Error::kTruncated: return "truncated";
    case Error::kBadVersion: return "bad version";
    case Error::kBadHeaderLength: return "bad header length";
    case Error::kBadLength: return "bad length";
    case Error::kBadChecksum: return "bad checksum";
    case Error::kMalformed: return "malformed";
    case Error::kUnsupported: return "unsupported";
    case Error::kBufferTooSmall: return "buffer too small";
    case Error::kUnrepresentable: return "unrepresentable";
  }
  return "?";
}

}  // namespace ipc::stack::wire
