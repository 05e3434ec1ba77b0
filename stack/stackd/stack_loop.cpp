#include "stack/stackd/stack_loop.hpp"

#include <chrono>
#include <utility>

namespace ipc::stack::stackd {

using core::Clock;
namespace asio = boost::asio;

StackLoop::StackLoop(const std::string& tap, core::StackConfig config)
    : tap_(io_, tap),
      stack_(std::move(config), [this](std::span<const std::uint8_t> f) { tap_.send(f); }, Clock::now()),
      timer_(io_) {
  tap_.start([this](std::span<const std::uint8_t> frame) {
    stack_.input_frame(frame, Clock::now());
    arm();
  });
  arm();
}

// Timers: one steady_timer follows the stack's next deadline.
void StackLoop::arm() {
  const auto d = stack_.next_deadline();
  timer_.expires_at(d ? *d : Clock::now() + std::chrono::hours(1));
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec == asio::error::operation_aborted) return;
    stack_.advance(Clock::now());
    arm();
  });
}

bool StackLoop::wait(const std::function<bool()>& ready, std::optional<Clock::time_point> deadline) {
  while (!ready()) {
    if (deadline && Clock::now() >= *deadline) return false;
    if (deadline) io_.run_one_until(*deadline);
    else io_.run_one();
    stack_.run_pending();
  }
  return true;
}

api::Waiter StackLoop::waiter() {
  return [this](const std::function<bool()>& ready, std::optional<Clock::time_point> deadline) {
    return wait(ready, deadline);
  };
}

}  // namespace ipc::stack::stackd
