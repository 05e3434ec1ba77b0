#include "oracle/normalise.hpp"

#include <map>
#include <string>

namespace ipc::oracle {

using json = nlohmann::json;

namespace {

constexpr long kFirstEphemeralPort = 32768;

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

struct Tables {
  Renamer ids{"id"};
  Renamer ports{"port"};
  Renamer echo_ids{"echo"};
};

bool is_ip_layer(const std::string& key) { return key == "IP" || key == "IPerror"; }
bool is_udp_layer(const std::string& key) { return key == "UDP" || key == "UDPerror"; }

void walk(json& v, Tables& t, bool in_packet);

void rename_port(json& field, Tables& t) {
  if (field.is_number_integer() && field.get<long>() >= kFirstEphemeralPort) field = t.ports(field.get<long>());
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
      for (const char* k : {"time", "summary", "csum_partial", "index"}) child.erase(k);
      walk(child, t, true);
      continue;
    }
    if (in_packet && child.is_object()) {
      if (is_ip_layer(key) && child.contains("id") && child["id"].is_number_integer() && child["id"].get<long>() != 0)
        child["id"] = t.ids(child["id"].get<long>());
      // ICMP timestamp replies carry the replier's clock; a ping socket's
      // echo identifier comes from a host-wide counter (ping_get_port).
      if (key == "ICMP" || key == "ICMPerror") {
        child.erase("ts_rx");
        child.erase("ts_tx");
        if (child.contains("id") && child["id"].is_number_integer()) child["id"] = t.echo_ids(child["id"].get<long>());
      }
      if (is_udp_layer(key)) {
        if (child.contains("sport")) rename_port(child["sport"], t);
        if (child.contains("dport")) rename_port(child["dport"], t);
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
