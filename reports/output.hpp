// File output shared by the writers.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace ipc::reports::detail {

// Writes the whole file through a temporary beside it and a rename, so a
// reader (a CI step, a browser) never sees half a report. Creates missing
// parent directories. Throws std::runtime_error on failure.
void write_file(const std::filesystem::path&, std::string_view content);

// Milliseconds as seconds, microsecond precision ("0.000840").
std::string seconds(double ms);

}  // namespace ipc::reports::detail
