// The per-worker network topology: two anonymous network namespaces (tester
// and DUT) joined by a veth pair.  See runner/netns/README.md.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace ipc::netns {

// The constants of the topology.  They are the same in every worker, so the
// outputs of different targets (and of different workers) are comparable.
struct TopologyFacts {
  std::string dut_if = "dut0", tester_if = "tst0";
  std::string dut_mac = "02:00:00:00:01:01", tester_mac = "02:00:00:00:02:02";
  std::string dut_addr = "192.0.2.1", peer_addr = "192.0.2.2", router_addr = "192.0.2.254";
  int prefix = 24;
  std::string dut_net = "192.0.2.0", dut_bcast = "192.0.2.255";
  std::string remote_net = "198.51.100.0";  // /24, reachable through router_addr
  int dut_ifindex = 0;                      // filled in after creation
  int mtu = 1500;

  // TAP mode only, and not case variables: the kernel's plumbing in the DUT
  // namespace that hands dut0's frames to a userspace stack.  The stack owns
  // dut_mac; the bridge ports get MACs of their own (a port's own MAC is
  // "local" to the bridge, which would keep such frames instead of
  // forwarding them).
  std::string tap_if = "tap0", bridge_if = "br0";
  std::string dut_port_mac = "02:00:00:00:01:02", tap_port_mac = "02:00:00:00:01:03";

  // The DUT's routes, as the kernel target gets them and a stack is told
  // them: remote_net/24 via router_addr, and 224.0.0.0/4 on link (so an
  // INADDR_ANY multicast join finds dut0).  No default route.
  struct Route {
    std::string prefix;   // "198.51.100.0/24"
    std::string gateway;  // empty: on link
  };
  std::vector<Route> routes() const;
  // The static neighbours of the default topology: peer_addr and router_addr,
  // both at tester_mac.
  struct Neighbour {
    std::string addr, mac;
  };
  std::vector<Neighbour> static_neighbours() const;

  // Keys: dut_if, tester_if, dut_mac, tester_mac, dut_addr, peer_addr,
  // router_addr, dut_net, dut_bcast, remote_net, remote_addr, unreachable_addr,
  // dut_ifindex, lo_ifindex, mtu, prefix.  All values are strings.
  std::map<std::string, std::string> variables() const;
};

// Who implements the DUT's IPv4 on dut0.
enum class DutMode {
  // The kernel of the DUT namespace: dut0 has dut_addr, the routes and (with
  // static_neighbours) the permanent neighbours.
  kernel,
  // A userspace stack behind a TAP: dut0 and tap0 are ports of the bridge
  // br0; the kernel there has no address, route, neighbour or IPv6, so it
  // never sends a frame of its own.  The stack attaches to tap0 and owns
  // dut_mac, dut_addr, the routes and the neighbours.
  tap,
};

// The variants of the topology.
struct TopologyOptions {
  // false: the DUT resolves its neighbours with ARP ("dynamic-arp", a case's
  // `requires.topology`).  In TAP mode this only tells the stack.
  bool static_neighbours = true;
  DutMode dut = DutMode::kernel;
  // true: tst0 also gets peer_addr/prefix (brd dut_bcast), so the tester's
  // kernel can be a TCP or UDP peer of the DUT (bench/). Off for the suite,
  // whose tester kernel must stay silent (the wire agent speaks for it).
  bool tester_address = false;
};

// Move-only owner of one worker's namespaces.  The namespaces are anonymous:
// they live only as long as these file descriptors (and any process inside),
// so nothing is left behind however the runner ends.
class Topology {
 public:
  // Builds the topology from the calling thread, which is back in its own
  // network namespace when this returns or throws.  Throws std::runtime_error.
  static Topology create(const TopologyOptions& options = {});

  // Forgets every neighbour the DUT's kernel learnt (permanent entries stay),
  // so a case in the dynamic-ARP topology starts from an empty cache. Runs
  // from the calling thread like create(). Kernel mode only: in TAP mode the
  // stack keeps its own cache, and this does nothing. Throws std::runtime_error.
  void flush_neighbours() const;

  // TAP mode: waits until frames flow between tap0 and dut0, i.e. a program
  // has attached to tap0 (carrier on) and the bridge forwards on that port.
  // Throws std::runtime_error after `limit`, or in kernel mode.
  void wait_tap_forwarding(std::chrono::milliseconds limit) const;

  Topology(Topology&& other) noexcept;
  Topology& operator=(Topology&& other) noexcept;
  Topology(const Topology&) = delete;
  Topology& operator=(const Topology&) = delete;
  ~Topology();  // closes the namespace fds; nothing else to remove

  // O_CLOEXEC fds of the namespaces (for setns(fd, CLONE_NEWNET)); -1 after a move.
  int dut_netns() const { return dut_fd_; }
  int tester_netns() const { return tester_fd_; }
  const TopologyFacts& facts() const { return facts_; }
  const TopologyOptions& options() const { return options_; }

 private:
  Topology() = default;
  void reset() noexcept;

  int dut_fd_ = -1;
  int tester_fd_ = -1;
  TopologyFacts facts_;
  TopologyOptions options_;
};

// Inode of the calling thread's network namespace (/proc/thread-self/ns/net).
std::uint64_t current_netns_inode();

// Inode of the network namespace an fd (from open("/proc/.../ns/net")) refers to.
std::uint64_t netns_inode_of_fd(int fd);

}  // namespace ipc::netns
