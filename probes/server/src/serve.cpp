#include "serve.hpp"

#include <iostream>
#include <string>

namespace ipconform::probe {

namespace {

bool blank(const std::string& line) { return line.find_first_not_of(" \t\r") == std::string::npos; }

}  // namespace

int serve(std::istream& in, std::ostream& out, Probe& probe) {
  int status = 0;
  std::string line;
  while (std::getline(in, line)) {
    if (blank(line)) continue;
    const Probe::Outcome outcome = probe.handle_line(line);
    out << outcome.response.dump(-1, ' ', false, Json::error_handler_t::replace) << '\n'
        << std::flush;
    if (!out) {
      std::cerr << "probe server: cannot write a response; exiting\n";
      status = 1;
      break;
    }
    if (outcome.stop) break;
  }
  std::string detail;
  probe.reset(detail);  // failures are logged by reset()
  return status;
}

}  // namespace ipconform::probe
