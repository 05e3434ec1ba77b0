#include "bench/transfer.hpp"

#include <arpa/inet.h>
#include <netinet/tcp.h>

#include <algorithm>
#include <cerrno>
#include <utility>
#include <vector>

namespace ipc::bench {

namespace {

constexpr int kPollSliceMs = 100;

[[noreturn]] void fail(const End& e, const std::string& what, long err) {
  throw Failure(e.who + ": " + what + ": " + errno_text(err));
}

void check_live(const End& e, const std::string& waiting_for) {
  if (e.cancel.load()) throw Cancelled(e.who + ": stopped while waiting for " + waiting_for + ": the other end failed");
  if (Clock::now() >= e.deadline) throw Failure(e.who + ": timed out waiting for " + waiting_for);
}

// Waits until `fd` reports one of `events` (or an error or hangup).
void await(End& e, int fd, short events, const std::string& waiting_for) {
  for (;;) {
    check_live(e, waiting_for);
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(e.deadline - Clock::now()).count();
    pollfd p{fd, events, 0};
    const long r = e.api.poll(&p, 1, static_cast<int>(std::clamp<long>(left, 1, kPollSliceMs)));
    if (r < 0 && r != -EINTR) fail(e, "poll", r);
    if (r > 0) return;
  }
}

// Closes the socket when a failure unwinds past it.
class CloseOnThrow {
 public:
  CloseOnThrow(End& e, int fd) : e_(e), fd_(fd) {}
  ~CloseOnThrow() {
    if (fd_ >= 0) e_.api.close(fd_);
  }
  int release() { return std::exchange(fd_, -1); }

 private:
  End& e_;
  int fd_;
};

std::string text(const sockaddr_in& a) {
  char buf[INET_ADDRSTRLEN] = "?";
  ::inet_ntop(AF_INET, &a.sin_addr, buf, sizeof buf);
  return std::string(buf) + ":" + std::to_string(ntohs(a.sin_port));
}

}  // namespace

sockaddr_in inet_address(const std::string& addr, int port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  if (::inet_pton(AF_INET, addr.c_str(), &a.sin_addr) != 1) throw std::invalid_argument("not an IPv4 address: " + addr);
  return a;
}

int open_listener(End& e, const sockaddr_in& addr) {
  const long fd = e.api.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) fail(e, "socket(AF_INET, SOCK_STREAM|SOCK_NONBLOCK, 0)", fd);
  CloseOnThrow guard(e, static_cast<int>(fd));
  const int s = static_cast<int>(fd);
  const int one = 1;
  if (const long r = e.api.setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one); r < 0)
    fail(e, "setsockopt(SO_REUSEADDR)", r);
  if (const long r = e.api.bind(s, reinterpret_cast<const sockaddr*>(&addr), sizeof addr); r < 0)
    fail(e, "bind(" + text(addr) + ")", r);
  if (const long r = e.api.listen(s, 4); r < 0) fail(e, "listen", r);
  return guard.release();
}

int accept_one(End& e, int listener) {
  for (;;) {
    const long r = e.api.accept4(listener, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (r >= 0) return static_cast<int>(r);
    if (r != -EAGAIN && r != -EINTR && r != -ECONNABORTED) fail(e, "accept4", r);
    await(e, listener, POLLIN, "a connection");
  }
}

int connect_to(End& e, const sockaddr_in& to) {
  const long fd = e.api.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) fail(e, "socket(AF_INET, SOCK_STREAM|SOCK_NONBLOCK, 0)", fd);
  CloseOnThrow guard(e, static_cast<int>(fd));
  const int s = static_cast<int>(fd);
  const std::string what = "connect(" + text(to) + ")";
  long r = e.api.connect(s, reinterpret_cast<const sockaddr*>(&to), sizeof to);
  if (r == -EINPROGRESS) {
    await(e, s, POLLOUT, "the connection to " + text(to));
    int err = 0;
    socklen_t len = sizeof err;
    r = e.api.getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &len);
    if (r < 0) fail(e, what + ": getsockopt(SO_ERROR)", r);
    r = -err;
  }
  if (r < 0) fail(e, what, r);
  return guard.release();
}

Clock::time_point send_stream(End& e, int fd, const Stream& stream, std::uint64_t bytes) {
  const std::size_t chunk_words = std::max<std::size_t>(1, e.chunk / 4);
  CloseOnThrow guard(e, fd);
  std::vector<std::uint32_t> buf(chunk_words);
  const auto* bytes_of = reinterpret_cast<const std::uint8_t*>(buf.data());
  std::uint64_t sent = 0;
  std::size_t have = 0, pos = 0;  // bytes of the stream in buf, and how many of them went out
  const Clock::time_point start = Clock::now();
  while (sent < bytes) {
    if (pos == have) {  // buf holds the stream from offset `sent`, a multiple of 4
      have = static_cast<std::size_t>(std::min<std::uint64_t>(chunk_words * 4, bytes - sent));
      stream.words(sent / 4, std::span(buf.data(), (have + 3) / 4));
      pos = 0;
    }
    const long r = e.api.sendto(fd, bytes_of + pos, have - pos, MSG_NOSIGNAL);
    if (r > 0) {
      pos += static_cast<std::size_t>(r);
      sent += static_cast<std::uint64_t>(r);
    } else if (r == -EAGAIN || r == -EINTR) {
      await(e, fd, POLLOUT, "room in the send buffer (" + std::to_string(sent) + " bytes sent)");
    } else {
      fail(e, "sendto after " + std::to_string(sent) + " bytes", r == 0 ? -EIO : r);
    }
  }
  if (const long r = e.api.close(guard.release()); r < 0) fail(e, "close after sending", r);
  return start;
}

Received receive_stream(End& e, int fd, const Stream& stream) {
  CloseOnThrow guard(e, fd);
  std::vector<std::uint8_t> buf(std::max<std::size_t>(1, e.chunk));
  Verifier v(stream);
  for (;;) {
    const long r = e.api.recvfrom(fd, buf.data(), buf.size(), 0);
    if (r > 0) {
      v.feed(std::span(buf.data(), static_cast<std::size_t>(r)));
    } else if (r == 0) {
      Received out{v.received(), v.first_mismatch(), Clock::now()};
      e.api.close(guard.release());
      return out;
    } else if (r == -EAGAIN || r == -EINTR) {
      await(e, fd, POLLIN, "data (" + std::to_string(v.received()) + " bytes received)");
    } else {
      fail(e, "recvfrom after " + std::to_string(v.received()) + " bytes", r);
    }
  }
}

}  // namespace ipc::bench
