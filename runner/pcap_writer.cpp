#include "runner/pcap_writer.hpp"

#include <fmt/format.h>
#include <pcap/pcap.h>

#include <cmath>
#include <memory>
#include <stdexcept>

#include "oracle/value_codec.hpp"

namespace ipc::runner {

void write_pcap(const std::filesystem::path& file, const std::vector<nlohmann::json>& frames) {
  constexpr int kSnaplen = 262144;
  std::unique_ptr<pcap_t, decltype(&pcap_close)> dead(pcap_open_dead(DLT_EN10MB, kSnaplen), pcap_close);
  if (!dead) throw std::runtime_error("pcap_open_dead failed");
  std::unique_ptr<pcap_dumper_t, decltype(&pcap_dump_close)> out(pcap_dump_open(dead.get(), file.c_str()),
                                                                  pcap_dump_close);
  if (!out) throw std::runtime_error(fmt::format("cannot write {}: {}", file.string(), pcap_geterr(dead.get())));
  for (const auto& f : frames) {
    auto bytes = oracle::from_hex(f.value("hex", std::string()));
    double t = f.value("time", 0.0);
    pcap_pkthdr h{};
    h.ts.tv_sec = static_cast<time_t>(std::floor(t));
    h.ts.tv_usec = static_cast<suseconds_t>((t - std::floor(t)) * 1e6);
    h.caplen = h.len = static_cast<bpf_u_int32>(std::min<std::size_t>(bytes.size(), kSnaplen));
    pcap_dump(reinterpret_cast<u_char*>(out.get()), &h, bytes.data());
  }
}

}  // namespace ipc::runner
