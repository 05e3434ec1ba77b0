// ipconform-probe-kernel: answers probe-protocol requests on stdin/stdout by
// carrying them out with real syscalls in the current network namespace.
#include <csignal>
#include <iostream>
#include <string_view>

#include "kernel_backend.hpp"
#include "netns_guard.hpp"
#include "serve.hpp"

int main(int argc, char** argv) {
  using namespace ipconform;
  probe::ProbeOptions options{.verbose = false, .program = "ipconform-probe-kernel"};
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "-v" || arg == "--verbose") {
      options.verbose = true;
    } else {
      std::cerr << "usage: ipconform-probe-kernel [--verbose]\n"
                   "  Speaks the ipconform probe protocol on stdin/stdout. Must be started\n"
                   "  inside a network namespace other than PID 1's.\n";
      return arg == "-h" || arg == "--help" ? 0 : 2;
    }
  }

  const probe::NetnsCheck netns = probe::check_netns();
  if (netns.verdict != probe::NetnsCheck::Verdict::isolated) {
    std::cerr << "ipconform-probe-kernel: refusing to run: " << netns.reason
              << ". The probe changes sockets and sysctls, so it only runs inside a network "
                 "namespace created for it (the runner starts it in one).\n";
    return 3;
  }

  std::signal(SIGPIPE, SIG_IGN);  // a send on a broken connection must give EPIPE
  kprobe::KernelBackend backend;
  probe::Probe server(backend, options);
  return probe::serve(std::cin, std::cout, server);
}
