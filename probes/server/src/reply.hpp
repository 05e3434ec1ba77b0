// What an operation handler answers: the call's result plus its outputs.
#pragma once

#include <cerrno>

#include <nlohmann/json.hpp>

namespace ipconform::probe {

// Responses keep their keys in insertion order: id, ret, errno, outputs.
using Json = nlohmann::ordered_json;

struct Reply {
  long ret = 0;
  int err = 0;                   // the errno when ret == -1
  Json fields = Json::object();  // op-specific outputs
};

// The reply for a raw syscall result; reads errno at once, so call it as
// `syscall_reply(::bind(...))` with nothing in between.
inline Reply syscall_reply(long ret) {
  Reply reply;
  reply.ret = ret;
  reply.err = ret == -1 ? errno : 0;
  return reply;
}

// A failure reported like a failed syscall (ret -1, errno `err`).
inline Reply errno_reply(int err) {
  Reply reply;
  reply.ret = -1;
  reply.err = err;
  return reply;
}

}  // namespace ipconform::probe
