// ipconform-stackd: the reference stack on a TAP device, serving the probe
// protocol on stdin/stdout (docs/probe-protocol.md). The runner starts it in
// the DUT namespace with the topology's addresses, routes and neighbours.
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>

#include <CLI/CLI.hpp>
#include <csignal>
#include <deque>
#include <iostream>
#include <unistd.h>

#include "netns_guard.hpp"
#include "probe.hpp"
#include "stack/api/syscalls.hpp"
#include "stack/stackd/config_args.hpp"
#include "stack/stackd/stack_backend.hpp"
#include "stack/stackd/stack_loop.hpp"

namespace {

using ipc::stack::core::Clock;
namespace asio = boost::asio;

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"ipconform-stackd: the ipconform reference stack on a TAP device, speaking the probe "
               "protocol on stdin/stdout. Must run inside a network namespace other than PID 1's."};
  ipc::stack::stackd::ConfigArgs args;
  args.add_to(app);
  bool verbose = false;
  app.add_flag("-v,--verbose", verbose, "log every request to stderr");
  CLI11_PARSE(app, argc, argv);

  // The stack attaches to a TAP device by name: only ever inside a
  // namespace made for it, never the host's.
  const auto netns = ipconform::probe::check_netns();
  if (netns.verdict != ipconform::probe::NetnsCheck::Verdict::isolated) {
    std::cerr << "ipconform-stackd: refusing to run: " << netns.reason
              << ". The runner starts it in a namespace of its own.\n";
    return 3;
  }
  ipc::stack::core::StackConfig config;
  try {
    config = args.to_config();
  } catch (const std::exception& e) {
    std::cerr << "ipconform-stackd: " << e.what() << "\n";
    return 2;
  }
  std::signal(SIGPIPE, SIG_IGN);

  std::optional<ipc::stack::stackd::StackLoop> loop;
  try {
    loop.emplace(args.tap, config);
  } catch (const std::exception& e) {
    std::cerr << "ipconform-stackd: " << e.what() << "\n";
    return 2;
  }
  asio::io_context& io = loop->io();
  ipc::stack::core::Stack& stack = loop->stack();

  // Requests: lines from stdin, handled between io_context events so a
  // blocking call can run the loop itself while it waits.
  asio::posix::stream_descriptor in(io, ::dup(STDIN_FILENO));
  asio::streambuf inbuf;
  std::deque<std::string> lines;
  bool eof = false;
  std::function<void()> read_line = [&] {
    asio::async_read_until(in, inbuf, '\n', [&](const boost::system::error_code& ec, std::size_t n) {
      if (ec) {
        eof = true;
        return;
      }
      std::string line(asio::buffers_begin(inbuf.data()), asio::buffers_begin(inbuf.data()) + static_cast<long>(n));
      inbuf.consume(n);
      lines.push_back(std::move(line));
      read_line();
    });
  };
  read_line();

  ipc::stack::api::Syscalls sys(stack, loop->waiter());
  ipc::stack::stackd::StackBackend backend(stack, sys, [] { return Clock::now(); });
  ipconform::probe::Probe server(backend, {.verbose = verbose, .program = "ipconform-stackd"});

  int status = 0;
  for (;;) {
    while (lines.empty() && !eof) io.run_one();
    if (lines.empty()) break;
    std::string line = std::move(lines.front());
    lines.pop_front();
    if (line.find_first_not_of(" \t\r\n") == std::string::npos) continue;
    stack.advance(Clock::now());
    const auto outcome = server.handle_line(line);
    stack.run_pending();
    loop->arm();
    std::cout << outcome.response.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << '\n'
              << std::flush;
    if (!std::cout) {
      status = 1;
      break;
    }
    if (outcome.stop) break;
  }
  std::string detail;
  server.reset(detail);
  return status;
}
