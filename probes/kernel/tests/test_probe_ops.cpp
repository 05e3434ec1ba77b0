// The request handler, in process, inside a throwaway network namespace.
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cstring>
#include <sstream>

#include <gtest/gtest.h>

#include "hex.hpp"
#include "netns_child.hpp"
#include "probe.hpp"
#include "probe_session.hpp"
#include "serve.hpp"

namespace ipconform::kprobe {
using namespace ::ipconform::probe;
namespace {

using nlohmann::json;
using testing::errno_of;
using testing::int_hex;
using testing::is_protocol_error;
using testing::loopback;
using testing::make_socket;
using testing::run_in_new_netns;
using testing::Session;

TEST(ProbeSession, HelloReportsTheKernel) {
  run_in_new_netns([] {
    Session s;
    const Json r = s.call({{"op", "hello"}, {"version", 1}});
    EXPECT_EQ(r["id"], 1);
    EXPECT_EQ(r["ret"], 0);
    EXPECT_TRUE(r["errno"].is_null());
    EXPECT_EQ(r["protocol"], 1);
    EXPECT_EQ(r["target"], "kernel");
    EXPECT_EQ(r["implementation"], "Linux");
    utsname uts{};
    ::uname(&uts);
    EXPECT_EQ(r["release"], uts.release);

    const auto has = [&](const char* feature) {
      for (const auto& f : r["features"])
        if (f == feature) return true;
      return false;
    };
    EXPECT_TRUE(has("caps"));
    EXPECT_TRUE(has("sysctl"));
    const int udplite = ::socket(AF_INET, SOCK_DGRAM, IPPROTO_UDPLITE);
    EXPECT_EQ(has("udplite"), udplite >= 0);
    if (udplite >= 0) ::close(udplite);
    const int sctp = ::socket(AF_INET, SOCK_STREAM, IPPROTO_SCTP);
    EXPECT_EQ(has("sctp"), sctp >= 0);
    if (sctp >= 0) ::close(sctp);
  });
}

TEST(ProbeSession, HelloRejectsOtherVersions) {
  run_in_new_netns([] {
    Session s;
    EXPECT_TRUE(is_protocol_error(s.call({{"op", "hello"}, {"version", 2}})));
    EXPECT_TRUE(is_protocol_error(s.call({{"op", "hello"}})));
    EXPECT_TRUE(is_protocol_error(s.call({{"op", "hello"}, {"version", "1"}})));
  });
}

TEST(ProbeSockopt, IpTtlDefaultsTo64) {
  run_in_new_netns([] {
    Session s;
    EXPECT_EQ(s.call(make_socket("s", SOCK_DGRAM)),
              (Json{{"id", 1}, {"ret", 0}, {"errno", nullptr}}));
    const Json r = s.ok({{"op", "getsockopt"},
                         {"handle", "s"},
                         {"level", IPPROTO_IP},
                         {"name", IP_TTL},
                         {"optlen", 4},
                         {"text", "getsockopt(s, IP_TTL)"}});
    EXPECT_EQ(r["optlen"], 4);
    EXPECT_EQ(r["value"], "40000000");
  });
}

TEST(ProbeSockopt, IpTtlZeroIsEinval) {
  run_in_new_netns([] {
    Session s;
    s.ok(make_socket("s", SOCK_DGRAM));
    const Json r = s.call({{"op", "setsockopt"},
                           {"handle", "s"},
                           {"level", IPPROTO_IP},
                           {"name", IP_TTL},
                           {"value", "00000000"},
                           {"optlen", 4}});
    EXPECT_EQ(r["ret"], -1);
    EXPECT_EQ(errno_of(r), "EINVAL");
  });
}

TEST(ProbeSockopt, NegativeOptlenIsEinval) {
  run_in_new_netns([] {
    Session s;
    s.ok(make_socket("s", SOCK_DGRAM));
    Json r = s.call({{"op", "setsockopt"},
                     {"handle", "s"},
                     {"level", IPPROTO_IP},
                     {"name", IP_TTL},
                     {"value", "05000000"},
                     {"optlen", -1}});
    EXPECT_EQ(errno_of(r), "EINVAL");
    r = s.call({{"op", "getsockopt"},
                {"handle", "s"},
                {"level", IPPROTO_IP},
                {"name", IP_TTL},
                {"optlen", -1}});
    EXPECT_EQ(r["ret"], -1);
    EXPECT_EQ(errno_of(r), "EINVAL");
    EXPECT_EQ(r["optlen"], -1);
    EXPECT_EQ(r["value"], "");
  });
}

TEST(ProbeSockopt, ShortValueIsZeroPaddedToOptlen) {
  run_in_new_netns([] {
    Session s;
    s.ok(make_socket("s", SOCK_DGRAM));
    s.ok({{"op", "setsockopt"},
          {"handle", "s"},
          {"level", IPPROTO_IP},
          {"name", IP_TTL},
          {"value", "05"},
          {"optlen", 4}});
    const Json r = s.ok({{"op", "getsockopt"},
                         {"handle", "s"},
                         {"level", IPPROTO_IP},
                         {"name", IP_TTL},
                         {"optlen", 8},
                         {"value", "ffffffffffffffff"}});
    EXPECT_EQ(r["optlen"], 4);
    EXPECT_EQ(r["value"], "05000000");
  });
}

TEST(ProbeSockopt, HugeOptlenIsPassedThroughWithoutHugeBuffers) {
  run_in_new_netns([] {
    Session s;
    s.ok(make_socket("s", SOCK_DGRAM));
    s.ok({{"op", "setsockopt"},
          {"handle", "s"},
          {"level", IPPROTO_IP},
          {"name", IP_TTL},
          {"value", "07000000"},
          {"optlen", 0x7fffffff}});
    const Json r = s.ok({{"op", "getsockopt"},
                         {"handle", "s"},
                         {"level", IPPROTO_IP},
                         {"name", IP_TTL},
                         {"optlen", 1 << 30}});
    EXPECT_EQ(r["optlen"], 4);
    EXPECT_EQ(r["value"], "07000000");
  });
}

TEST(ProbeProtocol, UnknownHandleIsAProtocolError) {
  run_in_new_netns([] {
    Session s;
    const Json r = s.call({{"op", "close"}, {"handle", "nope"}});
    EXPECT_EQ(r["id"], 1);
    EXPECT_TRUE(is_protocol_error(r)) << r.dump();
    EXPECT_TRUE(is_protocol_error(s.call({{"op", "getsockopt"},
                                          {"handle", "nope"},
                                          {"level", 0},
                                          {"name", IP_TTL},
                                          {"optlen", 4}})));
  });
}

TEST(ProbeProtocol, MalformedRequestsAreProtocolErrors) {
  run_in_new_netns([] {
    Session s;
    EXPECT_TRUE(is_protocol_error(s.call({{"op", "frobnicate"}})));
    EXPECT_TRUE(is_protocol_error(s.call({{"op", "socket"}, {"handle", "s"}, {"domain", 2}})));
    EXPECT_TRUE(is_protocol_error(s.call(
        {{"op", "socket"}, {"handle", "s"}, {"domain", "2"}, {"type", 2}, {"protocol", 0}})));
    EXPECT_TRUE(is_protocol_error(s.call({{"op", 7}})));
    s.ok(make_socket("s", SOCK_DGRAM));
    EXPECT_TRUE(is_protocol_error(s.call(make_socket("s", SOCK_DGRAM))));  // handle in use
    EXPECT_TRUE(is_protocol_error(s.call({{"op", "setsockopt"},
                                          {"handle", "s"},
                                          {"level", 0},
                                          {"name", IP_TTL},
                                          {"value", "xyz"},
                                          {"optlen", 4}})));
    EXPECT_TRUE(is_protocol_error(s.call(
        {{"op", "bind"}, {"handle", "s"}, {"addr", {{"family", 2}, {"addr", "x"}, {"port", 0}}}})));
    EXPECT_TRUE(is_protocol_error(s.call({{"op", "ioctl"},
                                          {"handle", "s"},
                                          {"request", FIONREAD},
                                          {"arg", "pointer"},
                                          {"value", "00000000"}})));

    KernelBackend backend;
    Probe probe(backend, {});
    const Json no_id = probe.handle({{"op", "hello"}, {"version", 1}}).response;
    EXPECT_TRUE(no_id["id"].is_null());
    EXPECT_TRUE(is_protocol_error(no_id));
    EXPECT_TRUE(is_protocol_error(probe.handle(json::array({1, 2})).response));
    const Json garbage = probe.handle_line("{\"id\": 3,").response;
    EXPECT_TRUE(garbage["id"].is_null());
    EXPECT_TRUE(is_protocol_error(garbage));
  });
}

TEST(ProbeSysctl, WriteIsRestoredByEnd) {
  run_in_new_netns([] {
    Session s;
    const json ttl = {{"op", "sysctl"}, {"path", "net/ipv4/ip_default_ttl"}};
    EXPECT_EQ(s.ok(ttl)["value"], "64");
    s.ok({{"op", "begin"}, {"case", "sysctl.restore"}, {"caps_drop", json::array()}});
    json write = ttl;
    write["value"] = "100";
    EXPECT_EQ(s.ok(write)["value"], "100");
    write["value"] = "120";
    EXPECT_EQ(s.ok(write)["value"], "120");
    EXPECT_EQ(s.ok(ttl)["value"], "120");
    EXPECT_EQ(s.call({{"op", "end"}}), (Json{{"id", 6}, {"ret", 0}, {"errno", nullptr}}));
    EXPECT_EQ(s.ok(ttl)["value"], "64");
  });
}

TEST(ProbeSysctl, ReportsKernelErrorsAndKeepsTheKernelsText) {
  run_in_new_netns([] {
    Session s;
    Json r = s.call({{"op", "sysctl"}, {"path", "net/ipv4/no_such_entry"}});
    EXPECT_EQ(r["ret"], -1);
    EXPECT_EQ(errno_of(r), "ENOENT");
    r = s.call({{"op", "sysctl"}, {"path", "net/ipv4/ip_default_ttl"}, {"value", "0"}});
    EXPECT_EQ(errno_of(r), "EINVAL");
    EXPECT_EQ(s.ok({{"op", "sysctl"}, {"path", "net/ipv4/ip_default_ttl"}})["value"], "64");
    r = s.ok(
        {{"op", "sysctl"}, {"path", "net/ipv4/ip_local_port_range"}, {"value", "20000 30000"}});
    EXPECT_EQ(r["value"], "20000\t30000");
    s.ok({{"op", "end"}});
    EXPECT_EQ(s.ok({{"op", "sysctl"}, {"path", "net/ipv4/ip_local_port_range"}})["value"],
              "32768\t60999");
    for (const char* path : {"kernel/hostname", "net/../kernel/hostname",
                             "/net/ipv4/ip_default_ttl", "net/ipv4/./ip_default_ttl"})
      EXPECT_TRUE(is_protocol_error(s.call({{"op", "sysctl"}, {"path", path}}))) << path;
    EXPECT_TRUE(is_protocol_error(
        s.call({{"op", "sysctl"}, {"path", "net/ipv4/ip_default_ttl"}, {"value", 100}})));
  });
}

TEST(ProbeCaps, DroppedBindServiceBlocksPort80UntilEnd) {
  run_in_new_netns([] {
    Session s;
    s.ok({{"op", "begin"}, {"case", "caps"}, {"caps_drop", {"CAP_NET_BIND_SERVICE"}}});
    s.ok(make_socket("s", SOCK_STREAM));
    Json r = s.call({{"op", "bind"}, {"handle", "s"}, {"addr", loopback(80)}});
    EXPECT_EQ(r["ret"], -1);
    EXPECT_EQ(errno_of(r), "EACCES");
    s.ok({{"op", "end"}});

    s.ok({{"op", "begin"}, {"case", "caps.after"}, {"caps_drop", json::array()}});
    s.ok(make_socket("s", SOCK_STREAM));
    s.ok({{"op", "bind"}, {"handle", "s"}, {"addr", loopback(80)}});
    s.ok({{"op", "end"}});
  });
}

TEST(ProbeCaps, BeginRejectsUnknownNamesAndNesting) {
  run_in_new_netns([] {
    Session s;
    EXPECT_TRUE(
        is_protocol_error(s.call({{"op", "begin"}, {"case", "x"}, {"caps_drop", {"CAP_NOPE"}}})));
    EXPECT_TRUE(is_protocol_error(s.call({{"op", "begin"}, {"case", "x"}, {"caps_drop", {"10"}}})));
    EXPECT_TRUE(is_protocol_error(
        s.call({{"op", "begin"}, {"case", "x"}, {"caps_drop", "CAP_NET_ADMIN"}})));
    EXPECT_TRUE(is_protocol_error(s.call({{"op", "begin"}, {"case", "x"}})));
    s.ok({{"op", "begin"}, {"case", "x"}, {"caps_drop", json::array()}});
    EXPECT_TRUE(
        is_protocol_error(s.call({{"op", "begin"}, {"case", "y"}, {"caps_drop", json::array()}})));
    s.ok({{"op", "end"}});
    s.ok({{"op", "begin"}, {"case", "y"}, {"caps_drop", json::array()}});
  });
}

TEST(ProbeSession, EndClosesEveryHandle) {
  run_in_new_netns([] {
    Session s;
    s.ok({{"op", "begin"}, {"case", "x"}, {"caps_drop", json::array()}});
    s.ok(make_socket("a", SOCK_DGRAM));
    s.ok({{"op", "bind"}, {"handle", "a"}, {"addr", loopback(7000)}});
    s.ok({{"op", "end"}});
    EXPECT_TRUE(is_protocol_error(s.call({{"op", "close"}, {"handle", "a"}})));
    // The port is free again: the socket really was closed.
    s.ok(make_socket("b", SOCK_DGRAM));
    s.ok({{"op", "bind"}, {"handle", "b"}, {"addr", loopback(7000)}});
  });
}

TEST(ProbeSession, EndRestoresTheRestWhenARestoreFails) {
  run_in_new_netns([] {
    const int tun = ::open("/dev/net/tun", O_RDWR | O_CLOEXEC);
    if (tun < 0) GTEST_SKIP() << "no /dev/net/tun";
    ifreq ifr{};
    std::strncpy(ifr.ifr_name, "ipcftest0", IFNAMSIZ - 1);
    ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
    ASSERT_EQ(::ioctl(tun, TUNSETIFF, &ifr), 0) << std::strerror(errno);

    Session s;
    s.ok({{"op", "begin"}, {"case", "x"}, {"caps_drop", {"CAP_NET_RAW"}}});
    s.ok({{"op", "sysctl"}, {"path", "net/ipv4/ip_default_ttl"}, {"value", "99"}});
    const std::string flag = "net/ipv4/conf/ipcftest0/accept_local";
    const std::string before = s.ok({{"op", "sysctl"}, {"path", flag}})["value"];
    s.ok({{"op", "sysctl"}, {"path", flag}, {"value", before == "0" ? "1" : "0"}});
    ::close(tun);  // the interface, and its sysctls, go away

    const Json r = s.call({{"op", "end"}});
    EXPECT_EQ(r["ret"], -1);
    EXPECT_EQ(errno_of(r), "ENOENT");
    ASSERT_TRUE(r["detail"].is_string()) << r.dump();
    EXPECT_NE(r["detail"].get<std::string>().find(flag), std::string::npos) << r.dump();
    EXPECT_EQ(s.ok({{"op", "sysctl"}, {"path", "net/ipv4/ip_default_ttl"}})["value"], "64");
    // The capability came back too: a raw socket can be opened.
    s.ok({{"op", "socket"},
          {"handle", "raw"},
          {"domain", AF_INET},
          {"type", SOCK_RAW},
          {"protocol", IPPROTO_ICMP}});
    // The journal was emptied: the next end has nothing left to fail on.
    s.ok({{"op", "end"}});
  });
}

TEST(ProbeSockets, UdpRoundTripOverLoopback) {
  run_in_new_netns([] {
    Session s;
    s.ok(make_socket("rx", SOCK_DGRAM));
    s.ok(make_socket("tx", SOCK_DGRAM));
    s.ok({{"op", "bind"}, {"handle", "rx"}, {"addr", loopback(9000)}});
    s.ok({{"op", "bind"}, {"handle", "tx"}, {"addr", loopback(9001)}});
    const Json name = s.ok({{"op", "getsockname"}, {"handle", "rx"}});
    EXPECT_EQ(name["addr"], (Json{{"family", 2}, {"addr", "127.0.0.1"}, {"port", 9000}}));
    EXPECT_EQ(name["addrlen"], 16);

    Json r = s.call({{"op", "sendto"},
                     {"handle", "tx"},
                     {"data", "68656c6c6f"},
                     {"flags", 0},
                     {"addr", loopback(9000)}});
    EXPECT_EQ(r["ret"], 5);
    r = s.ok({{"op", "ioctl"},
              {"handle", "rx"},
              {"request", FIONREAD},
              {"arg", "int"},
              {"value", "00000000"}});
    EXPECT_EQ(r["value"], int_hex(5));

    r = s.call({{"op", "recvfrom"}, {"handle", "rx"}, {"len", 3}, {"flags", MSG_TRUNC}});
    EXPECT_EQ(r["ret"], 5);  // MSG_TRUNC: the real length
    EXPECT_EQ(r["data"], "68656c");
    EXPECT_EQ(r["addr"], (Json{{"family", 2}, {"addr", "127.0.0.1"}, {"port", 9001}}));
    EXPECT_EQ(r["addrlen"], 16);

    r = s.call({{"op", "recvfrom"}, {"handle", "rx"}, {"len", 16}, {"flags", MSG_DONTWAIT}});
    EXPECT_EQ(r["ret"], -1);
    EXPECT_EQ(errno_of(r), "EAGAIN");
    EXPECT_TRUE(r["data"].is_null());

    r = s.call({{"op", "sendto"}, {"handle", "tx"}, {"data", "00"}, {"flags", 0}});
    EXPECT_EQ(errno_of(r), "EDESTADDRREQ");
    r = s.call({{"op", "connect"}, {"handle", "tx"}, {"addr", {{"raw", "0200"}}}, {"addrlen", 2}});
    EXPECT_EQ(errno_of(r), "EINVAL");
  });
}

TEST(ProbeSockets, TcpAcceptPeerAndShutdown) {
  run_in_new_netns([] {
    Session s;
    s.ok(make_socket("l", SOCK_STREAM | SOCK_NONBLOCK));
    s.ok({{"op", "bind"}, {"handle", "l"}, {"addr", loopback(5000)}});
    s.ok({{"op", "listen"}, {"handle", "l"}, {"backlog", 4}});
    Json r = s.call({{"op", "accept"}, {"handle", "l"}, {"new_handle", "a"}, {"flags", 0}});
    EXPECT_EQ(errno_of(r), "EAGAIN");
    EXPECT_TRUE(r["addr"].is_null());

    s.ok(make_socket("c", SOCK_STREAM));
    s.ok({{"op", "connect"}, {"handle", "c"}, {"addr", loopback(5000)}});
    const Json local = s.ok({{"op", "getsockname"}, {"handle", "c"}});
    r = s.ok({{"op", "accept"}, {"handle", "l"}, {"new_handle", "a"}, {"flags", SOCK_CLOEXEC}});
    EXPECT_EQ(r["addr"], local["addr"]);
    EXPECT_EQ(r["addrlen"], 16);
    r = s.ok({{"op", "getpeername"}, {"handle", "a"}, {"addrlen", 4}});
    EXPECT_EQ(r["addrlen"], 16);  // the full length, with only 4 bytes copied
    EXPECT_EQ(r["addr"]["raw"].get<std::string>().size(), 8u);

    EXPECT_EQ(s.call({{"op", "sendto"}, {"handle", "c"}, {"data", "616263"}, {"flags", 0}})["ret"],
              3);
    r = s.call({{"op", "recvfrom"}, {"handle", "a"}, {"len", 100}, {"flags", 0}});
    EXPECT_EQ(r["ret"], 3);
    EXPECT_EQ(r["data"], "616263");
    EXPECT_TRUE(r["addr"].is_null());  // TCP reports no source address
    EXPECT_EQ(r["addrlen"], 0);

    s.ok({{"op", "shutdown"}, {"handle", "c"}, {"how", SHUT_WR}});
    r = s.call({{"op", "recvfrom"}, {"handle", "a"}, {"len", 100}, {"flags", 0}});
    EXPECT_EQ(r["ret"], 0);
    EXPECT_EQ(r["data"], "");
    s.ok({{"op", "close"}, {"handle", "a"}});
    EXPECT_TRUE(is_protocol_error(s.call({{"op", "close"}, {"handle", "a"}})));
    r = s.call({{"op", "getpeername"}, {"handle", "l"}});
    EXPECT_EQ(errno_of(r), "ENOTCONN");
  });
}

TEST(ProbeSockets, IoctlBufferAndItsGuard) {
  run_in_new_netns([] {
    Session s;
    s.ok(make_socket("s", SOCK_DGRAM));
    Bytes ifr(sizeof(ifreq), 0);
    std::memcpy(ifr.data(), "lo", 2);
    Json r = s.ok({{"op", "ioctl"},
                   {"handle", "s"},
                   {"request", SIOCGIFINDEX},
                   {"arg", "buffer"},
                   {"value", to_hex(ifr)}});
    const auto out = from_hex(r["value"].get<std::string>());
    ASSERT_TRUE(out);
    ASSERT_EQ(out->size(), sizeof(ifreq));
    int index = 0;
    std::memcpy(&index, out->data() + offsetof(ifreq, ifr_ifindex), sizeof index);
    EXPECT_EQ(index, static_cast<int>(::if_nametoindex("lo")));
    // A buffer shorter than struct ifreq: the kernel faults instead of
    // reading past it.
    r = s.call({{"op", "ioctl"},
                {"handle", "s"},
                {"request", SIOCGIFINDEX},
                {"arg", "buffer"},
                {"value", "6c6f0000"}});
    EXPECT_EQ(errno_of(r), "EFAULT");
    EXPECT_EQ(r["value"], "6c6f0000");
  });
}

TEST(ProbeServe, AnswersEachLineUntilBye) {
  run_in_new_netns([] {
    KernelBackend backend;
    Probe probe(backend, {});
    std::istringstream in(
        "{\"id\":1,\"op\":\"hello\",\"version\":1}\n"
        "\n"
        "not json\n"
        "{\"id\":2,\"op\":\"bye\"}\n"
        "{\"id\":3,\"op\":\"hello\",\"version\":1}\n");
    std::ostringstream out;
    EXPECT_EQ(serve(in, out, probe), 0);
    std::istringstream lines(out.str());
    std::string line;
    std::vector<Json> responses;
    while (std::getline(lines, line)) responses.push_back(Json::parse(line));
    ASSERT_EQ(responses.size(), 3u) << out.str();
    EXPECT_EQ(responses[0]["id"], 1);
    EXPECT_TRUE(is_protocol_error(responses[1]));
    EXPECT_EQ(responses[2], (Json{{"id", 2}, {"ret", 0}, {"errno", nullptr}}));
  });
}

}  // namespace
}  // namespace ipconform::kprobe
