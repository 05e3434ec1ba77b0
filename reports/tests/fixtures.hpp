// Builders for result records and small file helpers shared by the tests.
#pragma once

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <system_error>

#include <unistd.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "reports/report.hpp"

namespace ipc::reports::testing {

using nlohmann::json;

// A record as docs/results-format.md describes it: two steps, no mismatch.
inline json record(const std::string& case_id, const std::string& target, const std::string& verdict) {
  std::string base = case_id.substr(0, case_id.find('['));
  return json{
      {"case", case_id},
      {"base", base},
      {"file", "cases/sockopt/ip_ttl.toml"},
      {"line", 12},
      {"title", "IP_TTL rejects values outside 1..255"},
      {"claims", json::array({"opt.IP_TTL"})},
      {"params", {{"type", "SOCK_DGRAM"}, {"value", 0}}},
      {"target", target},
      {"verdict", verdict},
      {"reason", ""},
      {"doc", "conformant"},
      {"duration_ms", 0.84},
      {"repeat", 0},
      {"steps", json::array({
                    {{"op", "socket"}, {"text", "socket(AF_INET, SOCK_DGRAM, 0)"}, {"expect", nullptr}, {"doc", nullptr}},
                    {{"op", "setsockopt"},
                     {"text", "setsockopt(s, IPPROTO_IP, IP_TTL, int 0, 4)"},
                     {"expect", {{"errno", "EINVAL"}}},
                     {"doc", {{"errno", "EINVAL"}}}},
                })},
      {"observations", json::array({{{"ret", 0}, {"errno", nullptr}}, {{"ret", -1}, {"errno", "EINVAL"}}})},
      {"failures", json::array()},
      {"doc_failures", json::array()},
      {"diffs", json::array()},
  };
}

inline json failure(int step, const std::string& field, json expected, json got) {
  return {{"step", step}, {"field", field}, {"expected", std::move(expected)}, {"got", std::move(got)}};
}

inline json diff(int step, const std::string& field, json kernel, json target) {
  return {{"step", step}, {"field", field}, {"kernel", std::move(kernel)}, {"target", std::move(target)}};
}

inline json run_json() {
  return json{{"tool", "ipconform 0.1.0"},
              {"started", "2026-11-23T04:30:00Z"},
              {"finished", "2026-11-23T04:31:02Z"},
              {"wall_ms", 62000},
              {"targets", json::array({{{"name", "kernel"}, {"implementation", "Linux"}, {"release", "6.1.0-18-amd64"}},
                                       {{"name", "stack"}, {"implementation", "ipconform-stack"}}})},
              {"args", json::array({"run", "cases/", "--targets", "kernel,stack"})},
              {"jobs", 2},
              {"cases", 412},
              {"interrupted", false}};
}

// Per process, so concurrent runs (several build trees) do not collide;
// removed when the test program exits.
inline struct TempRoot {
  std::filesystem::path path =
      std::filesystem::temp_directory_path() / ("ipconform-reports-tests-" + std::to_string(::getpid()));
  ~TempRoot() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
} temp_root;

// A fresh empty directory per test.
inline std::filesystem::path temp_dir() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  auto dir = temp_root.path / (std::string(info->test_suite_name()) + "." + info->name());
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline void spit(const std::filesystem::path& p, const std::string& s) {
  std::ofstream out(p, std::ios::binary);
  out << s;
}

inline std::size_t count(const std::string& hay, const std::string& needle) {
  std::size_t n = 0;
  for (auto pos = hay.find(needle); pos != std::string::npos; pos = hay.find(needle, pos + needle.size())) ++n;
  return n;
}

}  // namespace ipc::reports::testing
