// Writes a case's captured frames as a pcap file (libpcap's own writer, so
// every tool that reads pcap reads ours).
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <vector>

namespace ipc::runner {

// `frames`: each {time (seconds since the case began), hex}. Throws
// std::runtime_error when the file cannot be written.
void write_pcap(const std::filesystem::path& file, const std::vector<nlohmann::json>& frames);

}  // namespace ipc::runner
