#include "oracle/normalise.hpp"

#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace ipc::oracle {

using json = nlohmann::json;

namespace {

constexpr long kFirstEphemeralPort = 32768;
constexpr std::int64_t kSeqSpace = std::int64_t{1} << 32;
constexpr long kTcpAck = 0x10;

class Renamer {
 public:
  explicit Renamer(std::string prefix) : prefix_(std::move(prefix)) {}
  json operator()(long v) {
    auto [it, fresh] = names_.try_emplace(v, prefix_ + "#" + std::to_string(names_.size() + 1));
    return it->second;
  }

 private:
  std::string prefix_;
  std::map<long, std::string> names_;
};

// The DUT's sequence space of each TCP connection: the first DUT sequence
// number seen on it (a seq it sent, or an ack of its data) is the base, and
// every later one is written as an offset from it, "isn#1+0", "isn#1+1",
// "isn#1-1". Connections are numbered in order of first appearance.
class SeqSpaces {
 public:
  json operator()(const std::string& conn, std::int64_t v) {
    auto [it, fresh] = bases_.try_emplace(conn, Base{v, bases_.size() + 1});
    std::int64_t off = ((v - it->second.value) % kSeqSpace + kSeqSpace) % kSeqSpace;
    if (off >= kSeqSpace / 2) off -= kSeqSpace;
    return "isn#" + std::to_string(it->second.number) + (off < 0 ? "-" : "+") + std::to_string(off < 0 ? -off : off);
  }

 private:
  struct Base {
    std::int64_t value;
    std::size_t number;
  };
  std::map<std::string, Base> bases_;
};

struct Tables {
  Renamer ids{"id"};
  Renamer ports{"port"};
  Renamer echo_ids{"echo"};
  SeqSpaces seqs;
};

bool is_ip_layer(const std::string& key) { return key == "IP" || key == "IPerror"; }
bool is_udp_layer(const std::string& key) { return key == "UDP" || key == "UDPerror"; }
bool is_tcp_layer(const std::string& key) { return key == "TCP" || key == "TCPerror"; }
bool is_seq(const json& v) { return v.is_number_integer() && v.get<std::int64_t>() >= 0 && v.get<std::int64_t>() < kSeqSpace; }

void walk(json& v, Tables& t, bool in_packet);

void rename_port(json& field, Tables& t) {
  if (field.is_number_integer() && field.get<long>() >= kFirstEphemeralPort) field = t.ports(field.get<long>());
}

// One TCP header (or the quoted one inside an ICMP error), its ports already
// renamed. `from_dut`: the DUT sent this segment. Its own sequence numbers
// and timestamps are the DUT's random choices; the peer's (the tester's) are
// the case's and compare literally.
void normalise_tcp(json& tcp, bool from_dut, Tables& t) {
  if (!tcp.contains("sport") || !tcp.contains("dport")) return;
  const json& dut_port = from_dut ? tcp["sport"] : tcp["dport"];
  const json& peer_port = from_dut ? tcp["dport"] : tcp["sport"];
  const std::string conn = dut_port.dump() + "/" + peer_port.dump();
  if (from_dut) {
    if (tcp.contains("seq") && is_seq(tcp["seq"])) tcp["seq"] = t.seqs(conn, tcp["seq"].get<std::int64_t>());
  } else {
    // The ack field means something only with ACK set (a quoted header cut
    // before its flags counts as acking).
    const bool acks = !tcp.contains("flags") || !tcp["flags"].is_number_integer() ||
                      (tcp["flags"].get<long>() & kTcpAck) != 0;
    if (acks && tcp.contains("ack") && is_seq(tcp["ack"])) tcp["ack"] = t.seqs(conn, tcp["ack"].get<std::int64_t>());
  }
  if (!tcp.contains("options") || !tcp["options"].is_array()) return;
  for (auto& o : tcp["options"]) {
    if (!o.is_object() || !o.contains("value") || !o["value"].is_array()) continue;
    const auto type = o.value("type", json());
    auto& val = o["value"];
    if (type == "Timestamp" && val.size() == 2) {
      // TSval: a random offset plus the DUT's clock; TSecr of a segment to
      // the DUT echoes one of them. Neither can be compared.
      if (from_dut) val[0] = "tsval";
      else if (!(val[1].is_number_integer() && val[1].get<std::int64_t>() == 0)) val[1] = "tsecr";
    } else if (type == "SAck" && !from_dut) {
      // SACK blocks of a segment to the DUT are in the DUT's sequence space.
      for (auto& edge : val)
        if (is_seq(edge)) edge = t.seqs(conn, edge.get<std::int64_t>());
    }
  }
}

// A captured frame: `dir` "in" was sent by the DUT, "out" injected by the
// tester (observations hold the DUT's frames; "in" is assumed when absent).
void normalise_packet(json& p, Tables& t) {
  for (const char* k : {"time", "summary", "csum_partial", "index"}) p.erase(k);
  const bool from_dut = p.value("dir", std::string("in")) != "out";
  // Ports first, layer by layer in frame order, so that connections are
  // keyed by the renamed pair.
  std::vector<std::string> order;
  if (p.contains("layers") && p["layers"].is_array())
    for (const auto& l : p["layers"])
      if (l.is_string()) order.push_back(l.get<std::string>());
  for (auto it = p.begin(); it != p.end(); ++it)
    if (std::find(order.begin(), order.end(), it.key()) == order.end()) order.push_back(it.key());
  for (const auto& key : order) {
    if (!p.contains(key) || !p[key].is_object()) continue;
    json& layer = p[key];
    if (is_udp_layer(key) || is_tcp_layer(key)) {
      if (layer.contains("sport")) rename_port(layer["sport"], t);
      if (layer.contains("dport")) rename_port(layer["dport"], t);
    }
    // The quoted header inside an ICMP error travelled the other way.
    if (key == "TCP") normalise_tcp(layer, from_dut, t);
    if (key == "TCPerror") normalise_tcp(layer, !from_dut, t);
  }
  walk(p, t, true);
}

void walk_object(json& obj, Tables& t, bool in_packet) {
  if (in_packet) {
    obj.erase("chksum");
  }
  // A socket address: {family, addr, port}.
  if (obj.contains("family") && obj.contains("port")) rename_port(obj["port"], t);
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    const std::string& key = it.key();
    json& child = it.value();
    if (key == "packet" && child.is_object()) {
      normalise_packet(child, t);
      continue;
    }
    if (in_packet && child.is_object()) {
      // A random id is 0 once in 65536 draws, so 0 is renamed too: the diff
      // would otherwise fail about one suite run in a hundred. Where Linux
      // sends id 0 by rule (DF without a connected socket), cases expect it.
      if (is_ip_layer(key) && child.contains("id") && child["id"].is_number_integer())
        child["id"] = t.ids(child["id"].get<long>());
      // ICMP timestamp replies carry the replier's clock; a ping socket's
      // echo identifier comes from a host-wide counter (ping_get_port).
      if (key == "ICMP" || key == "ICMPerror") {
        child.erase("ts_rx");
        child.erase("ts_tx");
        if (child.contains("id") && child["id"].is_number_integer()) child["id"] = t.echo_ids(child["id"].get<long>());
      }
    }
    walk(child, t, in_packet);
  }
}

void walk(json& v, Tables& t, bool in_packet) {
  if (v.is_object()) {
    walk_object(v, t, in_packet);
  } else if (v.is_array()) {
    for (auto& e : v) walk(e, t, in_packet);
  }
}

}  // namespace

std::vector<json> normalise_for_diff(std::vector<json> observations) {
  Tables t;
  for (auto& o : observations) walk(o, t, false);
  return observations;
}

}  // namespace ipc::oracle
