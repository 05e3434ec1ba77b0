#include "stack/stackd/config_args.hpp"

#include <stdexcept>

namespace ipc::stack::stackd {

namespace {
wire::Ipv4Address addr(const std::string& s) {
  auto a = wire::Ipv4Address::parse(s);
  if (!a) throw std::invalid_argument("not an IPv4 address: " + s);
  return *a;
}
std::pair<wire::Ipv4Address, int> prefix(const std::string& s) {
  const auto slash = s.find('/');
  if (slash == std::string::npos) throw std::invalid_argument("expected ADDRESS/PREFIX: " + s);
  const int len = std::stoi(s.substr(slash + 1));
  if (len < 0 || len > 32) throw std::invalid_argument("bad prefix length: " + s);
  return {addr(s.substr(0, slash)), len};
}
}  // namespace

void ConfigArgs::add_to(CLI::App& app) {
  app.add_option("--tap", tap, "the TAP interface to attach to (must exist)")->required();
  app.add_option("--ifname", ifname, "the interface name the stack reports")->capture_default_str();
  app.add_option("--ifindex", ifindex, "the interface index the stack reports")->capture_default_str();
  app.add_option("--mac", mac, "the stack's MAC address")->required();
  app.add_option("--mtu", mtu, "the interface MTU")->capture_default_str();
  app.add_option("--address", address, "ADDRESS/PREFIX of the interface")->required();
  app.add_option("--route", routes, "DEST/PREFIX[=GATEWAY] (repeatable)");
  app.add_option("--neighbour", neighbours, "ADDRESS=MAC, a permanent ARP entry (repeatable)");
}

core::StackConfig ConfigArgs::to_config() const {
  core::StackConfig c;
  c.ifname = ifname;
  c.ifindex = ifindex;
  if (ifindex < 2) throw std::invalid_argument("--ifindex must be at least 2 (1 is the loopback)");
  auto m = wire::MacAddress::parse(mac);
  if (!m) throw std::invalid_argument("not a MAC address: " + mac);
  c.mac = *m;
  c.mtu = mtu;
  std::tie(c.address, c.prefix_len) = prefix(address);
  for (const auto& r : routes) {
    const auto eq = r.find('=');
    core::RouteConfig rc;
    std::tie(rc.dst, rc.prefix_len) = prefix(r.substr(0, eq));
    if (eq != std::string::npos) rc.gateway = addr(r.substr(eq + 1));
    c.routes.push_back(rc);
  }
  for (const auto& n : neighbours) {
    const auto eq = n.find('=');
    if (eq == std::string::npos) throw std::invalid_argument("expected ADDRESS=MAC: " + n);
    auto nm = wire::MacAddress::parse(n.substr(eq + 1));
    if (!nm) throw std::invalid_argument("not a MAC address: " + n);
    c.neighbours.push_back({addr(n.substr(0, eq)), *nm});
  }
  return c;
}

}  // namespace ipc::stack::stackd
