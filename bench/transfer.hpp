// One end of a transfer, on either SocketApi: listen, accept, connect, send
// the stream, receive and check it. Every wait is a poll() in short slices,
// so an end gives up at its deadline or when the other end has failed.
#pragma once

#include <netinet/in.h>

#include <atomic>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>

#include "bench/sockets.hpp"
#include "bench/stream.hpp"

namespace ipc::bench {

// A transfer failed; what() names the end, the call and the errno.
class Failure : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};
// The other end failed first (see its own Failure).
class Cancelled : public Failure {
 public:
  using Failure::Failure;
};

// Set by the end that fails, seen by the other one.
using CancelFlag = std::atomic<bool>;

struct End {
  SocketApi& api;
  std::string who;  // "DUT (stack)", "peer (kernel)": for messages
  const CancelFlag& cancel;
  Clock::time_point deadline;
  std::size_t chunk = 128 * 1024;  // bytes per sendto / recvfrom
};

sockaddr_in inet_address(const std::string& addr, int port);

// A non-blocking listening TCP socket on `addr` (SO_REUSEADDR).
int open_listener(End& e, const sockaddr_in& addr);
// The next connection on `listener`, non-blocking.
int accept_one(End& e, int listener);
// A non-blocking TCP socket connected to `to`.
int connect_to(End& e, const sockaddr_in& to);

// Sends bytes [0, bytes) of `stream` on `fd`, then closes it (an orderly
// close: the data still in the send buffer goes out first). Returns when
// the first byte was handed to sendto.
Clock::time_point send_stream(End& e, int fd, const Stream& stream, std::uint64_t bytes);

struct Received {
  std::uint64_t bytes = 0;
  std::optional<std::uint64_t> mismatch;  // first offset that differs
  Clock::time_point eof;                  // when recvfrom returned 0
};
// Receives until end of stream, checking every byte against `stream`, then
// closes `fd`.
Received receive_stream(End& e, int fd, const Stream& stream);

}  // namespace ipc::bench
