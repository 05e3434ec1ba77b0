// Per-worker topology: two anonymous network namespaces joined by a veth pair
// (and, in TAP mode, a bridge and a TAP in the DUT namespace).
//
// Safety: every netlink socket is opened while the calling thread is inside
// one of the namespaces made here, and before every netlink operation (and
// every /proc/sys write) the calling thread's namespace is checked against
// the host's (recorded when the library was loaded) and against the thread's
// namespace on entry to create().  The check throws; it never proceeds.
#include "runner/netns/topology.hpp"

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>

#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_bridge.h>
#include <linux/if_link.h>
#include <linux/if_tun.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <linux/sockios.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <netlink/addr.h>
#include <netlink/attr.h>
#include <netlink/errno.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/bridge.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/neighbour.h>
#include <netlink/route/nexthop.h>
#include <netlink/route/route.h>

#include <fmt/format.h>

namespace ipc::netns {

namespace {

constexpr const char* kThreadNetns = "/proc/thread-self/ns/net";
constexpr int kLoopbackIfindex = 1;  // LOOPBACK_IFINDEX: always 1 in a new netns

[[noreturn]] void fail(const std::string& msg) { throw std::runtime_error(msg); }

[[noreturn]] void fail_errno(const std::string& what, int err) {
  std::string msg = fmt::format("{}: {}", what, std::strerror(err));
  if (err == EPERM || err == EACCES) msg = "need root: " + msg;
  fail(msg);
}

std::uint64_t inode_of_path_or_zero(const char* path) {
  struct stat st{};
  if (::stat(path, &st) != 0) return 0;
  return st.st_ino;
}

// The namespace of the thread that loaded this library: the host as far as
// we are concerned.  Recorded once, before any worker thread can move.
const std::uint64_t g_host_netns = inode_of_path_or_zero(kThreadNetns);

class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& o) noexcept {
    if (this != &o) {
      reset();
      fd_ = std::exchange(o.fd_, -1);
    }
    return *this;
  }
  ~UniqueFd() { reset(); }
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }
  void reset() noexcept {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

UniqueFd open_thread_netns() {
  int fd = ::open(kThreadNetns, O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail_errno(fmt::format("open({})", kThreadNetns), errno);
  return UniqueFd(fd);
}

// Puts the calling thread back into its original namespace on scope exit.
// Failing to do so would leave a runner thread in a worker's namespace, which
// nothing downstream could detect: abort rather than continue.
class NetnsRestorer {
 public:
  NetnsRestorer(int orig_fd, std::uint64_t orig_ino) : fd_(orig_fd), ino_(orig_ino) {}
  NetnsRestorer(const NetnsRestorer&) = delete;
  NetnsRestorer& operator=(const NetnsRestorer&) = delete;
  ~NetnsRestorer() {
    if (inode_of_path_or_zero(kThreadNetns) == ino_) return;  // never moved (e.g. unshare failed): nothing to undo
    if (::setns(fd_, CLONE_NEWNET) != 0 || inode_of_path_or_zero(kThreadNetns) != ino_) {
      std::fprintf(stderr, "ipconform netns: cannot return to the original network namespace: %s\n",
                   std::strerror(errno));
      std::abort();
    }
  }

 private:
  int fd_;
  std::uint64_t ino_;
};

// The namespaces this create() call is allowed to act in.
struct Guard {
  std::uint64_t orig = 0;  // the calling thread's namespace on entry
  // Throws unless the calling thread is in `expected`, which is neither the
  // host's namespace nor the caller's original one.
  void require(std::uint64_t expected, const char* what) const {
    std::uint64_t cur = current_netns_inode();
    if (cur == 0 || cur == g_host_netns || cur == orig)
      fail(fmt::format("refusing to {}: the thread is in the host's network namespace", what));
    if (cur != expected)
      fail(fmt::format("refusing to {}: the thread is in netns {} instead of {}", what, cur, expected));
  }
};

template <auto Fn>
struct Deleter {
  template <class T>
  void operator()(T* p) const noexcept { Fn(p); }
};
using LinkPtr = std::unique_ptr<rtnl_link, Deleter<rtnl_link_put>>;
using AddrPtr = std::unique_ptr<nl_addr, Deleter<nl_addr_put>>;
using RtAddrPtr = std::unique_ptr<rtnl_addr, Deleter<rtnl_addr_put>>;
using NeighPtr = std::unique_ptr<rtnl_neigh, Deleter<rtnl_neigh_put>>;
using RoutePtr = std::unique_ptr<rtnl_route, Deleter<rtnl_route_put>>;

template <class P>
P checked(typename P::pointer p, const char* what) {
  if (!p) fail(fmt::format("{}: out of memory", what));
  return P(p);
}

void nl_check(int err, const std::string& what) {
  if (err >= 0) return;
  std::string msg = fmt::format("netlink: {}: {}", what, nl_geterror(err));
  if (err == -NLE_PERM) msg = "need root: " + msg;
  fail(msg);
}

AddrPtr parse_addr(const std::string& text, int family) {
  nl_addr* a = nullptr;
  nl_check(nl_addr_parse(text.c_str(), family, &a), fmt::format("parse address {}", text));
  return AddrPtr(a);
}

// A NETLINK_ROUTE socket bound to one of our namespaces.
class NlSock {
 public:
  NlSock(const Guard& guard, std::uint64_t ns, const char* label) : guard_(guard), ns_(ns), label_(label) {
    guard_.require(ns_, fmt::format("open a netlink socket for the {} namespace", label_).c_str());
    sk_ = nl_socket_alloc();
    if (!sk_) fail("nl_socket_alloc: out of memory");
    int err = nl_connect(sk_, NETLINK_ROUTE);
    if (err < 0) {
      nl_socket_free(sk_);
      nl_check(err, "connect");
    }
    int fd = nl_socket_get_fd(sk_);
    int fl = ::fcntl(fd, F_GETFD);
    if (fl >= 0 && !(fl & FD_CLOEXEC)) ::fcntl(fd, F_SETFD, fl | FD_CLOEXEC);
    // Belt and braces: ask the kernel which namespace the socket lives in.
    int nsfd = ::ioctl(fd, SIOCGSKNS);
    if (nsfd >= 0) {
      std::uint64_t sock_ns = netns_inode_of_fd(nsfd);
      ::close(nsfd);
      if (sock_ns != ns_) {
        nl_socket_free(sk_);
        fail(fmt::format("netlink socket for the {} namespace landed in netns {}", label_, sock_ns));
      }
    }
  }
  NlSock(const NlSock&) = delete;
  NlSock& operator=(const NlSock&) = delete;
  ~NlSock() { nl_socket_free(sk_); }

  // The socket, after checking that the calling thread is where it should be.
  nl_sock* use(const std::string& what) const {
    guard_.require(ns_, fmt::format("{} in the {} namespace", what, label_).c_str());
    return sk_;
  }

 private:
  const Guard& guard_;
  std::uint64_t ns_;
  std::string label_;
  nl_sock* sk_ = nullptr;
};

void set_link_up(const NlSock& sk, int ifindex, const std::string& name) {
  auto orig = checked<LinkPtr>(rtnl_link_alloc(), "rtnl_link_alloc");
  rtnl_link_set_ifindex(orig.get(), ifindex);
  auto change = checked<LinkPtr>(rtnl_link_alloc(), "rtnl_link_alloc");
  rtnl_link_set_flags(change.get(), IFF_UP);
  std::string what = fmt::format("set {} up", name);
  nl_check(rtnl_link_change(sk.use(what), orig.get(), change.get(), 0), what);
}

// Writes a sysctl of the namespace the thread is in (/proc/sys/net shows the
// writer's namespace).  Returns false if the kernel has no such entry.
bool write_sysctl(const Guard& guard, std::uint64_t ns, const char* label, const char* path, const char* value) {
  guard.require(ns, fmt::format("write {} in the {} namespace", path, label).c_str());
  int fd = ::open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return false;
    fail_errno(fmt::format("open({})", path), errno);
  }
  const std::string text = fmt::format("{}\n", value);
  ssize_t n = ::write(fd, text.data(), text.size());
  int err = errno;
  ::close(fd);
  if (n != static_cast<ssize_t>(text.size())) fail_errno(fmt::format("write({})", path), n < 0 ? err : EIO);
  return true;
}

void write_ipv6_sysctls(const Guard& guard, std::uint64_t ns, const char* label) {
  for (const char* path : {"/proc/sys/net/ipv6/conf/all/disable_ipv6",
                           "/proc/sys/net/ipv6/conf/default/disable_ipv6"})
    if (!write_sysctl(guard, ns, label, path, "1")) return;  // kernel without IPv6: nothing to disable
}

// With bridge netfilter in the kernel, bridged IPv4 frames pass
// br_validate_ipv4(), which drops a bad header or checksum and trims what
// follows tot_len: the stack would never see the malformed frames cases
// inject.  These sysctls are per namespace (a kernel that has them only in
// the host's shows none here, ENOENT, and we go on).
void write_bridge_nf_sysctls(const Guard& guard, std::uint64_t ns, const char* label) {
  for (const char* path : {"/proc/sys/net/bridge/bridge-nf-call-iptables",
                           "/proc/sys/net/bridge/bridge-nf-call-ip6tables",
                           "/proc/sys/net/bridge/bridge-nf-call-arptables"})
    write_sysctl(guard, ns, label, path, "0");
}

std::uint64_t enter_new_netns(const Guard& guard, UniqueFd& fd_out, const char* label) {
  if (::unshare(CLONE_NEWNET) != 0) fail_errno("unshare(CLONE_NEWNET)", errno);
  fd_out = open_thread_netns();
  std::uint64_t ino = netns_inode_of_fd(fd_out.get());
  if (ino == guard.orig || ino == g_host_netns || ino != current_netns_inode())
    fail(fmt::format("unshare(CLONE_NEWNET) did not give the thread a new {} namespace", label));
  return ino;
}

void enter_netns(int fd, std::uint64_t ino, const char* label) {
  if (::setns(fd, CLONE_NEWNET) != 0) fail_errno(fmt::format("setns({} namespace)", label), errno);
  if (current_netns_inode() != ino) fail(fmt::format("setns did not enter the {} namespace", label));
}

void add_veth(const NlSock& sk, const TopologyFacts& f, const std::string& dut_if_mac, int dut_fd) {
  auto link = checked<LinkPtr>(rtnl_link_veth_alloc(), "rtnl_link_veth_alloc");
  LinkPtr peer(rtnl_link_veth_get_peer(link.get()));  // takes a reference
  if (!peer) fail("rtnl_link_veth_get_peer failed");

  auto tester_mac = parse_addr(f.tester_mac, AF_LLC);
  auto dut_mac = parse_addr(dut_if_mac, AF_LLC);

  rtnl_link_set_name(link.get(), f.tester_if.c_str());
  rtnl_link_set_addr(link.get(), tester_mac.get());
  rtnl_link_set_mtu(link.get(), static_cast<unsigned>(f.mtu));

  rtnl_link_set_name(peer.get(), f.dut_if.c_str());
  rtnl_link_set_addr(peer.get(), dut_mac.get());
  rtnl_link_set_mtu(peer.get(), static_cast<unsigned>(f.mtu));
  // Both ends are created down.  (IFF_UP on the peer would fail anyway: the
  // kernel opens the peer before the pair is linked, and veth_open() then
  // returns ENOTCONN.)  See create() for the order they go up in.
  rtnl_link_set_ns_fd(peer.get(), dut_fd);  // the peer is born in the DUT namespace

  std::string what = fmt::format("add veth {} (peer {} in the DUT namespace)", f.tester_if, f.dut_if);
  nl_check(rtnl_link_add(sk.use(what), link.get(), NLM_F_CREATE | NLM_F_EXCL), what);
}

int link_ifindex(const NlSock& sk, const std::string& name, unsigned* flags = nullptr) {
  rtnl_link* raw = nullptr;
  std::string what = fmt::format("get link {}", name);
  nl_check(rtnl_link_get_kernel(sk.use(what), 0, name.c_str(), &raw), what);
  LinkPtr link(raw);
  int ifindex = rtnl_link_get_ifindex(link.get());
  if (ifindex <= 0) fail(fmt::format("{} has no ifindex", name));
  if (flags) *flags = rtnl_link_get_flags(link.get());
  return ifindex;
}

// Waits until the link is operationally up (IFF_RUNNING).  The kernel sets
// the operstate (and attaches the qdisc of an end that went up before its
// peer) from the linkwatch work queue, shortly after the carrier comes on.
void wait_running(const NlSock& sk, const std::string& name) {
  using namespace std::chrono;
  const auto deadline = steady_clock::now() + seconds(3);
  for (;;) {
    unsigned flags = 0;
    link_ifindex(sk, name, &flags);
    if (flags & IFF_RUNNING) return;
    if (steady_clock::now() > deadline)
      fail(fmt::format("{} is up but not running (no carrier) after 3 s", name));
    std::this_thread::sleep_for(microseconds(200));
  }
}

// br0: STP off (no BPDUs, and ports forward as soon as they have a carrier),
// multicast snooping off (multicast floods to every port, and the bridge never
// sends queries).  libnl 3.7 has no setters for these, so the request is
// built by hand.
void add_bridge(const NlSock& sk, const std::string& name) {
  std::unique_ptr<nl_msg, Deleter<nlmsg_free>> msg(nlmsg_alloc_simple(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL));
  if (!msg) fail("nlmsg_alloc_simple: out of memory");
  ifinfomsg ifi{};
  ifi.ifi_family = AF_UNSPEC;
  const std::string what = fmt::format("add bridge {}", name);
  nl_check(nlmsg_append(msg.get(), &ifi, sizeof ifi, NLMSG_ALIGNTO), what);
  nl_check(nla_put_string(msg.get(), IFLA_IFNAME, name.c_str()), what);
  nlattr* linkinfo = nla_nest_start(msg.get(), IFLA_LINKINFO);
  if (!linkinfo) fail(what + ": message too long");
  nl_check(nla_put_string(msg.get(), IFLA_INFO_KIND, "bridge"), what);
  nlattr* data = nla_nest_start(msg.get(), IFLA_INFO_DATA);
  if (!data) fail(what + ": message too long");
  nl_check(nla_put_u32(msg.get(), IFLA_BR_STP_STATE, 0), what);
  nl_check(nla_put_u8(msg.get(), IFLA_BR_MCAST_SNOOPING, 0), what);
  nl_check(nla_nest_end(msg.get(), data), what);
  nl_check(nla_nest_end(msg.get(), linkinfo), what);
  nl_sock* s = sk.use(what);
  nl_check(nl_send_auto(s, msg.get()), what);
  nl_check(nl_wait_for_ack(s), what);
}

// A persistent TAP with no program attached yet.  /dev/net/tun makes the
// device in the namespace of the thread that opens it (tun_chr_open takes
// current's net namespace), so the guard checks the thread first.  The
// device has rtnl_link_ops, so it is deleted with the namespace rather than
// moved to the host's (default_device_exit_net).
void add_persistent_tap(const Guard& guard, std::uint64_t ns, const std::string& name) {
  guard.require(ns, fmt::format("create TAP {} in the DUT namespace", name).c_str());
  UniqueFd fd(::open("/dev/net/tun", O_RDWR | O_CLOEXEC));
  if (fd.get() < 0) fail_errno("open(/dev/net/tun)", errno);
  ifreq ifr{};
  ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
  std::snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", name.c_str());
  if (::ioctl(fd.get(), TUNSETIFF, &ifr) != 0) fail_errno(fmt::format("TUNSETIFF {}", name), errno);
  if (::ioctl(fd.get(), TUNSETPERSIST, 1) != 0) fail_errno(fmt::format("TUNSETPERSIST {}", name), errno);
}  // closing the fd detaches it; the device stays (persistent), without carrier

void set_link_mac_mtu(const NlSock& sk, int ifindex, const std::string& name, const std::string& mac, int mtu) {
  auto orig = checked<LinkPtr>(rtnl_link_alloc(), "rtnl_link_alloc");
  rtnl_link_set_ifindex(orig.get(), ifindex);
  auto change = checked<LinkPtr>(rtnl_link_alloc(), "rtnl_link_alloc");
  auto addr = parse_addr(mac, AF_LLC);
  rtnl_link_set_addr(change.get(), addr.get());
  rtnl_link_set_mtu(change.get(), static_cast<unsigned>(mtu));
  std::string what = fmt::format("set {} address {} mtu {}", name, mac, mtu);
  nl_check(rtnl_link_change(sk.use(what), orig.get(), change.get(), 0), what);
}

void enslave(const NlSock& sk, int master, int port, const std::string& port_name) {
  std::string what = fmt::format("add {} to the bridge", port_name);
  nl_check(rtnl_link_enslave_ifindex(sk.use(what), master, port), what);
}

// The STP state (BR_STATE_*) of a bridge port, from an AF_BRIDGE link dump;
// -1 if the port is not in the dump (a port without a carrier may be absent).
int bridge_port_state(const NlSock& sk, int ifindex) {
  nl_cache* raw = nullptr;
  nl_check(rtnl_link_alloc_cache(sk.use("list bridge ports"), AF_BRIDGE, &raw), "list bridge ports");
  std::unique_ptr<nl_cache, Deleter<nl_cache_free>> cache(raw);
  LinkPtr link(rtnl_link_get(cache.get(), ifindex));
  if (!link || !rtnl_link_bridge_has_ext_info(link.get())) return -1;
  return rtnl_link_bridge_get_port_state(link.get());
}

void wait_port_forwarding(const NlSock& sk, int ifindex, const std::string& name, std::chrono::milliseconds limit) {
  using namespace std::chrono;
  const auto deadline = steady_clock::now() + limit;
  for (;;) {
    int state = bridge_port_state(sk, ifindex);
    if (state == BR_STATE_FORWARDING) return;
    if (steady_clock::now() > deadline)
      fail(fmt::format("bridge port {} does not forward after {} ms (state {}; is a program attached to it?)", name,
                       limit.count(), state));
    std::this_thread::sleep_for(microseconds(200));
  }
}

// `addr`/prefix brd dut_bcast on `ifname` (dut_addr on dut0; peer_addr on
// tst0 with TopologyOptions::tester_address).
void add_address(const NlSock& sk, const TopologyFacts& f, int ifindex, const std::string& ifname,
                 const std::string& addr) {
  auto a = checked<RtAddrPtr>(rtnl_addr_alloc(), "rtnl_addr_alloc");
  auto local = parse_addr(fmt::format("{}/{}", addr, f.prefix), AF_INET);
  auto bcast = parse_addr(f.dut_bcast, AF_INET);
  rtnl_addr_set_ifindex(a.get(), ifindex);
  rtnl_addr_set_family(a.get(), AF_INET);
  nl_check(rtnl_addr_set_local(a.get(), local.get()), "set local address");
  rtnl_addr_set_prefixlen(a.get(), f.prefix);
  nl_check(rtnl_addr_set_broadcast(a.get(), bcast.get()), "set broadcast address");
  std::string what = fmt::format("add address {}/{} brd {} to {}", addr, f.prefix, f.dut_bcast, ifname);
  nl_check(rtnl_addr_add(sk.use(what), a.get(), NLM_F_EXCL), what);
}

void add_permanent_neighbour(const NlSock& sk, int ifindex, const std::string& ip, const std::string& mac) {
  auto n = checked<NeighPtr>(rtnl_neigh_alloc(), "rtnl_neigh_alloc");
  auto dst = parse_addr(ip, AF_INET);
  auto ll = parse_addr(mac, AF_LLC);
  rtnl_neigh_set_family(n.get(), AF_INET);
  rtnl_neigh_set_ifindex(n.get(), ifindex);
  nl_check(rtnl_neigh_set_dst(n.get(), dst.get()), "set neighbour address");
  rtnl_neigh_set_lladdr(n.get(), ll.get());
  rtnl_neigh_set_state(n.get(), NUD_PERMANENT);
  std::string what = fmt::format("add neighbour {} lladdr {}", ip, mac);
  nl_check(rtnl_neigh_add(sk.use(what), n.get(), NLM_F_CREATE | NLM_F_EXCL), what);
}

void add_route(const NlSock& sk, const std::string& dst_prefix, int ifindex, const std::string* gateway) {
  auto r = checked<RoutePtr>(rtnl_route_alloc(), "rtnl_route_alloc");
  auto dst = parse_addr(dst_prefix, AF_INET);
  rtnl_route_set_family(r.get(), AF_INET);
  nl_check(rtnl_route_set_dst(r.get(), dst.get()), "set route destination");
  rtnl_route_set_table(r.get(), RT_TABLE_MAIN);
  rtnl_route_set_protocol(r.get(), RTPROT_BOOT);
  rtnl_route_set_scope(r.get(), gateway ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK);
  nl_check(rtnl_route_set_type(r.get(), RTN_UNICAST), "set route type");

  rtnl_nexthop* nh = rtnl_route_nh_alloc();
  if (!nh) fail("rtnl_route_nh_alloc: out of memory");
  rtnl_route_nh_set_ifindex(nh, ifindex);
  if (gateway) {
    auto gw = parse_addr(*gateway, AF_INET);
    rtnl_route_nh_set_gateway(nh, gw.get());  // takes its own reference
  }
  rtnl_route_add_nexthop(r.get(), nh);  // the route owns nh from here on

  std::string what = gateway ? fmt::format("add route {} via {}", dst_prefix, *gateway)
                             : fmt::format("add route {} dev ifindex {}", dst_prefix, ifindex);
  nl_check(rtnl_route_add(sk.use(what), r.get(), NLM_F_CREATE | NLM_F_EXCL), what);
}

}  // namespace

std::uint64_t current_netns_inode() {
  struct stat st{};
  if (::stat(kThreadNetns, &st) != 0) fail_errno(fmt::format("stat({})", kThreadNetns), errno);
  return st.st_ino;
}

std::uint64_t netns_inode_of_fd(int fd) {
  struct stat st{};
  if (::fstat(fd, &st) != 0) fail_errno("fstat(netns fd)", errno);
  return st.st_ino;
}

std::map<std::string, std::string> TopologyFacts::variables() const {
  return {
      {"dut_if", dut_if},
      {"tester_if", tester_if},
      {"dut_mac", dut_mac},
      {"tester_mac", tester_mac},
      {"dut_addr", dut_addr},
      {"peer_addr", peer_addr},
      {"router_addr", router_addr},
      {"dut_net", dut_net},
      {"dut_bcast", dut_bcast},
      {"remote_net", remote_net},
      {"remote_addr", "198.51.100.7"},
      {"unreachable_addr", "203.0.113.9"},
      {"dut_ifindex", std::to_string(dut_ifindex)},
      {"lo_ifindex", std::to_string(kLoopbackIfindex)},
      {"mtu", std::to_string(mtu)},
      {"prefix", std::to_string(prefix)},
  };
}

std::vector<TopologyFacts::Route> TopologyFacts::routes() const {
  return {{fmt::format("{}/24", remote_net), router_addr}, {"224.0.0.0/4", ""}};
}

std::vector<TopologyFacts::Neighbour> TopologyFacts::static_neighbours() const {
  return {{peer_addr, tester_mac}, {router_addr, tester_mac}};
}

Topology Topology::create(const TopologyOptions& options) {
  if (g_host_netns == 0) fail(fmt::format("{} was not readable when the library was loaded", kThreadNetns));

  Topology topo;  // owns the namespace fds; closes them if we throw
  topo.options_ = options;
  const bool tap = options.dut == DutMode::tap;
  UniqueFd orig = open_thread_netns();
  Guard guard;
  guard.orig = netns_inode_of_fd(orig.get());
  NetnsRestorer restore(orig.get(), guard.orig);  // runs before `orig` closes

  UniqueFd tester_fd, dut_fd;
  const TopologyFacts& f = topo.facts_;

  // Tester namespace: lo up, no IPv6, no IPv4 address (its kernel stays silent).
  const std::uint64_t tester_ns = enter_new_netns(guard, tester_fd, "tester");
  NlSock tester(guard, tester_ns, "tester");
  set_link_up(tester, kLoopbackIfindex, "lo");
  write_ipv6_sysctls(guard, tester_ns, "tester");

  // DUT namespace: lo up, no IPv6 (the defaults, so also on every interface
  // made after this).
  const std::uint64_t dut_ns = enter_new_netns(guard, dut_fd, "DUT");
  NlSock dut(guard, dut_ns, "DUT");
  set_link_up(dut, kLoopbackIfindex, "lo");
  write_ipv6_sysctls(guard, dut_ns, "DUT");
  if (tap) write_bridge_nf_sysctls(guard, dut_ns, "DUT");

  // The veth pair, made from the tester side with its peer born in the DUT.
  // It comes first in both modes, so dut0 has the same ifindex in both.
  enter_netns(tester_fd.get(), tester_ns, "tester");
  add_veth(tester, f, tap ? f.dut_port_mac : f.dut_mac, dut_fd.get());

  // dut0 goes up first, then tst0.  The end that goes up second brings the
  // carrier on for both; this order makes dut0's linkwatch event "urgent", so
  // its operstate (IFF_RUNNING) and qdisc follow within microseconds instead
  // of up to a second later (the kernel rate-limits the other events globally).
  enter_netns(dut_fd.get(), dut_ns, "DUT");
  const int ifindex = link_ifindex(dut, f.dut_if);
  set_link_up(dut, ifindex, f.dut_if);
  enter_netns(tester_fd.get(), tester_ns, "tester");
  const int tester_ifindex = link_ifindex(tester, f.tester_if);
  set_link_up(tester, tester_ifindex, f.tester_if);
  if (options.tester_address) add_address(tester, f, tester_ifindex, f.tester_if, f.peer_addr);

  enter_netns(dut_fd.get(), dut_ns, "DUT");
  if (tap) {
    // DUT side: br0 with dut0 and tap0 as ports; no address, route or
    // neighbour anywhere: those are the stack's.
    add_bridge(dut, f.bridge_if);
    const int bridge = link_ifindex(dut, f.bridge_if);
    add_persistent_tap(guard, dut_ns, f.tap_if);
    const int tap_ifindex = link_ifindex(dut, f.tap_if);
    set_link_mac_mtu(dut, tap_ifindex, f.tap_if, f.tap_port_mac, f.mtu);
    enslave(dut, bridge, ifindex, f.dut_if);
    enslave(dut, bridge, tap_ifindex, f.tap_if);
    set_link_up(dut, tap_ifindex, f.tap_if);
    set_link_up(dut, bridge, f.bridge_if);
    wait_running(dut, f.dut_if);
    wait_port_forwarding(dut, ifindex, f.dut_if, std::chrono::seconds(3));
  } else {
    // DUT side: address, static neighbours, routes (deliberately no default).
    add_address(dut, f, ifindex, f.dut_if, f.dut_addr);
    if (options.static_neighbours)
      for (const auto& n : f.static_neighbours()) add_permanent_neighbour(dut, ifindex, n.addr, n.mac);
    for (const auto& r : f.routes()) add_route(dut, r.prefix, ifindex, r.gateway.empty() ? nullptr : &r.gateway);
    wait_running(dut, f.dut_if);
  }

  topo.facts_.dut_ifindex = ifindex;
  topo.tester_fd_ = tester_fd.release();
  topo.dut_fd_ = dut_fd.release();
  return topo;  // `restore` puts the thread back before `orig` is closed
}

void Topology::flush_neighbours() const {
  if (options_.dut != DutMode::kernel) return;  // the stack flushes its own cache at `end`
  UniqueFd orig = open_thread_netns();
  Guard guard;
  guard.orig = netns_inode_of_fd(orig.get());
  NetnsRestorer restore(orig.get(), guard.orig);
  const std::uint64_t dut_ns = netns_inode_of_fd(dut_fd_);
  enter_netns(dut_fd_, dut_ns, "DUT");
  NlSock dut(guard, dut_ns, "DUT");
  nl_cache* raw = nullptr;
  nl_check(rtnl_neigh_alloc_cache(dut.use("list neighbours"), &raw), "list neighbours");
  std::unique_ptr<nl_cache, Deleter<nl_cache_free>> cache(raw);
  for (nl_object* o = nl_cache_get_first(cache.get()); o; o = nl_cache_get_next(o)) {
    auto* n = reinterpret_cast<rtnl_neigh*>(o);
    if (rtnl_neigh_get_family(n) != AF_INET || rtnl_neigh_get_ifindex(n) != facts_.dut_ifindex) continue;
    if (rtnl_neigh_get_state(n) & NUD_PERMANENT) continue;
    int err = rtnl_neigh_delete(dut.use("delete a neighbour"), n, 0);
    if (err < 0 && err != -NLE_OBJ_NOTFOUND) nl_check(err, "delete a neighbour");
  }
}

void Topology::wait_tap_forwarding(std::chrono::milliseconds limit) const {
  if (options_.dut != DutMode::tap) fail("wait_tap_forwarding: the topology has no TAP");
  UniqueFd orig = open_thread_netns();
  Guard guard;
  guard.orig = netns_inode_of_fd(orig.get());
  NetnsRestorer restore(orig.get(), guard.orig);
  const std::uint64_t dut_ns = netns_inode_of_fd(dut_fd_);
  enter_netns(dut_fd_, dut_ns, "DUT");
  NlSock dut(guard, dut_ns, "DUT");
  wait_port_forwarding(dut, link_ifindex(dut, facts_.tap_if), facts_.tap_if, limit);
}

Topology::Topology(Topology&& other) noexcept
    : dut_fd_(std::exchange(other.dut_fd_, -1)),
      tester_fd_(std::exchange(other.tester_fd_, -1)),
      facts_(std::move(other.facts_)),
      options_(other.options_) {}

Topology& Topology::operator=(Topology&& other) noexcept {
  if (this != &other) {
    reset();
    dut_fd_ = std::exchange(other.dut_fd_, -1);
    tester_fd_ = std::exchange(other.tester_fd_, -1);
    facts_ = std::move(other.facts_);
    options_ = other.options_;
  }
  return *this;
}

Topology::~Topology() { reset(); }

void Topology::reset() noexcept {
  if (dut_fd_ >= 0) ::close(dut_fd_);
  if (tester_fd_ >= 0) ::close(tester_fd_);
  dut_fd_ = tester_fd_ = -1;
}

}  // namespace ipc::netns
