#include "runner/session.hpp"

#include <set>
#include <fmt/format.h>

#include "oracle/call.hpp"
#include "oracle/substitute.hpp"
#include "reports/report.hpp"
#include "runner/implicit_features.hpp"
#include "runner/pcap_writer.hpp"

namespace ipc::runner {
namespace {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

std::chrono::milliseconds left(Clock::time_point deadline) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return std::max(ms, std::chrono::milliseconds(1));
}


bool has_wire_steps(const oracle::Case& c) {
  for (const auto& s : c.steps)
    if (oracle::is_wire_op(s.call.value("op", std::string()))) return true;
  return false;
}

// Runs the wire side of a case: inject, and look for frames the DUT sent.
class WireSteps {
 public:
  WireSteps(WireAgent& agent, Clock::time_point deadline) : agent_(agent), deadline_(deadline) {}

  // Frames an earlier case (wire or not) made the DUT send may still be on
  // their way into the capture: a barrier first makes sure they are in the
  // old capture, which `begin` then clears.
  void begin(const std::string& case_id) {
    if (agent_.echo_barrier()) {
      auto b = checked({{"op", "barrier"}, {"wait_ms", 2000}});
      if (b.value("ret", -1) != 0) throw std::runtime_error("wire barrier was not answered: " + b.dump());
    }
    checked({{"op", "begin"}, {"case", case_id}});
  }

  json inject(const json& req) {
    auto r = checked({{"op", "inject"}, {"frame", req["frame"]}});
    return {{"ret", r.value("ret", -1)}, {"errno", r.value("errno", json())}};
  }

  // The first frame from the DUT after the previous match that fits `match`.
  json expect_packet(const json& req) {
    auto until = std::min(deadline_, Clock::now() + std::chrono::milliseconds(req.value("timeout_ms", 1000)));
    std::size_t scanned = cap_.cursor;
    while (true) {
      for (; scanned < cap_.frames.size(); ++scanned) {
        if (fits(req["match"], cap_.frames[scanned])) {
          cap_.cursor = scanned + 1;
          return {{"ret", 0}, {"errno", json()}, {"packet", cap_.frames[scanned]}};
        }
      }
      auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now()).count();
      if (wait <= 0) return {{"ret", -1}, {"errno", "ETIMEDOUT"}};
      fetch(static_cast<int>(wait));
    }
  }

  // No frame fitting `match` after the previous match: proven by a barrier
  // (an echo request answered after everything the DUT had to send).
  json expect_no_packet(const json& req) {
    barrier(req);
    for (std::size_t i = cap_.cursor; i < cap_.frames.size(); ++i)
      if (fits(req["match"], cap_.frames[i])) return {{"ret", -1}, {"errno", "EEXIST"}, {"packet", cap_.frames[i]}};
    return {{"ret", 0}, {"errno", json()}};
  }

  // Returns once the DUT has handled everything injected or sent before.
  json barrier(const json& req) {
    auto b = checked({{"op", "barrier"}, {"wait_ms", req.value("wait_ms", 2000)}});
    if (b.value("ret", -1) != 0) throw std::runtime_error("wire barrier was not answered: " + b.dump());
    fetch(0);
    return {{"ret", 0}, {"errno", json()}};
  }


  // Collects the rest, writes the pcap, returns the dissected frames.
  std::vector<json> finish(const std::filesystem::path& pcap_file) {
    fetch(0);
    auto r = checked({{"op", "end"}});
    write_pcap(pcap_file, r.value("frames", std::vector<json>()));
    return std::move(cap_.frames);
  }

 private:
  static bool fits(const json& match, const json& frame) {
    return frame.value("dir", std::string()) == "in" && !frame.value("barrier", false) &&
           oracle::matches(match, frame);
  }

  void fetch(int wait_ms) {
    auto r = checked({{"op", "frames"}, {"since", cap_.next}, {"wait_ms", wait_ms}});
    for (auto& f : r.value("frames", json::array())) {
      f.erase("hex");  // the pcap keeps the bytes
      cap_.frames.push_back(std::move(f));
    }
    cap_.next = r.value("next", cap_.next);
  }

  json checked(json req) {
    auto r = agent_.call(std::move(req), left(deadline_));
    if (r.contains("error")) throw std::runtime_error("wire agent: " + r["error"].dump());
    return r;
  }

  WireAgent& agent_;
  Clock::time_point deadline_;
  Capture cap_;
};

// A matched frame whose checksums are wrong is a failure even where the case
// does not mention them: a checksum is checked for being right, never compared.
void check_checksums(int step, const json& match, const json& obs, std::vector<oracle::Mismatch>& failures) {
  if (!obs.contains("packet")) return;
  const auto& p = obs["packet"];
  for (const auto& layer : p.value("layers", json::array())) {
    auto name = layer.get<std::string>();
    if (!p.contains(name) || !p[name].is_object()) continue;
    bool stated = match.contains(name) && match[name].is_object() && match[name].contains("chksum_ok");
    // null: not checkable (a transport header inside a fragment).
    const auto ok = p[name].contains("chksum_ok") ? p[name]["chksum_ok"] : json(true);
    if (!stated && ok.is_boolean() && !ok.get<bool>())
      failures.push_back({step, "packet." + name + ".chksum_ok", true, false});
  }
}

}  // namespace

Session::Session(TargetSpec spec, int netns_fd, std::function<void()> after_start)
    : spec_(std::move(spec)), netns_fd_(netns_fd), after_start_(std::move(after_start)) {}

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
  if (after_start_) {
    try {
      after_start_();
    } catch (const std::exception& e) {
      proc_.reset();
      throw std::runtime_error(fmt::format("target '{}' answered hello, but {}", spec_.name, e.what()));
    }
  }
  info_ = std::move(i);
  return *info_;
}

std::optional<std::string> Session::unmet_requirement(const oracle::Case& c) const {
  for (const auto& f : c.needs.features)
    if (!info_->has(f)) return fmt::format("target lacks feature '{}'", f);
  // implicit_features() only ever names "tcp" so far: a target that has it
  // (the kernel) never pays for the look at the steps.
  if (!info_->has("tcp"))
    for (const auto& f : implicit_features(c))
      if (!info_->has(f)) return fmt::format("target lacks feature {}", f);
  if (!c.needs.caps_drop.empty() && !info_->has("caps")) return "target cannot drop capabilities";
  if (!c.needs.sysctls.empty() && !info_->has("sysctl")) return "target has no sysctl support";
  if (!c.needs.min_kernel.empty() && spec_.name == "kernel" &&
      !version_at_least(info_->release, c.needs.min_kernel))
    return fmt::format("kernel {} is older than {}", info_->release, c.needs.min_kernel);
  return std::nullopt;
}

TargetRun Session::run(const oracle::Case& c, const json& topology_vars, std::chrono::milliseconds timeout,
                       WireAgent* agent, const std::filesystem::path& out_dir) {
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

  std::optional<WireSteps> wire;
  if (out.error.empty() && out.skip_reason.empty() && has_wire_steps(c)) {
    try {
      if (!agent) throw std::runtime_error("no wire agent in this run");
      agent->ensure_started(left(deadline));
      wire.emplace(*agent, deadline);
      wire->begin(c.id);
    } catch (const std::exception& e) {
      out.error = fmt::format("wire: {}", e.what());
      wire.reset();
    }
  }

  json vars = topology_vars;
  std::set<std::string> missing_handles;
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
    json obs;
    const auto op = req["op"].get<std::string>();
    if (oracle::is_wire_op(op)) {
      try {
        obs = op == "inject"          ? wire->inject(req)
              : op == "barrier"       ? wire->barrier(req)
              : op == "expect_packet" ? wire->expect_packet(req)
                                      : wire->expect_no_packet(req);
      } catch (const std::exception& e) {
        out.error = fmt::format("step {}: wire: {}", i, e.what());
        wire.reset();
        break;
      }
      if (req.contains("match")) check_checksums(static_cast<int>(i), req["match"], obs, out.failures);
    } else {
      // A socket the target could not create: the case stops here as a
      // failure of the step that created it, not as a protocol error.
      if (req.contains("handle") && req["handle"].is_string() && missing_handles.contains(req["handle"].get<std::string>())) {
        out.failures.push_back({static_cast<int>(i), "handle", "an open socket",
                                fmt::format("'{}' was not created (an earlier socket call failed)",
                                            req["handle"].get<std::string>())});
        out.steps.pop_back();
        break;
      }
      auto resp = call(req);
      if (!resp) break;
      if ((op == "socket" || op == "accept") && (*resp)["ret"] == -1) {
        const char* key = op == "socket" ? "handle" : "new_handle";
        if (req.contains(key) && req[key].is_string()) missing_handles.insert(req[key].get<std::string>());
      }
      obs = oracle::normalize(call_spec, *resp);
    }
    for (auto& m : oracle::match_step(static_cast<int>(i), expect, obs)) out.failures.push_back(std::move(m));
    if (!doc.is_null())
      for (auto& m : oracle::match_step(static_cast<int>(i), doc, obs)) out.doc_failures.push_back(std::move(m));
    for (const auto& [var, how] : step.save) {
      try {
        vars[var] = oracle::saved_value(obs, how);  // a table stays one: ${var.field}
      } catch (const std::invalid_argument& e) {
        out.error = fmt::format("step {}: cannot save '{}': {}", i, var, e.what());
      }
    }
    out.observations.push_back(std::move(obs));
  }
  } catch (const std::exception& e) {
    // A case the loader let through but the comparison cannot handle is the
    // harness's fault, reported on this case alone.
    out.error = fmt::format("harness: {}", e.what());
  }

  if (wire) {
    try {
      auto rel = std::filesystem::path("pcap") / (reports::sanitise_id(c.id) + "." + spec_.name + ".pcap");
      std::filesystem::create_directories(out_dir / "pcap");
      out.packets = wire->finish(out_dir / rel);
      out.pcap = rel.string();
    } catch (const std::exception& e) {
      if (out.error.empty()) out.error = fmt::format("wire: {}", e.what());
    }
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
