// The per-worker network topology: two anonymous network namespaces (tester
// and DUT) joined by a veth pair.  See runner/netns/README.md.
#pragma once

#include <cstdint>
#include <map>
#include <string>

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

  // Keys: dut_if, tester_if, dut_mac, tester_mac, dut_addr, peer_addr,
  // router_addr, dut_net, dut_bcast, remote_net, remote_addr, unreachable_addr,
  // dut_ifindex, lo_ifindex, mtu, prefix.  All values are strings.
  std::map<std::string, std::string> variables() const;
};

// The variants of the topology a case can ask for (`requires.topology`).
struct TopologyOptions {
  // false: the DUT resolves its neighbours with ARP ("dynamic-arp").
  bool static_neighbours = true;
};

// Move-only owner of one worker's namespaces.  The namespaces are anonymous:
// they live only as long as these file descriptors (and any process inside),
// so nothing is left behind however the runner ends.
class Topology {
 public:
  // Builds the topology from the calling thread, which is back in its own
  // network namespace when this returns or throws.  Throws std::runtime_error.
  static Topology create(const TopologyOptions& options = {});

  // Forgets every neighbour the DUT learnt (permanent entries stay), so a
  // case in the dynamic-ARP topology starts from an empty cache. Runs from
  // the calling thread like create(). Throws std::runtime_error.
  void flush_neighbours() const;

  Topology(Topology&& other) noexcept;
  Topology& operator=(Topology&& other) noexcept;
  Topology(const Topology&) = delete;
  Topology& operator=(const Topology&) = delete;
  ~Topology();  // closes the namespace fds; nothing else to remove

  // O_CLOEXEC fds of the namespaces (for setns(fd, CLONE_NEWNET)); -1 after a move.
  int dut_netns() const { return dut_fd_; }
  int tester_netns() const { return tester_fd_; }
  const TopologyFacts& facts() const { return facts_; }

 private:
  Topology() = default;
  void reset() noexcept;

  int dut_fd_ = -1;
  int tester_fd_ = -1;
  TopologyFacts facts_;
};

// Inode of the calling thread's network namespace (/proc/thread-self/ns/net).
std::uint64_t current_netns_inode();

// Inode of the network namespace an fd (from open("/proc/.../ns/net")) refers to.
std::uint64_t netns_inode_of_fd(int fd);

}  // namespace ipc::netns
