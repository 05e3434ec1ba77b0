#include "reports/output.hpp"

#include <fstream>
#include <stdexcept>
#include <system_error>

#include <fmt/format.h>

namespace ipc::reports::detail {

void write_file(const std::filesystem::path& file, std::string_view content) {
  namespace fs = std::filesystem;
  if (file.has_parent_path()) fs::create_directories(file.parent_path());
  fs::path tmp = file;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    out.close();
    if (!out) throw std::runtime_error(fmt::format("cannot write {}", tmp.string()));
  }
  std::error_code ec;
  fs::rename(tmp, file, ec);
  if (ec) {
    fs::remove(tmp, ec);
    throw std::runtime_error(fmt::format("cannot write {}", file.string()));
  }
}

std::string seconds(double ms) {
  if (!(ms > 0)) ms = 0;  // also catches NaN
  return fmt::format("{:.6f}", ms / 1000.0);
}

}  // namespace ipc::reports::detail
