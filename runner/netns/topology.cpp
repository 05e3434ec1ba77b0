// Per-worker topology: two anonymous network namespaces joined by a veth pair.
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
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <linux/sockios.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <netlink/addr.h>
#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
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

void write_ipv6_sysctls(const Guard& guard, std::uint64_t ns, const char* label) {
  for (const char* path : {"/proc/sys/net/ipv6/conf/all/disable_ipv6",
                           "/proc/sys/net/ipv6/conf/default/disable_ipv6"}) {
    guard.require(ns, fmt::format("write {} in the {} namespace", path, label).c_str());
    int fd = ::open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) {
      if (errno == ENOENT) return;  // kernel without IPv6: nothing to disable
      fail_errno(fmt::format("open({})", path), errno);
    }
    ssize_t n = ::write(fd, "1\n", 2);
    int err = errno;
    ::close(fd);
    if (n != 2) fail_errno(fmt::format("write({})", path), n < 0 ? err : EIO);
  }
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

void add_veth(const NlSock& sk, const TopologyFacts& f, int dut_fd) {
  auto link = checked<LinkPtr>(rtnl_link_veth_alloc(), "rtnl_link_veth_alloc");
  LinkPtr peer(rtnl_link_veth_get_peer(link.get()));  // takes a reference
  if (!peer) fail("rtnl_link_veth_get_peer failed");

  auto tester_mac = parse_addr(f.tester_mac, AF_LLC);
  auto dut_mac = parse_addr(f.dut_mac, AF_LLC);

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

void add_dut_address(const NlSock& sk, const TopologyFacts& f, int ifindex) {
  auto a = checked<RtAddrPtr>(rtnl_addr_alloc(), "rtnl_addr_alloc");
  auto local = parse_addr(fmt::format("{}/{}", f.dut_addr, f.prefix), AF_INET);
  auto bcast = parse_addr(f.dut_bcast, AF_INET);
  rtnl_addr_set_ifindex(a.get(), ifindex);
  rtnl_addr_set_family(a.get(), AF_INET);
  nl_check(rtnl_addr_set_local(a.get(), local.get()), "set local address");
  rtnl_addr_set_prefixlen(a.get(), f.prefix);
  nl_check(rtnl_addr_set_broadcast(a.get(), bcast.get()), "set broadcast address");
  std::string what = fmt::format("add address {}/{} brd {} to {}", f.dut_addr, f.prefix, f.dut_bcast, f.dut_if);
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

Topology Topology::create(const TopologyOptions& options) {
  if (g_host_netns == 0) fail(fmt::format("{} was not readable when the library was loaded", kThreadNetns));

  Topology topo;  // owns the namespace fds; closes them if we throw
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

  // DUT namespace: lo up, no IPv6.
  const std::uint64_t dut_ns = enter_new_netns(guard, dut_fd, "DUT");
  NlSock dut(guard, dut_ns, "DUT");
  set_link_up(dut, kLoopbackIfindex, "lo");
  write_ipv6_sysctls(guard, dut_ns, "DUT");

  // The veth pair, made from the tester side with its peer born in the DUT.
  enter_netns(tester_fd.get(), tester_ns, "tester");
  add_veth(tester, f, dut_fd.get());

  // dut0 goes up first, then tst0.  The end that goes up second brings the
  // carrier on for both; this order makes dut0's linkwatch event "urgent", so
  // its operstate (IFF_RUNNING) and qdisc follow within microseconds instead
  // of up to a second later (the kernel rate-limits the other events globally).
  enter_netns(dut_fd.get(), dut_ns, "DUT");
  const int ifindex = link_ifindex(dut, f.dut_if);
  set_link_up(dut, ifindex, f.dut_if);
  enter_netns(tester_fd.get(), tester_ns, "tester");
  set_link_up(tester, link_ifindex(tester, f.tester_if), f.tester_if);

  // DUT side: address, static neighbours, routes (deliberately no default).
  enter_netns(dut_fd.get(), dut_ns, "DUT");
  add_dut_address(dut, f, ifindex);
  if (options.static_neighbours) {
    add_permanent_neighbour(dut, ifindex, f.peer_addr, f.tester_mac);
    add_permanent_neighbour(dut, ifindex, f.router_addr, f.tester_mac);
  }
  add_route(dut, fmt::format("{}/24", f.remote_net), ifindex, &f.router_addr);
  add_route(dut, "224.0.0.0/4", ifindex, nullptr);
  wait_running(dut, f.dut_if);

  topo.facts_.dut_ifindex = ifindex;
  topo.tester_fd_ = tester_fd.release();
  topo.dut_fd_ = dut_fd.release();
  return topo;  // `restore` puts the thread back before `orig` is closed
}

void Topology::flush_neighbours() const {
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

Topology::Topology(Topology&& other) noexcept
    : dut_fd_(std::exchange(other.dut_fd_, -1)),
      tester_fd_(std::exchange(other.tester_fd_, -1)),
      facts_(std::move(other.facts_)) {}

Topology& Topology::operator=(Topology&& other) noexcept {
  if (this != &other) {
    reset();
    dut_fd_ = std::exchange(other.dut_fd_, -1);
    tester_fd_ = std::exchange(other.tester_fd_, -1);
    facts_ = std::move(other.facts_);
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
