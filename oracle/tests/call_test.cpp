#include "oracle/call.hpp"

#include <gtest/gtest.h>

#include <string>

namespace ipc::oracle {
namespace {

using json = nlohmann::json;

bool has(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

std::string step_error(const json& call) {
  try {
    build_request(call);
  } catch (const StepError& e) {
    return e.what();
  }
  return "<no error>";
}

// ---- ops and keys --------------------------------------------------------------

TEST(Ops, KnownOps) {
  for (const char* op : {"socket", "bind", "connect", "listen", "accept", "getsockname", "getpeername",
                         "setsockopt", "getsockopt", "sendto", "recvfrom", "shutdown", "close", "ioctl",
                         "sysctl"})
    EXPECT_TRUE(is_op(op)) << op;
  EXPECT_FALSE(is_op("send"));
  EXPECT_FALSE(is_op("Socket"));
}

TEST(StepKeys, UnknownOpAndUnknownKeyAreNamed) {
  EXPECT_TRUE(has(step_error({{"op", "frobnicate"}}), "unknown op 'frobnicate'"));
  auto msg = step_error({{"op", "listen"}, {"backlog", 1}, {"type", "SOCK_DGRAM"}});
  EXPECT_TRUE(has(msg, "listen") && has(msg, "'type'")) << msg;
  EXPECT_TRUE(has(step_error({{"handle", "s"}}), "no 'op'"));
  EXPECT_THROW(check_step_keys(json::array()), StepError);
}

TEST(StepKeys, RequiredKeys) {
  EXPECT_TRUE(has(step_error({{"op", "setsockopt"}, {"value", 1}}), "needs 'name'"));
  EXPECT_TRUE(has(step_error({{"op", "getsockopt"}}), "needs 'name'"));
  EXPECT_TRUE(has(step_error({{"op", "setsockopt"}, {"name", "IP_TTL"}}), "needs 'value'"));
  EXPECT_TRUE(has(step_error({{"op", "socket"}}), "needs 'type'"));
  EXPECT_TRUE(has(step_error({{"op", "sysctl"}}), "needs 'path'"));
  EXPECT_TRUE(has(step_error({{"op", "ioctl"}}), "needs 'request'"));
}

TEST(StepKeys, HandleAndNoteAreAllowedEverywhere) {
  EXPECT_NO_THROW(check_step_keys({{"op", "close"}, {"handle", "c"}, {"note", "why"}}));
}

// ---- socket ------------------------------------------------------------------

TEST(BuildRequest, SocketFlagsAreOred) {
  auto r = build_request({{"op", "socket"}, {"type", "SOCK_DGRAM|SOCK_NONBLOCK"}});
  EXPECT_EQ(r["op"], "socket");
  EXPECT_EQ(r["handle"], "s");
  EXPECT_EQ(r["domain"], 2);
  EXPECT_EQ(r["type"], 2 | 2048);
  EXPECT_EQ(r["protocol"], 0);
  EXPECT_FALSE(r.contains("id"));
  EXPECT_EQ(r["text"], "s = socket(AF_INET, SOCK_DGRAM|SOCK_NONBLOCK, 0)");
}

TEST(BuildRequest, SocketSymbolsAndNumbers) {
  auto r = build_request({{"op", "socket"}, {"handle", "r"}, {"type", "SOCK_RAW | SOCK_CLOEXEC"},
                          {"protocol", "IPPROTO_UDP"}, {"domain", "AF_INET"}});
  EXPECT_EQ(r["handle"], "r");
  EXPECT_EQ(r["type"], 3 | 02000000);
  EXPECT_EQ(r["protocol"], 17);
  auto n = build_request({{"op", "socket"}, {"type", 1}, {"protocol", 6}, {"domain", 10}});
  EXPECT_EQ(n["type"], 1);
  EXPECT_EQ(n["protocol"], 6);
  EXPECT_EQ(n["domain"], 10);
}

TEST(BuildRequest, SocketUnknownSymbolIsAnError) {
  auto msg = step_error({{"op", "socket"}, {"type", "SOCK_DGRAM|SOCK_FAST"}});
  EXPECT_TRUE(has(msg, "SOCK_DGRAM|SOCK_FAST")) << msg;
  EXPECT_THROW(build_request({{"op", "socket"}, {"type", "SOCK_DGRAM"}, {"protocol", "IPPROTO_QUIC"}}), StepError);
}

// ---- socket options ------------------------------------------------------------

TEST(BuildRequest, SetsockoptIpTtl) {
  auto r = build_request({{"op", "setsockopt"}, {"name", "IP_TTL"}, {"value", 64}});
  EXPECT_EQ(r["handle"], "s");
  EXPECT_EQ(r["level"], 0);
  EXPECT_EQ(r["name"], 2);
  EXPECT_EQ(r["value"], "40000000");
  EXPECT_EQ(r["optlen"], 4);
  EXPECT_EQ(r["text"], "setsockopt(s, IPPROTO_IP, IP_TTL, int 64, 4)");
}

TEST(BuildRequest, SetsockoptSoReuseaddrAtSolSocket) {
  auto r = build_request({{"op", "setsockopt"}, {"level", "SOL_SOCKET"}, {"name", "SO_REUSEADDR"}, {"value", 1}});
  EXPECT_EQ(r["level"], 1);
  EXPECT_EQ(r["name"], 2);
  EXPECT_EQ(r["value"], "01000000");
}

TEST(BuildRequest, OptionNamesDependOnTheLevel) {
  auto msg = step_error({{"op", "setsockopt"}, {"name", "SO_REUSEADDR"}, {"value", 1}});  // level IPPROTO_IP
  EXPECT_TRUE(has(msg, "unknown option 'SO_REUSEADDR'")) << msg;
  EXPECT_TRUE(has(msg, "IPPROTO_IP")) << msg;
  EXPECT_THROW(build_request({{"op", "getsockopt"}, {"level", "SOL_SOCKET"}, {"name", "IP_TTL"}}), StepError);
  auto sol_ip = build_request({{"op", "getsockopt"}, {"level", "SOL_IP"}, {"name", "IP_MTU_DISCOVER"}});
  EXPECT_EQ(sol_ip["level"], 0);
  EXPECT_EQ(sol_ip["name"], 10);
}

TEST(BuildRequest, NumericLevelAndName) {
  auto r = build_request({{"op", "setsockopt"}, {"level", 0}, {"name", 2}, {"value", 1}});
  EXPECT_EQ(r["level"], 0);
  EXPECT_EQ(r["name"], 2);
  auto s = build_request({{"op", "getsockopt"}, {"level", 1}, {"name", "SO_TYPE"}});
  EXPECT_EQ(s["level"], 1);
  EXPECT_EQ(s["name"], 3);
}

TEST(BuildRequest, SetsockoptExplicitOptlenIsKept) {
  for (int optlen : {0, 1, 3, 100, -1, -4}) {
    auto r = build_request({{"op", "setsockopt"}, {"name", "IP_TTL"}, {"value", 64}, {"optlen", optlen}});
    EXPECT_EQ(r["optlen"], optlen);
    EXPECT_EQ(r["value"], "40000000") << "the encoded value does not follow optlen";
  }
}

TEST(BuildRequest, SetsockoptStructuresAndSymbolicValues) {
  auto r = build_request({{"op", "setsockopt"},
                          {"name", "IP_ADD_MEMBERSHIP"},
                          {"as", "ip_mreqn"},
                          {"value", {{"multiaddr", "224.0.0.1"}, {"ifindex", 2}}}});
  EXPECT_EQ(r["name"], 35);
  EXPECT_EQ(r["optlen"], 12);
  EXPECT_EQ(r["value"], "e0000001" "00000000" "02000000");
  auto p = build_request({{"op", "setsockopt"}, {"name", "IP_MTU_DISCOVER"}, {"value", "IP_PMTUDISC_DO"}});
  EXPECT_EQ(p["value"], "02000000");
}

TEST(BuildRequest, SetsockoptBadValuesAreStepErrors) {
  EXPECT_THROW(build_request({{"op", "setsockopt"}, {"name", "IP_TTL"}, {"as", "float"}, {"value", 1}}), StepError);
  EXPECT_THROW(build_request({{"op", "setsockopt"}, {"name", "IP_TTL"}, {"value", "NOT_A_CONSTANT"}}), StepError);
  EXPECT_THROW(build_request({{"op", "setsockopt"}, {"name", "IP_TTL"}, {"value", 1}, {"optlen", "4"}}), StepError);
  EXPECT_THROW(build_request({{"op", "setsockopt"}, {"name", "IP_ADD_MEMBERSHIP"}, {"as", "ip_mreqn"},
                              {"value", {{"multiaddr", "224.0.0.1"}, {"bogus", 1}}}}),
               StepError);
}

TEST(BuildRequest, GetsockoptDefaultOptlenIsTheSizeOfAs) {
  auto i = build_request({{"op", "getsockopt"}, {"name", "IP_TTL"}});
  EXPECT_EQ(i["optlen"], 4);
  EXPECT_FALSE(i.contains("value"));
  EXPECT_EQ(i["text"], "getsockopt(s, IPPROTO_IP, IP_TTL, optlen=4)");
  EXPECT_EQ(build_request({{"op", "getsockopt"}, {"name", "IP_MULTICAST_IF"}, {"as", "ip_mreqn"}})["optlen"], 12);
  EXPECT_EQ(build_request({{"op", "getsockopt"}, {"name", "IP_OPTIONS"}, {"as", "bytes"}})["optlen"], 64);
  EXPECT_EQ(build_request({{"op", "getsockopt"}, {"name", "IP_TTL"}, {"optlen", 1}})["optlen"], 1);
  EXPECT_EQ(build_request({{"op", "getsockopt"}, {"name", "IP_TTL"}, {"optlen", -1}})["optlen"], -1);
}

TEST(BuildRequest, GetsockoptInitIsEncodedByAs) {
  auto r = build_request({{"op", "getsockopt"}, {"name", "IP_TTL"}, {"init", -1}});
  EXPECT_EQ(r["value"], "ffffffff");
}

// ---- addresses -----------------------------------------------------------------

TEST(BuildRequest, BindDefaultsToAnyPortZero) {
  auto r = build_request({{"op", "bind"}});
  EXPECT_EQ(r["handle"], "s");
  EXPECT_EQ(r["addr"], (json{{"family", 2}, {"addr", "0.0.0.0"}, {"port", 0}}));
  EXPECT_FALSE(r.contains("addrlen"));  // the protocol's default, 16
}

TEST(BuildRequest, BindAddressForms) {
  auto r = build_request({{"op", "bind"}, {"addr", "192.0.2.1"}, {"port", 5000}, {"addrlen", 8}});
  EXPECT_EQ(r["addr"], (json{{"family", 2}, {"addr", "192.0.2.1"}, {"port", 5000}}));
  EXPECT_EQ(r["addrlen"], 8);
  EXPECT_TRUE(has(r["text"].get<std::string>(), "192.0.2.1:5000")) << r["text"];
  EXPECT_EQ(build_request({{"op", "bind"}, {"addr", "INADDR_LOOPBACK"}})["addr"]["addr"], "127.0.0.1");
  EXPECT_EQ(build_request({{"op", "connect"}, {"addr", "INADDR_ANY"}, {"family", "AF_UNSPEC"}})["addr"]["family"], 0);
  EXPECT_EQ(build_request({{"op", "connect"}, {"addr", "192.0.2.2"}, {"family", 99}})["addr"]["family"], 99);
  EXPECT_EQ(build_request({{"op", "bind"}, {"addrlen", -1}})["addrlen"], -1);
}

TEST(BuildRequest, BadAddressOrPortIsAnError) {
  EXPECT_THROW(build_request({{"op", "bind"}, {"addr", "192.0.2"}}), StepError);
  EXPECT_THROW(build_request({{"op", "bind"}, {"port", 65536}}), StepError);
  EXPECT_THROW(build_request({{"op", "connect"}, {"port", -1}}), StepError);
  EXPECT_NO_THROW(build_request({{"op", "connect"}, {"addr", "192.0.2.2"}, {"port", 65535}}));
}

TEST(BuildRequest, RawSockaddr) {
  auto r = build_request({{"op", "bind"}, {"raw", "0200 1388 c0000201"}});
  EXPECT_EQ(r["addr"], (json{{"raw", "02001388c0000201"}}));
  EXPECT_EQ(r["addrlen"], 8);  // the byte count
  auto c = build_request({{"op", "connect"}, {"raw", "0a00"}, {"addrlen", 16}});
  EXPECT_EQ(c["addr"], (json{{"raw", "0a00"}}));
  EXPECT_EQ(c["addrlen"], 16);
  EXPECT_THROW(build_request({{"op", "bind"}, {"raw", "020"}}), StepError);
}

// ---- the other ops -------------------------------------------------------------

TEST(BuildRequest, ListenAcceptNames) {
  EXPECT_EQ(build_request({{"op", "listen"}})["backlog"], 16);
  EXPECT_EQ(build_request({{"op", "listen"}, {"backlog", 0}})["backlog"], 0);

  auto a = build_request({{"op", "accept"}, {"handle", "l"}});
  EXPECT_EQ(a["handle"], "l");
  EXPECT_EQ(a["new_handle"], "a");
  EXPECT_EQ(a["flags"], 0);
  EXPECT_EQ(a["addrlen"], 16);
  auto b = build_request({{"op", "accept"}, {"handle", "l"}, {"new", "c"}, {"flags", "SOCK_NONBLOCK|SOCK_CLOEXEC"}});
  EXPECT_EQ(b["new_handle"], "c");
  EXPECT_EQ(b["flags"], 04000 | 02000000);

  auto n = build_request({{"op", "getsockname"}});
  EXPECT_EQ(n["addrlen"], 16);
  EXPECT_EQ(n["text"], "getsockname(s, addrlen=16)");
  EXPECT_EQ(build_request({{"op", "getpeername"}, {"addrlen", 4}})["addrlen"], 4);
}

TEST(BuildRequest, SendtoData) {
  auto d = build_request({{"op", "sendto"}, {"data", "01 02"}, {"flags", "MSG_PEEK|MSG_DONTWAIT"}});
  EXPECT_EQ(d["data"], "0102");
  EXPECT_EQ(d["flags"], 0x42);
  EXPECT_FALSE(d.contains("addr"));  // send(2): no destination
  EXPECT_EQ(build_request({{"op", "sendto"}, {"text", "hi"}})["data"], "6869");
  EXPECT_EQ(build_request({{"op", "sendto"}, {"size", 3}})["data"], "000000");
  EXPECT_EQ(build_request({{"op", "sendto"}})["data"], "");
  EXPECT_EQ(build_request({{"op", "sendto"}, {"flags", 0x4000}})["flags"], 0x4000);
}

TEST(BuildRequest, FlagsMayBeAnArrayOfSymbols) {
  // sym() ORs an array of symbols (["MSG_PEEK", "MSG_DONTWAIT"]); the readable
  // text must not reject what the request accepts.
  auto field = [](const json& call, const char* key) -> json {
    try {
      return build_request(call)[key];
    } catch (const StepError& e) {
      return e.what();
    }
  };
  EXPECT_EQ(field({{"op", "sendto"}, {"flags", {"MSG_PEEK", "MSG_DONTWAIT"}}}, "flags"), 0x42);
  EXPECT_EQ(field({{"op", "recvfrom"}, {"flags", {"MSG_PEEK", "MSG_DONTWAIT"}}}, "flags"), 0x42);
  EXPECT_EQ(field({{"op", "accept"}, {"flags", {"SOCK_NONBLOCK"}}}, "flags"), 04000);
  EXPECT_EQ(field({{"op", "socket"}, {"type", {"SOCK_DGRAM", "SOCK_NONBLOCK"}}}, "type"), 2 | 04000);
}

TEST(BuildRequest, SendtoDestination) {
  auto r = build_request({{"op", "sendto"}, {"data", "00"}, {"addr", "192.0.2.2"}, {"port", 7}});
  EXPECT_EQ(r["addr"], (json{{"family", 2}, {"addr", "192.0.2.2"}, {"port", 7}}));
  EXPECT_TRUE(has(r["text"].get<std::string>(), "192.0.2.2:7")) << r["text"];
  EXPECT_EQ(build_request({{"op", "sendto"}, {"port", 7}})["addr"]["addr"], "0.0.0.0");
}

TEST(BuildRequest, RecvfromShutdownCloseIoctl) {
  auto r = build_request({{"op", "recvfrom"}, {"flags", "MSG_PEEK|MSG_DONTWAIT"}});
  EXPECT_EQ(r["len"], 2048);
  EXPECT_EQ(r["flags"], 0x42);
  EXPECT_EQ(r["addrlen"], 16);

  EXPECT_EQ(build_request({{"op", "shutdown"}})["how"], 2);
  EXPECT_EQ(build_request({{"op", "shutdown"}, {"how", "SHUT_WR"}})["how"], 1);

  auto c = build_request({{"op", "close"}, {"handle", "c"}});
  EXPECT_EQ(c, (json{{"op", "close"}, {"handle", "c"}, {"text", "close(c)"}}));

  auto i = build_request({{"op", "ioctl"}, {"request", "FIONREAD"}});
  EXPECT_EQ(i["request"], 0x541B);
  EXPECT_EQ(i["arg"], "int");
  EXPECT_EQ(i["value"], "00000000");
  auto o = build_request({{"op", "ioctl"}, {"request", "SIOCOUTQ"}, {"as", "bytes"}, {"value", "0000"}});
  EXPECT_EQ(o["request"], 0x5411);
  EXPECT_EQ(o["arg"], "buffer");
  EXPECT_EQ(o["value"], "0000");
}

TEST(BuildRequest, SysctlPathIsNormalised) {
  auto r = build_request({{"op", "sysctl"}, {"path", "net.ipv4.ip_default_ttl"}});
  EXPECT_EQ(r["path"], "net/ipv4/ip_default_ttl");
  EXPECT_FALSE(r.contains("handle"));
  EXPECT_FALSE(r.contains("value"));
  EXPECT_EQ(r["text"], "sysctl net/ipv4/ip_default_ttl");
  // A slashed path is kept as written (interface names may contain dots).
  EXPECT_EQ(build_request({{"op", "sysctl"}, {"path", "net/ipv4/conf/dut0.5/forwarding"}})["path"],
            "net/ipv4/conf/dut0.5/forwarding");
  auto w = build_request({{"op", "sysctl"}, {"path", "net/ipv4/ip_default_ttl"}, {"value", 100}});
  EXPECT_EQ(w["value"], "100");
  EXPECT_EQ(w["text"], "sysctl net/ipv4/ip_default_ttl = 100");
}

TEST(BuildRequest, SysctlOutsideNetIsRejected) {
  EXPECT_TRUE(has(step_error({{"op", "sysctl"}, {"path", "kernel.hostname"}}), "not under net/"));
  EXPECT_THROW(build_request({{"op", "sysctl"}, {"path", "/proc/sys/net/ipv4/ip_default_ttl"}}), StepError);
  EXPECT_THROW(build_request({{"op", "sysctl"}, {"path", "network/x"}}), StepError);
}

TEST(BuildRequest, SysctlPathCannotEscapeNetWithDotDot) {
  // "net/../kernel/hostname" is /proc/sys/kernel/hostname: outside net/.
  EXPECT_THROW(build_request({{"op", "sysctl"}, {"path", "net/../kernel/hostname"}}), StepError);
  EXPECT_THROW(build_request({{"op", "sysctl"}, {"path", "net/ipv4/../../kernel/core_pattern"}, {"value", "x"}}),
               StepError);
}

// ---- normalize -------------------------------------------------------------------

TEST(Normalize, GetsockoptDecodesByAs) {
  json call = {{"op", "getsockopt"}, {"name", "IP_TTL"}};
  auto o = normalize(call, {{"id", 4}, {"ret", 0}, {"errno", nullptr}, {"optlen", 4}, {"value", "40000000"}});
  EXPECT_EQ(o, (json{{"ret", 0}, {"errno", nullptr}, {"optlen", 4}, {"value", 64}}));

  auto one = normalize(call, {{"id", 5}, {"ret", 0}, {"errno", nullptr}, {"optlen", 1}, {"value", "40"}});
  EXPECT_EQ(one["value"], 64);
  EXPECT_EQ(one["optlen"], 1);

  json addr_call = {{"op", "getsockopt"}, {"name", "IP_MULTICAST_IF"}, {"as", "in_addr"}};
  EXPECT_EQ(normalize(addr_call, {{"ret", 0}, {"errno", nullptr}, {"optlen", 4}, {"value", "c0000201"}})["value"],
            "192.0.2.1");
}

TEST(Normalize, FailedGetsockoptKeepsErrnoAndBuffer) {
  json call = {{"op", "getsockopt"}, {"name", "IP_TTL"}, {"optlen", -1}};
  auto o = normalize(call, {{"id", 9}, {"ret", -1}, {"errno", "EINVAL"}, {"optlen", -1}, {"value", ""}});
  EXPECT_EQ(o["ret"], -1);
  EXPECT_EQ(o["errno"], "EINVAL");
  EXPECT_EQ(o["optlen"], -1);
  EXPECT_EQ(o["value"], (json{{"hex", ""}}));
  EXPECT_FALSE(o.contains("id"));
}

TEST(Normalize, UndecodableValueIsKeptAsSent) {
  json call = {{"op", "getsockopt"}, {"name", "IP_TTL"}};
  EXPECT_EQ(normalize(call, {{"ret", 0}, {"errno", nullptr}, {"value", "xyz"}})["value"], "xyz");
}

TEST(Normalize, AddressOpsKeepAddrAndAddrlen) {
  json addr = {{"family", 2}, {"addr", "192.0.2.1"}, {"port", 5000}};
  auto o = normalize({{"op", "getsockname"}},
                     {{"id", 3}, {"ret", 0}, {"errno", nullptr}, {"addr", addr}, {"addrlen", 16}, {"junk", 1}});
  EXPECT_EQ(o, (json{{"ret", 0}, {"errno", nullptr}, {"addr", addr}, {"addrlen", 16}}));
  auto a = normalize({{"op", "accept"}}, {{"ret", 0}, {"errno", nullptr}, {"addr", nullptr}, {"addrlen", 0}});
  EXPECT_TRUE(a.contains("addr"));
  EXPECT_TRUE(a["addr"].is_null());
  EXPECT_EQ(a["addrlen"], 0);
  auto r = normalize({{"op", "recvfrom"}}, {{"ret", 2}, {"errno", nullptr}, {"data", "0102"}, {"addr", addr},
                                            {"addrlen", 16}});
  EXPECT_EQ(r["data"], "0102");
  EXPECT_EQ(r["addr"], addr);
}

TEST(Normalize, SysctlKeepsValueOtherOpsOnlyRetAndErrno) {
  auto s = normalize({{"op", "sysctl"}, {"path", "net.ipv4.ip_default_ttl"}},
                     {{"id", 2}, {"ret", 0}, {"errno", nullptr}, {"value", "64"}});
  EXPECT_EQ(s, (json{{"ret", 0}, {"errno", nullptr}, {"value", "64"}}));
  auto so = normalize({{"op", "setsockopt"}, {"name", "IP_TTL"}, {"value", 1}},
                      {{"id", 2}, {"ret", -1}, {"errno", "EINVAL"}, {"value", "00"}, {"optlen", 4}});
  EXPECT_EQ(so, (json{{"ret", -1}, {"errno", "EINVAL"}}));
  auto missing = normalize({{"op", "close"}}, {{"id", 1}, {"ret", 0}});
  EXPECT_EQ(missing, (json{{"ret", 0}, {"errno", nullptr}}));
}

TEST(Normalize, IoctlDecodesValue) {
  auto o = normalize({{"op", "ioctl"}, {"request", "FIONREAD"}},
                     {{"ret", 0}, {"errno", nullptr}, {"value", "05000000"}});
  EXPECT_EQ(o, (json{{"ret", 0}, {"errno", nullptr}, {"value", 5}}));
}

}  // namespace
}  // namespace ipc::oracle
