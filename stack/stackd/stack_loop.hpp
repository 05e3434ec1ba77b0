// The reference stack on a TAP device, driven by a Boost.Asio io_context:
// the event loop of ipconform-stackd, shared with programs that drive the
// stack through api::Syscalls in-process (bench/).
//
// Frames read from the TAP go to the stack, one steady_timer follows the
// stack's next deadline, and wait() is the api::Waiter a blocking call runs
// the loop with. Everything runs on the thread that calls io().run_one() or
// wait(); nothing here is thread-safe.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <functional>
#include <optional>
#include <string>

#include "stack/api/syscalls.hpp"
#include "stack/core/stack.hpp"
#include "stack/stackd/tap_device.hpp"

namespace ipc::stack::stackd {

class StackLoop {
 public:
  // Attaches to the existing TAP interface `tap` of the calling thread's
  // network namespace (throws std::system_error), builds the stack on it and
  // starts reading frames and following the stack's timers.
  StackLoop(const std::string& tap, core::StackConfig config);
  StackLoop(const StackLoop&) = delete;
  StackLoop& operator=(const StackLoop&) = delete;

  boost::asio::io_context& io() { return io_; }
  core::Stack& stack() { return stack_; }

  // Re-arms the timer at the stack's next deadline; call after anything
  // outside the loop may have changed it (a request handled, a call made).
  void arm();

  // Runs the loop until ready() holds or `deadline` passes (nullopt: no
  // deadline); returns ready(). This is the api::Waiter of blocking calls.
  bool wait(const std::function<bool()>& ready, std::optional<core::Clock::time_point> deadline);
  api::Waiter waiter();

 private:
  boost::asio::io_context io_;
  TapDevice tap_;
  core::Stack stack_;  // sends through tap_
  boost::asio::steady_timer timer_;
};

}  // namespace ipc::stack::stackd
