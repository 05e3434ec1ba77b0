// Replays the suite's multicast cases (and the IP_UNICAST_IF ones) against
// the socket option state, the receive filter and a loopback delivery model,
// and checks every step against what the kernel answered.
#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <deque>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "stack/mcast/mcast_names.hpp"
#include "stack/mcast/mcast_sockopt.hpp"
#include "stack/mcast/receive_filter.hpp"
#include "stack/mcast/tests/test_env.hpp"
#include "stack/socket/ip_sockopt.hpp"

namespace ipc::stack::mcast {
namespace {

using json = nlohmann::json;
using Bytes = std::vector<std::uint8_t>;

const std::map<std::string, int> kOpt = {
    {"IP_TTL", 2}, {"IP_MULTICAST_IF", 32}, {"IP_MULTICAST_TTL", 33}, {"IP_MULTICAST_LOOP", 34},
    {"IP_ADD_MEMBERSHIP", 35}, {"IP_DROP_MEMBERSHIP", 36}, {"IP_UNBLOCK_SOURCE", 37}, {"IP_BLOCK_SOURCE", 38},
    {"IP_ADD_SOURCE_MEMBERSHIP", 39}, {"IP_DROP_SOURCE_MEMBERSHIP", 40}, {"IP_MSFILTER", 41},
    {"MCAST_JOIN_GROUP", 42}, {"MCAST_BLOCK_SOURCE", 43}, {"MCAST_UNBLOCK_SOURCE", 44}, {"MCAST_LEAVE_GROUP", 45},
    {"MCAST_JOIN_SOURCE_GROUP", 46}, {"MCAST_LEAVE_SOURCE_GROUP", 47}, {"MCAST_MSFILTER", 48},
    {"IP_MULTICAST_ALL", 49}, {"IP_UNICAST_IF", 50}};
const std::map<std::string, int> kErrno = {
    {"EINVAL", EINVAL}, {"ENODEV", ENODEV}, {"EADDRINUSE", EADDRINUSE}, {"EADDRNOTAVAIL", EADDRNOTAVAIL},
    {"ENOBUFS", ENOBUFS}, {"EPROTO", EPROTO}, {"ENOPROTOOPT", ENOPROTOOPT}, {"EFAULT", EFAULT},
    {"EAGAIN", EAGAIN}, {"EPERM", EPERM}, {"EOPNOTSUPP", EOPNOTSUPP}};

wire::Ipv4Address addr(const json& v) { return *wire::Ipv4Address::parse(v.get<std::string>()); }

std::string hex(const Bytes& b) {
  std::string s;
  char t[3];
  for (auto c : b) {
    std::snprintf(t, sizeof t, "%02x", c);
    s += t;
  }
  return s;
}
Bytes unhex(const std::string& s) {
  Bytes b;
  for (std::size_t i = 0; i + 1 < s.size(); i += 2) b.push_back(static_cast<std::uint8_t>(std::stoul(s.substr(i, 2), nullptr, 16)));
  return b;
}

struct Writer {
  Bytes b;
  void addr(const json& v) { auto a = mcast::addr(v).octets(); b.insert(b.end(), a.begin(), a.end()); }
  void u32(std::int64_t v) {
    auto x = static_cast<std::uint32_t>(v);
    std::uint8_t t[4];
    std::memcpy(t, &x, 4);
    b.insert(b.end(), t, t + 4);
  }
  void storage(const json& v) {  // sockaddr_storage holding a sockaddr_in
    Bytes s(128, 0);
    std::uint16_t fam = kAfInet;
    std::string a;
    if (v.is_object()) {
      fam = v.value("family", 2);
      a = v["addr"].get<std::string>();
    } else {
      a = v.get<std::string>();
    }
    std::memcpy(s.data(), &fam, 2);
    mcast::addr(a).write(std::span<std::uint8_t>(s).subspan(4));
    b.insert(b.end(), s.begin(), s.end());
  }
};

std::int64_t fmode(const json& v) {
  if (v.is_string()) return v == "MCAST_INCLUDE" ? 1 : 0;
  return v.get<std::int64_t>();
}

Bytes encode(const std::string& as, const json& v) {
  Writer w;
  auto num = [&](const char* k) { return v.contains(k) ? v[k].get<std::int64_t>() : 0; };
  auto ad = [&](const char* k) { w.addr(v.contains(k) ? v[k] : json("0.0.0.0")); };
  if (as == "int") {
    w.u32(v.get<std::int64_t>());
  } else if (as == "in_addr") {
    w.addr(v);
  } else if (as == "bytes") {
    w.b = unhex(v.get<std::string>());
  } else if (as == "string") {
    auto s = v.get<std::string>();
    w.b.assign(s.begin(), s.end());
  } else if (as == "ip_mreq") {
    ad("multiaddr"); ad("interface");
  } else if (as == "ip_mreqn") {
    ad("multiaddr"); ad("address"); w.u32(num("ifindex"));
  } else if (as == "ip_mreq_source") {
    ad("multiaddr"); ad("interface"); ad("sourceaddr");
  } else if (as == "ip_msfilter") {
    const json sl = v.value("slist", json::array());
    ad("multiaddr"); ad("interface");
    w.u32(v.contains("fmode") ? fmode(v["fmode"]) : 0);
    w.u32(v.contains("numsrc") ? num("numsrc") : static_cast<std::int64_t>(sl.size()));
    for (const auto& s : sl) w.addr(s);
  } else if (as == "group_req") {
    w.u32(num("interface")); w.u32(0); w.storage(v.value("group", json("0.0.0.0")));
  } else if (as == "group_source_req") {
    w.u32(num("interface")); w.u32(0);
    w.storage(v.value("group", json("0.0.0.0"))); w.storage(v.value("source", json("0.0.0.0")));
  } else if (as == "group_filter") {
    const json sl = v.value("slist", json::array());
    w.u32(num("interface")); w.u32(0); w.storage(v.value("group", json("0.0.0.0")));
    w.u32(v.contains("fmode") ? fmode(v["fmode"]) : 0);
    w.u32(v.contains("numsrc") ? num("numsrc") : static_cast<std::int64_t>(sl.size()));
    for (const auto& s : sl) w.storage(s);
  } else {
    ADD_FAILURE() << "unknown type " << as;
  }
  return w.b;
}

int natural_size(const std::string& as) {
  static const std::map<std::string, int> k = {{"int", 4}, {"in_addr", 4}, {"ip_mreq", 8}, {"ip_mreqn", 12},
                                               {"ip_mreq_source", 12}, {"ip_msfilter", 20}, {"group_req", 136},
                                               {"group_source_req", 264}, {"group_filter", 272}, {"bytes", 4}};
  return k.at(as);
}

std::uint32_t rd32(const Bytes& b, std::size_t off) {
  std::uint32_t v;
  std::memcpy(&v, b.data() + off, 4);
  return v;
}
std::string rdaddr(const Bytes& b, std::size_t off) { return wire::Ipv4Address::from_bytes(std::span(b).subspan(off)).to_string(); }

// The kernel run's rendering of the bytes a getsockopt wrote.
json decode(const std::string& as, const Bytes& b) {
  if (as == "int") {
    if (b.size() == 4) return static_cast<std::int32_t>(rd32(b, 0));
    if (b.size() == 1) return b[0];
  }
  if (as == "in_addr" && b.size() == 4) return rdaddr(b, 0);
  if (as == "ip_msfilter" && b.size() >= 16) {
    json sl = json::array();
    for (std::size_t o = 16; o + 4 <= b.size(); o += 4) sl.push_back(rdaddr(b, o));
    return {{"multiaddr", rdaddr(b, 0)}, {"interface", rdaddr(b, 4)}, {"fmode", rd32(b, 8)}, {"numsrc", rd32(b, 12)},
            {"slist", sl}};
  }
  if (as == "group_filter" && b.size() >= 144) {
    auto sa = [&](std::size_t o) {
      std::uint16_t fam, port;
      std::memcpy(&fam, b.data() + o, 2);
      std::memcpy(&port, b.data() + o + 2, 2);
      return json{{"family", fam}, {"port", __builtin_bswap16(port)}, {"addr", rdaddr(b, o + 4)}};
    };
    json sl = json::array();
    for (std::size_t o = 144; o + 128 <= b.size(); o += 128) sl.push_back(sa(o));
    return {{"interface", rd32(b, 0)}, {"group", sa(8)}, {"fmode", rd32(b, 136)}, {"numsrc", rd32(b, 140)},
            {"slist", sl}};
  }
  if (as == "int" || as == "ip_msfilter" || as == "group_filter") return {{"hex", hex(b)}};
  return hex(b);
}

struct Sock {
  socket::SocketFacts facts;
  socket::IpOptionsState opts;
  McastSocketState mc;
  McastSockFacts mfacts;
  bool bound = false;
  std::deque<Bytes> rx;
};

class Replay {
 public:
  Replay() : host_(env_) {}

  // Returns {err, result json} for one step.
  void run(const json& step, const json& obs, const std::string& where) {
    const std::string op = step["op"];
    const std::string h = step.value("handle", "s");
    const int want_err =
        !obs.contains("errno") || obs["errno"].is_null() ? 0 : kErrno.at(obs["errno"].get<std::string>());
    if (op == "requires") {
      for (auto& [k, v] : step["sysctl"].items()) {
        if (k == "net.ipv4.igmp_max_memberships") host_.limits().max_memberships = std::stoi(v.get<std::string>());
        if (k == "net.ipv4.igmp_max_msf") host_.limits().max_msf = std::stoi(v.get<std::string>());
      }
      return;
    }
    if (op == "sysctl") {
      const std::string p = step["path"];
      const int v = p == "net.ipv4.igmp_max_msf" ? host_.limits().max_msf : host_.limits().max_memberships;
      EXPECT_EQ(obs["value"], std::to_string(v)) << where;
      return;
    }
    if (op == "socket") {
      Sock s;
      const std::string type = step.value("type", "SOCK_DGRAM");
      s.facts.type = type == "SOCK_STREAM" ? socket::SockType::Stream
                     : type == "SOCK_RAW"  ? socket::SockType::Raw
                                           : socket::SockType::Dgram;
      const json p = step.value("protocol", json(0));
      s.facts.protocol = p == "IPPROTO_RAW" ? 255 : p == "IPPROTO_UDP" ? 17 : p == "IPPROTO_ICMP" ? 1
                         : p == "IPPROTO_IGMP" ? 2 : 0;
      s.opts = socket::initial_ip_options(s.facts);
      s.mfacts.type = s.facts.type;
      socks_[h] = std::move(s);
      return;
    }
    Sock& s = socks_.at(h);
    const auto now = Clock::time_point{};
    if (op == "close") {
      drop_socket(host_, s.mc, now);
      socks_.erase(h);
      return;
    }
    if (op == "bind") {
      s.bound = true;
      return;
    }
    if (op == "getsockname") return;
    if (op == "sendto") {
      send(s, unhex(step["data"].get<std::string>()), addr(step["addr"]));
      return;
    }
    if (op == "recvfrom") {
      if (s.rx.empty()) {
        EXPECT_EQ(want_err, EAGAIN) << where;
        return;
      }
      EXPECT_EQ(want_err, 0) << where;
      EXPECT_EQ(obs["data"], hex(s.rx.front())) << where;
      s.rx.pop_front();
      return;
    }
    const std::string as = step.value("as", "int");
    const std::string name = step["name"];
    if (step.value("level", "IPPROTO_IP") == "SOL_SOCKET") {  // SO_BINDTODEVICE
      s.mfacts.bound_dev_if = step["value"] == "lo" ? 1 : 2;
      return;
    }
    const int optname = kOpt.at(name);
    if (op == "setsockopt") {
      Bytes v = encode(as, step["value"]);
      const int optlen = step.contains("optlen") ? step["optlen"].get<int>() : static_cast<int>(v.size());
      if (optlen > static_cast<int>(v.size())) v.resize(static_cast<std::size_t>(optlen), 0);
      socket::SockoptResult r = is_mcast_sockopt(optname)
                                    ? mcast_setsockopt(host_, s.mc, s.mfacts, optname, v, optlen, now)
                                    : socket::ip_setsockopt(s.opts, s.facts, optname, v, optlen);
      EXPECT_EQ(r.err, want_err) << where;
      return;
    }
    // getsockopt
    const int optlen = step.contains("optlen") ? step["optlen"].get<int>() : natural_size(as);
    Bytes buf = step.contains("init") ? encode(as, step["init"]) : Bytes{};
    if (optlen > static_cast<int>(buf.size())) buf.resize(static_cast<std::size_t>(optlen), 0);
    socket::SockoptResult r = is_mcast_sockopt(optname) ? mcast_getsockopt(host_, s.mc, s.mfacts, optname, buf, optlen)
                                                        : socket::ip_getsockopt(s.opts, s.facts, optname, optlen);
    EXPECT_EQ(r.err, want_err) << where;
    if (obs.contains("optlen")) {
      EXPECT_EQ(r.optlen, obs["optlen"].get<int>()) << where;
    }
    if (r.err == 0 && obs.contains("value")) {
      json got = decode(as, r.value);
      json want = obs["value"];
      // the kernel run decodes a 4-byte int buffer as an int whatever `as` says
      if (as == "bytes" && want.is_number()) got = decode("int", r.value);
      EXPECT_EQ(got, want) << where;
    }
  }

 private:
  // udp_sendmsg to a group: the output interface is IP_MULTICAST_IF's, else
  // the route's; IP_MULTICAST_LOOP loops it back when the interface has the
  // group (ip_mc_output, ip_check_mc_rcu), and each bound socket takes it
  // if ip_mc_sf_allow says so.
  void send(Sock& s, const Bytes& data, wire::Ipv4Address group) {
    const int oif = s.mc.mc_index != 0 ? s.mc.mc_index : env_.output_ifindex(group);
    const wire::Ipv4Address src = !s.mc.mc_addr.is_unspecified() ? s.mc.mc_addr : env_.primary_addr(oif);
    if (!s.opts.mc_loop || !host_.check_mc_rcv(oif, group, src)) return;
    for (auto& [_, r] : socks_)
      if (r.bound && mc_sf_allow(r.mc, r.opts.mc_all, group, src, oif)) r.rx.push_back(data);
  }

  test::TestEnv env_;
  McastHost host_;
  std::map<std::string, Sock> socks_;
};

json load_cases() {
  std::ifstream f(MCAST_KERNEL_CASES);
  return json::parse(f);
}

TEST(KernelCases, EveryStepGivesTheKernelsAnswer) {
  const json cases = load_cases();
  ASSERT_GT(cases.size(), 400u);
  int steps = 0;
  for (const auto& c : cases) {
    Replay replay;
    const auto& st = c["steps"];
    const auto& ob = c["obs"];
    ASSERT_EQ(st.size(), ob.size()) << c["case"];
    for (std::size_t i = 0; i < st.size(); ++i) {
      replay.run(st[i], ob[i], c["case"].get<std::string>() + " step " + std::to_string(i) + " " + st[i].dump());
      ++steps;
    }
  }
  EXPECT_GT(steps, 1500);
}

}  // namespace
}  // namespace ipc::stack::mcast
