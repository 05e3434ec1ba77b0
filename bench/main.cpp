// ipconform-tcp-bench: TCP throughput between a DUT socket and a kernel peer
// socket on the runner's topology, every byte checked. See bench/README.md.
#include <sched.h>
#include <fcntl.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <functional>
#include <future>
#include <iostream>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "bench/sockets.hpp"
#include "bench/stream.hpp"
#include "bench/transfer.hpp"
#include "runner/netns/topology.hpp"
#include "stack/api/syscalls.hpp"
#include "stack/stackd/stack_loop.hpp"

namespace {

using namespace ipc::bench;
using namespace std::chrono_literals;

constexpr const char* kProgram = "ipconform-tcp-bench";
constexpr int kExitFailed = 1;     // a transfer failed, timed out or delivered other bytes
constexpr int kExitSetup = 2;      // bad arguments, or the topology / TAP could not be set up
constexpr int kExitNoPrivs = 77;   // no CAP_SYS_ADMIN/CAP_NET_ADMIN: CTest's SKIP_RETURN_CODE
constexpr auto kGrace = 10s;       // after --timeout, before the watchdog gives up on a stuck call

struct Options {
  std::string dut = "kernel";
  std::uint64_t bytes = 100'000'000;
  std::string direction = "both";
  std::uint64_t seed = 1;
  std::uint64_t chunk = 128 * 1024;
  double timeout_s = 120;
  int port = 5201;
  bool json = false;
};

enum class Dir { dut_sends, dut_receives };
const char* name(Dir d) { return d == Dir::dut_sends ? "dut-send" : "dut-receive"; }

// What the peer saw of one transfer.
struct PeerReport {
  std::string error;  // empty: its part went fine
  bool cancelled = false;
  Clock::time_point start;          // peer sends: its first sendto
  std::optional<Received> received;  // peer receives
};

// One direction's outcome, as printed.
struct Outcome {
  Dir dir;
  bool ok = false;
  std::string error;
  std::uint64_t received = 0;
  double seconds = 0;
};

// Gives up on the whole process when a call outlives --timeout by kGrace
// (e.g. a blocking call of the stack that never returns). The namespaces
// are anonymous: they vanish with the process.
class Watchdog {
 public:
  explicit Watchdog(std::function<void(const std::string&)> expired)
      : expired_(std::move(expired)), thread_([this] { run(); }) {}
  ~Watchdog() {
    {
      std::lock_guard lock(m_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  void arm(Clock::time_point at, std::string what) {
    std::lock_guard lock(m_);
    at_ = at;
    what_ = std::move(what);
    cv_.notify_all();
  }
  void disarm() {
    std::lock_guard lock(m_);
    at_.reset();
  }

 private:
  void run() {
    std::unique_lock lock(m_);
    while (!stop_) {
      if (!at_) {
        cv_.wait(lock);
      } else if (cv_.wait_until(lock, *at_) == std::cv_status::timeout && at_ && Clock::now() >= *at_ && !stop_) {
        expired_(what_);  // does not return
      }
    }
  }
  std::function<void(const std::string&)> expired_;
  std::mutex m_;
  std::condition_variable cv_;
  std::optional<Clock::time_point> at_;
  std::string what_;
  bool stop_ = false;
  std::thread thread_;
};

// Puts the calling thread into a namespace and back (aborts if it cannot
// come back, as runner/netns does).
class VisitNetns {
 public:
  explicit VisitNetns(int nsfd) : home_(::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)) {
    if (home_ < 0) throw std::runtime_error(std::string("open /proc/thread-self/ns/net: ") + std::strerror(errno));
    if (::setns(nsfd, CLONE_NEWNET) != 0) {
      const int err = errno;
      ::close(home_);
      throw std::runtime_error(std::string("setns(DUT namespace): ") + std::strerror(err));
    }
  }
  ~VisitNetns() {
    if (::setns(home_, CLONE_NEWNET) != 0) {
      std::fprintf(stderr, "%s: cannot return to the original network namespace: %s\n", kProgram,
                   std::strerror(errno));
      std::abort();
    }
    ::close(home_);
  }
  VisitNetns(const VisitNetns&) = delete;
  VisitNetns& operator=(const VisitNetns&) = delete;

 private:
  int home_;
};

// What both ends share.
struct Shared {
  const Options& opt;
  std::vector<Dir> plan;
  Stream stream;
  sockaddr_in peer_addr;
  CancelFlag cancel{false};
  std::promise<std::string> listening;  // the listener's error, or empty
  std::vector<std::promise<PeerReport>> peer;
  std::vector<std::future<PeerReport>> peer_done;
  Watchdog* watchdog = nullptr;

  Clock::duration timeout() const {
    return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(opt.timeout_s));
  }
};

// The kernel peer: a thread in the tester namespace, listening on
// peer_addr:port and doing the other half of each transfer in turn.
void peer_main(int tester_netns, Shared& sh) {
  KernelSockets k;
  End e{k, "peer (kernel)", sh.cancel, Clock::now() + sh.timeout(), sh.opt.chunk};
  int listener = -1;
  try {
    if (::setns(tester_netns, CLONE_NEWNET) != 0)
      throw Failure(std::string("peer: setns(tester namespace): ") + std::strerror(errno));
    listener = open_listener(e, sh.peer_addr);
  } catch (const Failure& f) {
    sh.listening.set_value(f.what());
    for (auto& p : sh.peer) p.set_value(PeerReport{.error = "not run"});
    return;
  }
  sh.listening.set_value("");
  std::size_t i = 0;
  for (; i < sh.plan.size(); ++i) {
    PeerReport r;
    e.deadline = Clock::now() + sh.timeout();
    try {
      const int fd = accept_one(e, listener);
      if (sh.plan[i] == Dir::dut_sends) r.received = receive_stream(e, fd, sh.stream);
      else r.start = send_stream(e, fd, sh.stream, sh.opt.bytes);
    } catch (const Cancelled& c) {
      r.error = c.what();
      r.cancelled = true;
    } catch (const Failure& f) {
      r.error = f.what();
      sh.cancel = true;
    }
    const bool stop = !r.error.empty();
    sh.peer[i].set_value(std::move(r));
    if (stop) break;
  }
  for (++i; i < sh.plan.size(); ++i) sh.peer[i].set_value(PeerReport{.error = "not run"});
  k.close(listener);
}

// The DUT's half of every transfer: connect to the peer, send or receive,
// then wait for the peer's account.
std::vector<Outcome> dut_main(SocketApi& api, const std::string& who, Shared& sh) {
  std::vector<Outcome> out;
  for (std::size_t i = 0; i < sh.plan.size(); ++i) {
    const Dir dir = sh.plan[i];
    Outcome o{dir};
    End e{api, who, sh.cancel, Clock::now() + sh.timeout(), sh.opt.chunk};
    sh.watchdog->arm(e.deadline + kGrace, std::string(name(dir)) + " transfer");
    auto& peer_done = sh.peer_done[i];
    const auto peer_ready = [&] {
      return !peer_done.valid() || peer_done.wait_for(0s) == std::future_status::ready;
    };
    bool broken = false;  // the ends may be out of step: no further transfer
    try {
      const int fd = connect_to(e, sh.peer_addr);
      Clock::time_point start;
      std::optional<Received> got;
      if (dir == Dir::dut_sends) {
        start = send_stream(e, fd, sh.stream, sh.opt.bytes);
        if (!api.idle_until(peer_ready, e.deadline))
          throw Failure(who + ": timed out waiting for the peer to receive everything");
        PeerReport r = peer_done.get();
        if (!r.error.empty()) throw Failure(r.error);
        got = r.received;
      } else {
        got = receive_stream(e, fd, sh.stream);
        if (!api.idle_until(peer_ready, e.deadline))
          throw Failure(who + ": timed out waiting for the peer to finish sending");
        PeerReport r = peer_done.get();
        if (!r.error.empty()) throw Failure(r.error);
        start = r.start;
      }
      o.received = got->bytes;
      o.seconds = std::chrono::duration<double>(got->eof - start).count();
      if (got->mismatch)
        o.error = fmt::format("received bytes differ from the stream at offset {}", *got->mismatch);
      else if (got->bytes != sh.opt.bytes)
        o.error = fmt::format("received {} bytes, sent {}", got->bytes, sh.opt.bytes);
      o.ok = o.error.empty();
    } catch (const Failure& f) {
      broken = true;
      o.error = f.what();
      // The peer failed first if it had raised the flag already (our call
      // then failed because of it: a reset, or we stopped waiting).
      const bool peer_failed_first = sh.cancel.exchange(true) || dynamic_cast<const Cancelled*>(&f) != nullptr;
      // Let the peer wind down, and say why if it failed first.
      api.idle_until(peer_ready, Clock::now() + 2s);
      if (peer_failed_first && peer_done.valid() && peer_ready()) {
        const PeerReport r = peer_done.get();
        if (!r.error.empty() && !r.cancelled)
          o.error = dynamic_cast<const Cancelled*>(&f) ? r.error : r.error + " (then " + o.error + ")";
      }
    }
    sh.watchdog->disarm();
    out.push_back(std::move(o));
    if (broken) break;
  }
  return out;
}

ipc::stack::core::StackConfig stack_config(const ipc::netns::TopologyFacts& f) {
  using ipc::stack::wire::Ipv4Address;
  using ipc::stack::wire::MacAddress;
  const auto addr = [](const std::string& s) {
    auto a = Ipv4Address::parse(s);
    if (!a) throw std::invalid_argument("not an IPv4 address: " + s);
    return *a;
  };
  const auto mac = [](const std::string& s) {
    auto m = MacAddress::parse(s);
    if (!m) throw std::invalid_argument("not a MAC address: " + s);
    return *m;
  };
  ipc::stack::core::StackConfig c;
  c.ifname = f.dut_if;
  c.ifindex = f.dut_ifindex;
  c.mac = mac(f.dut_mac);
  c.mtu = f.mtu;
  c.address = addr(f.dut_addr);
  c.prefix_len = f.prefix;
  for (const auto& r : f.routes()) {
    const auto slash = r.prefix.find('/');
    ipc::stack::core::RouteConfig rc;
    rc.dst = addr(r.prefix.substr(0, slash));
    rc.prefix_len = std::stoi(r.prefix.substr(slash + 1));
    if (!r.gateway.empty()) rc.gateway = addr(r.gateway);
    c.routes.push_back(rc);
  }
  for (const auto& n : f.static_neighbours()) c.neighbours.push_back({addr(n.addr), mac(n.mac)});
  return c;
}

nlohmann::ordered_json report_json(const Options& o, const ipc::netns::TopologyFacts& f,
                                   const std::vector<Dir>& plan, const std::vector<Outcome>& results) {
  nlohmann::ordered_json j;
  j["dut"] = o.dut;
  j["dut_addr"] = f.dut_addr;
  j["peer_addr"] = f.peer_addr;
  j["port"] = o.port;
  j["bytes"] = o.bytes;
  j["seed"] = o.seed;
  j["chunk"] = o.chunk;
  j["timeout_s"] = o.timeout_s;
  bool ok = results.size() == plan.size();
  auto dirs = nlohmann::ordered_json::array();
  for (std::size_t i = 0; i < plan.size(); ++i) {
    nlohmann::ordered_json d;
    d["direction"] = name(plan[i]);
    d["sender"] = plan[i] == Dir::dut_sends ? "dut" : "peer";
    d["receiver"] = plan[i] == Dir::dut_sends ? "peer" : "dut";
    if (i >= results.size()) {
      d["ok"] = false;
      d["run"] = false;
      d["error"] = "not run (an earlier transfer failed)";
    } else {
      const Outcome& r = results[i];
      ok = ok && r.ok;
      d["ok"] = r.ok;
      d["run"] = true;
      d["bytes"] = o.bytes;
      d["received"] = r.received;
      if (r.ok) {
        d["seconds"] = r.seconds;
        d["mb_per_s"] = static_cast<double>(o.bytes) / 1e6 / r.seconds;
        d["gbit_per_s"] = static_cast<double>(o.bytes) * 8 / 1e9 / r.seconds;
        d["error"] = nullptr;
      } else {
        d["error"] = r.error;
      }
    }
    dirs.push_back(std::move(d));
  }
  j["ok"] = ok;
  j["directions"] = std::move(dirs);
  return j;
}

void print_text(const nlohmann::ordered_json& j) {
  std::cout << fmt::format("{}: DUT {} ({}) <-> peer kernel ({}), TCP port {}, {} bytes each way, seed {}\n",
                           kProgram, j["dut"].get<std::string>(), j["dut_addr"].get<std::string>(),
                           j["peer_addr"].get<std::string>(), j["port"].get<int>(), j["bytes"].get<std::uint64_t>(),
                           j["seed"].get<std::uint64_t>());
  for (const auto& d : j["directions"]) {
    const std::string dir = d["direction"] == "dut-send" ? "DUT sends   " : "DUT receives";
    if (d["ok"].get<bool>())
      std::cout << fmt::format("  {}  {:.1f} MB in {:.3f} s: {:.1f} MB/s, {:.2f} Gbit/s, byte-exact\n", dir,
                               d["bytes"].get<double>() / 1e6, d["seconds"].get<double>(),
                               d["mb_per_s"].get<double>(), d["gbit_per_s"].get<double>());
    else
      std::cout << fmt::format("  {}  FAILED: {}\n", dir, d["error"].get<std::string>());
  }
  std::cout << std::flush;
}

}  // namespace

int main(int argc, char** argv) {
  Options opt;
  CLI::App app{"ipconform-tcp-bench: TCP throughput between a DUT socket and a kernel peer socket in a "
               "namespace of its own on the same link, every byte checked, in both directions. Needs root "
               "(CAP_SYS_ADMIN and CAP_NET_ADMIN) for its namespaces."};
  app.add_option("--dut", opt.dut, "who the DUT is: the kernel of the DUT namespace, or the reference stack "
                                   "run in-process on a TAP device")
      ->check(CLI::IsMember({"kernel", "stack"}))
      ->capture_default_str();
  app.add_option("--bytes", opt.bytes, "bytes to move each way (100M = 10^8, 100MiB = 100*2^20)")
      ->transform(CLI::AsSizeValue(true))
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--direction", opt.direction, "send: the DUT sends; receive: the DUT receives; both: send first")
      ->check(CLI::IsMember({"both", "send", "receive"}))
      ->capture_default_str();
  app.add_option("--timeout", opt.timeout_s, "seconds each transfer (connect to last byte) may take")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--seed", opt.seed, "seed of the pseudo-random stream")->capture_default_str();
  app.add_option("--chunk", opt.chunk, "bytes per sendto/recvfrom call")
      ->transform(CLI::AsSizeValue(false))
      ->check(CLI::Range(std::uint64_t{4}, std::uint64_t{64} << 20))
      ->capture_default_str();
  app.add_option("--port", opt.port, "the peer's TCP port")->check(CLI::Range(1, 65535))->capture_default_str();
  app.add_flag("--json", opt.json, "print one JSON object instead of text");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : kExitSetup;  // --help: 0
  }
  std::signal(SIGPIPE, SIG_IGN);

  const bool stack_mode = opt.dut == "stack";
  std::vector<Dir> plan;
  if (opt.direction != "receive") plan.push_back(Dir::dut_sends);
  if (opt.direction != "send") plan.push_back(Dir::dut_receives);

  // The runner's topology (TAP mode for the stack), plus 192.0.2.2 on tst0
  // so the tester's kernel can be the peer.
  std::optional<ipc::netns::Topology> topo;
  try {
    topo.emplace(ipc::netns::Topology::create({.static_neighbours = true,
                                               .dut = stack_mode ? ipc::netns::DutMode::tap
                                                                 : ipc::netns::DutMode::kernel,
                                               .tester_address = true}));
  } catch (const std::exception& e) {
    const std::string msg = e.what();
    std::cerr << kProgram << ": cannot build the topology: " << msg << "\n";
    return msg.rfind("need root", 0) == 0 ? kExitNoPrivs : kExitSetup;
  }
  const auto& facts = topo->facts();

  Shared sh{.opt = opt, .plan = plan, .stream = Stream(opt.seed), .peer_addr = {}};
  sh.peer_addr = inet_address(facts.peer_addr, opt.port);
  sh.peer.resize(plan.size());
  for (auto& p : sh.peer) sh.peer_done.push_back(p.get_future());
  Watchdog watchdog([&](const std::string& what) {
    std::cerr << kProgram << ": " << what << ": a call did not return "
              << std::chrono::duration_cast<std::chrono::seconds>(kGrace).count()
              << " s after the deadline (--timeout); giving up\n";
    if (opt.json)
      std::cout << nlohmann::ordered_json{{"dut", opt.dut}, {"bytes", opt.bytes}, {"ok", false},
                                          {"error", what + ": hung past the timeout"}}
                       .dump()
                << std::endl;
    std::fflush(nullptr);
    std::_Exit(kExitFailed);
  });
  sh.watchdog = &watchdog;

  // The DUT side of stack mode: the stack on tap0, opened from inside the
  // DUT namespace; the main thread then comes back and runs the stack.
  std::optional<ipc::stack::stackd::StackLoop> loop;
  if (stack_mode) {
    try {
      const auto config = stack_config(facts);
      {
        VisitNetns in_dut(topo->dut_netns());
        loop.emplace(facts.tap_if, config);
      }
      topo->wait_tap_forwarding(3s);
    } catch (const std::exception& e) {
      std::cerr << kProgram << ": cannot attach the stack to " << facts.tap_if << ": " << e.what() << "\n";
      return kExitSetup;
    }
  }

  std::thread peer([&] { peer_main(topo->tester_netns(), sh); });
  const std::string listen_error = sh.listening.get_future().get();
  std::vector<Outcome> results;
  if (!listen_error.empty()) {
    peer.join();
    std::cerr << kProgram << ": " << listen_error << "\n";
    return kExitSetup;
  }

  if (stack_mode) {
    ipc::stack::api::Syscalls sys(loop->stack(), loop->waiter());
    StackSockets api(*loop, sys);
    results = dut_main(api, "DUT (stack)", sh);
  } else {
    std::thread dut([&] {
      KernelSockets api;
      if (::setns(topo->dut_netns(), CLONE_NEWNET) != 0) {
        sh.cancel = true;
        results.push_back({.dir = plan.front(), .error = std::string("DUT: setns: ") + std::strerror(errno)});
        return;
      }
      results = dut_main(api, "DUT (kernel)", sh);
    });
    dut.join();
  }
  sh.cancel = true;  // the peer stops waiting for a connection that will not come
  peer.join();

  const auto j = report_json(opt, facts, plan, results);
  if (opt.json) std::cout << j.dump() << std::endl;
  else print_text(j);
  return j["ok"].get<bool>() ? 0 : kExitFailed;
}
