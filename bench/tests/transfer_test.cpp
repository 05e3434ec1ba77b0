// The ends of a transfer on a socketpair (no namespaces, no privileges) and
// on a fake SocketApi.
#include "bench/transfer.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <thread>

namespace {

using namespace ipc::bench;
using namespace std::chrono_literals;

struct Pair {
  int a = -1, b = -1;
  Pair() {
    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) != 0) throw std::runtime_error("socketpair");
    a = fds[0];
    b = fds[1];
  }
};

TEST(Transfer, TheStreamArrivesWholeAndChecked) {
  KernelSockets k;
  CancelFlag cancel{false};
  const Stream stream(9);
  Pair p;
  constexpr std::uint64_t kBytes = 3'000'001;  // not a multiple of the chunk or of 4
  std::thread sender([&] {
    End e{k, "sender", cancel, Clock::now() + 30s, 4096};
    send_stream(e, p.a, stream, kBytes);
  });
  End e{k, "receiver", cancel, Clock::now() + 30s, 1000};
  const Received r = receive_stream(e, p.b, stream);
  sender.join();
  EXPECT_EQ(r.bytes, kBytes);
  EXPECT_FALSE(r.mismatch);
}

TEST(Transfer, AnotherStreamIsCaught) {
  KernelSockets k;
  CancelFlag cancel{false};
  Pair p;
  std::thread sender([&] {
    End e{k, "sender", cancel, Clock::now() + 30s, 4096};
    send_stream(e, p.a, Stream(1), 100'000);
  });
  End e{k, "receiver", cancel, Clock::now() + 30s, 4096};
  const Received r = receive_stream(e, p.b, Stream(2));
  sender.join();
  EXPECT_EQ(r.bytes, 100'000u);
  ASSERT_TRUE(r.mismatch);
  EXPECT_LT(*r.mismatch, 4u);
}

TEST(Transfer, GivesUpAtTheDeadlineOrWhenTheOtherEndFailed) {
  KernelSockets k;
  CancelFlag cancel{false};
  Pair p;
  End e{k, "DUT (kernel)", cancel, Clock::now() + 150ms, 4096};
  try {
    receive_stream(e, p.b, Stream(1));
    FAIL() << "no exception";
  } catch (const Cancelled&) {
    FAIL() << "not cancelled";
  } catch (const Failure& f) {
    EXPECT_STREQ(f.what(), "DUT (kernel): timed out waiting for data (0 bytes received)");
  }
  Pair q;
  cancel = true;
  End c{k, "peer (kernel)", cancel, Clock::now() + 30s, 4096};
  EXPECT_THROW(receive_stream(c, q.b, Stream(1)), Cancelled);
  ::close(p.a);
  ::close(q.a);
}

// A stack without TCP: socket() fails and says so.
class NoTcp final : public SocketApi {
 public:
  std::string name() const override { return "fake"; }
  long socket(int, int type, int) override {
    last_type = type;
    return -ESOCKTNOSUPPORT;
  }
  long bind(int, const sockaddr*, socklen_t) override { return -EBADF; }
  long listen(int, int) override { return -EBADF; }
  long accept4(int, sockaddr*, socklen_t*, int) override { return -EBADF; }
  long connect(int, const sockaddr*, socklen_t) override { return -EBADF; }
  long setsockopt(int, int, int, const void*, socklen_t) override { return -EBADF; }
  long getsockopt(int, int, int, void*, socklen_t*) override { return -EBADF; }
  long sendto(int, const void*, std::size_t, int) override { return -EBADF; }
  long recvfrom(int, void*, std::size_t, int) override { return -EBADF; }
  long poll(pollfd*, nfds_t, int) override { return -EBADF; }
  long close(int) override { return -EBADF; }
  bool idle_until(const std::function<bool()>& done, Clock::time_point) override { return done(); }
  int last_type = 0;
};

TEST(Transfer, ASocketCallThatFailsNamesItsErrno) {
  NoTcp api;
  CancelFlag cancel{false};
  End e{api, "DUT (stack)", cancel, Clock::now() + 1s, 4096};
  try {
    connect_to(e, inet_address("192.0.2.2", 5201));
    FAIL() << "no exception";
  } catch (const Failure& f) {
    EXPECT_STREQ(f.what(),
                 "DUT (stack): socket(AF_INET, SOCK_STREAM|SOCK_NONBLOCK, 0): ESOCKTNOSUPPORT (Socket type not "
                 "supported)");
  }
  EXPECT_EQ(api.last_type, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC);
}

}  // namespace
