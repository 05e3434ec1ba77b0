#include "runner/session.hpp"

#include <fmt/format.h>

#include "oracle/call.hpp"
#include "oracle/substitute.hpp"

namespace ipc::runner {
namespace {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

std::chrono::milliseconds left(Clock::time_point deadline) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return std::max(ms, std::chrono::milliseconds(1));
}

// A value from an observation by dotted path ("addr.port").
const json* field_at(const json& obs, const std::string& path) {
  const json* cur = &obs;
  std::size_t start = 0;
  while (start <= path.size()) {
    auto dot = path.find('.', start);
    auto key = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (!cur->is_object() || !cur->contains(key)) return nullptr;
    cur = &(*cur)[key];
    if (dot == std::string::npos) return cur;
    start = dot + 1;
  }
  return nullptr;
}

}  // namespace

Session::Session(TargetSpec spec, int netns_fd) : spec_(std::move(spec)), netns_fd_(netns_fd) {}

void Session::drop() {
  if (proc_) {
    proc_->kill();
    proc_.reset();
    ++restarts_;
  }
}

const TargetInfo& Session::info(std::chrono::milliseconds timeout) {
  if (proc_ && proc_->alive() && info_) return *info_;
  proc_.reset();
  proc_.emplace(probe::ProbeProcess::spawn(spec_.argv, netns_fd_));
  json r;
  try {
    r = proc_->call({{"op", "hello"}, {"version", 1}}, timeout);
  } catch (const probe::ProbeError& e) {
    proc_.reset();
    throw std::runtime_error(fmt::format("target '{}' did not answer hello: {}", spec_.name, e.what()));
  }
  if (r.contains("error") || r.value("protocol", 0) != 1) {
    proc_.reset();
    throw std::runtime_error(fmt::format("target '{}' does not speak probe protocol 1: {}", spec_.name, r.dump()));
  }
  TargetInfo i;
  i.name = spec_.name;
  i.implementation = r.value("implementation", std::string());
  i.release = r.value("release", std::string());
  for (const auto& f : r.value("features", json::array())) i.features.push_back(f.get<std::string>());
  info_ = std::move(i);
  return *info_;
}

std::optional<std::string> Session::unmet_requirement(const oracle::Case& c) const {
  for (const auto& f : c.needs.features)
    if (!info_->has(f)) return fmt::format("target lacks feature '{}'", f);
  if (!c.needs.caps_drop.empty() && !info_->has("caps")) return "target cannot drop capabilities";
  if (!c.needs.sysctls.empty() && !info_->has("sysctl")) return "target has no sysctl support";
  if (!c.needs.min_kernel.empty() && spec_.name == "kernel" &&
      !version_at_least(info_->release, c.needs.min_kernel))
    return fmt::format("kernel {} is older than {}", info_->release, c.needs.min_kernel);
  return std::nullopt;
}

TargetRun Session::run(const oracle::Case& c, const json& topology_vars, std::chrono::milliseconds timeout) {
  const auto start = Clock::now();
  const auto deadline = start + timeout;
  TargetRun out;
  auto finish = [&]() -> TargetRun {
    out.duration_ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    return std::move(out);
  };
  try {
    info(left(deadline));
  } catch (const std::exception& e) {
    out.error = e.what();
    return finish();
  }
  if (auto why = unmet_requirement(c)) {
    out.skip_reason = *why;
    return finish();
  }

  // Every call goes through here: a broken target ends the case as `error`.
  auto call = [&](json req) -> std::optional<json> {
    try {
      auto r = proc_->call(std::move(req), left(deadline));
      if (r.contains("error")) {
        out.error = fmt::format("target protocol error: {}", r["error"].dump());
        return std::nullopt;
      }
      return r;
    } catch (const probe::ProbeError& e) {
      out.error = e.kind == probe::ProbeError::Kind::Timeout
                      ? fmt::format("timeout after {} ms", timeout.count())
                      : fmt::format("target broke: {}", e.what());
      drop();
      return std::nullopt;
    }
  };

  json caps = c.needs.caps_drop;
  auto begun = call({{"op", "begin"}, {"case", c.id}, {"caps_drop", caps}});
  if (!begun) return finish();
  if (begun->value("ret", -1) != 0) {
    out.error = fmt::format("begin failed: {}", begun->dump());
  }
  for (const auto& [path, value] : c.needs.sysctls) {
    if (!out.error.empty()) break;
    auto r = call({{"op", "sysctl"}, {"path", path}, {"value", value}, {"text", "requires"}});
    if (!r) break;
    if (r->value("ret", -1) != 0) {
      auto err = r->value("errno", json()).dump();
      if (err == "\"ENOENT\"") out.skip_reason = fmt::format("target has no sysctl {}", path);
      else out.error = fmt::format("cannot set required sysctl {}={}: {}", path, value, err);
    }
  }

  json vars = topology_vars;
  try {
  for (std::size_t i = 0; i < c.steps.size() && out.error.empty() && out.skip_reason.empty() && proc_; ++i) {
    const auto& step = c.steps[i];
    json call_spec = oracle::substitute(step.call, vars);
    json expect = oracle::substitute(step.expect.value_or(oracle::implicit_expectation()), vars);
    json doc = step.doc ? oracle::substitute(*step.doc, vars) : json();
    json req;
    try {
      auto refs = oracle::references(call_spec);
      if (!refs.empty()) throw oracle::StepError(fmt::format("undefined variable '${{{}}}'", *refs.begin()));
      req = oracle::build_request(call_spec);
    } catch (const oracle::StepError& e) {
      out.error = fmt::format("step {} ({}:{}): {}", i, c.file, step.line, e.what());
      break;
    }
    out.steps.push_back({{"op", req["op"]}, {"text", req["text"]},
                         {"expect", step.expect ? expect : json()}, {"doc", doc}});
    auto resp = call(req);
    if (!resp) break;
    auto obs = oracle::normalize(call_spec, *resp);
    for (auto& m : oracle::match_step(static_cast<int>(i), expect, obs)) out.failures.push_back(std::move(m));
    if (!doc.is_null())
      for (auto& m : oracle::match_step(static_cast<int>(i), doc, obs)) out.doc_failures.push_back(std::move(m));
    for (const auto& [var, path] : step.save) {
      if (auto* v = field_at(obs, path)) vars[var] = *v;
      else out.error = fmt::format("step {}: cannot save '{}': the observation has no field '{}'", i, var, path);
    }
    out.observations.push_back(std::move(obs));
  }
  } catch (const std::exception& e) {
    // A case the loader let through but the comparison cannot handle is the
    // harness's fault, reported on this case alone.
    out.error = fmt::format("harness: {}", e.what());
  }

  if (proc_) {
    // Always end the case, even after a failure, so the next one starts clean.
    std::string before = out.error;
    auto ended = call({{"op", "end"}});
    if (ended && ended->value("ret", -1) != 0) {
      out.error = fmt::format("end could not restore the target: {}", ended->dump());
      drop();  // its state is unknown: start a fresh one
    }
    if (!before.empty()) out.error = before;
  }
  return finish();
}

}  // namespace ipc::runner
