// `ipconform run`: cases × targets over a pool of workers, results appended
// as they finish, reports written at the end.
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "reports/report.hpp"
#include "runner/baseline_update.hpp"
#include "runner/case_source.hpp"
#include "runner/commands.hpp"
#include "runner/paths.hpp"
#include "runner/progress.hpp"
#include "runner/worker.hpp"

namespace ipc::runner {
namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;

std::atomic<bool> g_interrupted{false};
extern "C" void on_signal(int) { g_interrupted.store(true); }

std::string utc_now() {
  std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buf;
}

// Appends each record to results.jsonl as soon as it is judged, so an
// interrupted run keeps everything it finished.
class ResultSink {
 public:
  // `keep`: records of an earlier run to carry over (--resume); the file is
  // rewritten with them first, dropping a line an interruption cut short.
  ResultSink(const fs::path& file, std::vector<json> keep) : out_(file, std::ios::trunc), records_(std::move(keep)) {
    if (!out_) throw std::runtime_error(fmt::format("cannot write {}", file.string()));
    for (const auto& r : records_) out_ << r.dump(-1, ' ', false, json::error_handler_t::replace) << '\n';
    out_.flush();
  }
  void add(const json& rec) {
    std::lock_guard lock(mu_);
    out_ << rec.dump(-1, ' ', false, json::error_handler_t::replace) << '\n';
    out_.flush();
    records_.push_back(rec);
  }
  std::vector<json> take() {
    std::lock_guard lock(mu_);
    return std::move(records_);
  }

 private:
  std::ofstream out_;
  std::mutex mu_;
  std::vector<json> records_;
};

void write_json_file(const fs::path& p, const json& j) {
  std::ofstream f(p, std::ios::trunc);
  f << j.dump(2) << '\n';
}

// Replaces `p` whole: written beside it, then renamed over it.
void write_text_file(const fs::path& p, const std::string& text) {
  fs::path tmp = p;
  tmp += ".tmp";
  {
    std::ofstream f(tmp, std::ios::trunc | std::ios::binary);
    f << text;
    f.flush();
    if (!f) throw std::runtime_error(fmt::format("cannot write {}", tmp.string()));
  }
  fs::rename(tmp, p);
}

}  // namespace

int cmd_run(const RunOptions& o) {
  if (geteuid() != 0) {
    std::fprintf(stderr,
                 "ipconform: run needs root: each worker creates its own network namespaces "
                 "(CAP_SYS_ADMIN, CAP_NET_ADMIN)\n");
    return kHarness;
  }
  std::vector<TargetSpec> targets;
  oracle::Baseline baseline;
  try {
    targets = resolve_targets(o.targets, o.target_cmds, o.target_duts);
    // --update-baseline FILE judges with FILE, so the records carry its reasons.
    fs::path judge_with = o.baseline;
    if (!o.update_baseline.empty()) {
      std::error_code ec;
      auto same = [&] {
        return fs::absolute(o.baseline).lexically_normal() == fs::absolute(o.update_baseline).lexically_normal() ||
               fs::equivalent(o.baseline, o.update_baseline, ec);
      };
      if (!o.baseline.empty() && !same())
        throw std::invalid_argument("--update-baseline FILE reads FILE as the baseline: give no other --baseline");
      judge_with = fs::exists(o.update_baseline) ? o.update_baseline : fs::path();
    }
    if (!judge_with.empty()) baseline = oracle::Baseline::load(judge_with);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ipconform: %s\n", e.what());
    return kHarness;
  }
  auto loaded = load_cases(o.source);
  auto selected = select(loaded.cases.cases, o.source.selection);
  if (selected.empty()) {
    std::fprintf(stderr, "ipconform: no case matches (loaded %zu)\n", loaded.cases.cases.size());
    return kHarness;
  }

  std::error_code ec;
  fs::create_directories(o.out, ec);
  if (ec) {
    std::fprintf(stderr, "ipconform: cannot create %s: %s\n", o.out.c_str(), ec.message().c_str());
    return kHarness;
  }
  // With --resume, an instance (and repeat) that every target already
  // finished is not run again; its records are kept.
  std::vector<json> kept;
  std::set<std::pair<std::string, int>> done;
  if (o.resume && fs::exists(o.out / "results.jsonl")) {
    try {
      std::map<std::pair<std::string, int>, std::set<std::string>> seen;
      for (auto& r : reports::read_jsonl(o.out / "results.jsonl")) {
        seen[{r.value("case", std::string()), r.value("repeat", 0)}].insert(r.value("target", std::string()));
        kept.push_back(std::move(r));
      }
      for (const auto& [key, tgts] : seen)
        if (tgts.size() >= targets.size()) done.insert(key);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "ipconform: --resume: %s\n", e.what());
      return kHarness;
    }
  }
  std::vector<std::pair<const oracle::Case*, int>> queue;  // (instance, repeat)
  for (int rep = 0; rep < o.repeat; ++rep)
    for (const auto* c : selected)
      if (!done.count({c->id, rep})) queue.emplace_back(c, rep);
  // Records of instances that will run again are replaced, not duplicated.
  std::erase_if(kept, [&](const json& r) { return !done.count({r.value("case", std::string()), r.value("repeat", 0)}); });

  std::unique_ptr<ResultSink> sink;
  try {
    sink = std::make_unique<ResultSink>(o.out / "results.jsonl", kept);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ipconform: %s\n", e.what());
    return kHarness;
  }
  if (o.resume) std::printf("resuming: %zu record(s) kept, %zu instance run(s) to go\n", kept.size(), queue.size());

  const std::size_t total_jobs = queue.size();
  int jobs = o.jobs > 0 ? o.jobs : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  jobs = static_cast<int>(std::max<std::size_t>(1, std::min<std::size_t>(jobs, total_jobs)));
  const auto timeout = std::chrono::milliseconds(static_cast<long>(o.timeout_s * 1000));

  json run = {{"tool", fmt::format("ipconform {}", IPCONFORM_VERSION)},
              {"started", utc_now()},
              {"args", o.argv},
              {"jobs", jobs},
              {"cases", selected.size()},
              {"targets", json::array()},
              {"interrupted", false}};
  json load_errors = json::array();
  for (const auto& d : loaded.cases.diagnostics) load_errors.push_back(d.str());
  run["load_errors"] = load_errors;
  write_json_file(o.out / "run.json", run);

  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  struct sigaction old_int {}, old_term {};
  sigaction(SIGINT, &sa, &old_int);
  sigaction(SIGTERM, &sa, &old_term);

  Progress progress(total_jobs * targets.size(), o.progress && isatty(STDERR_FILENO));
  std::atomic<std::size_t> next{0};
  std::atomic<bool> harness_failed{false};
  std::mutex info_mu;
  std::vector<TargetInfo> infos;
  std::string harness_message;
  const auto t0 = std::chrono::steady_clock::now();

  auto work = [&] {
    std::unique_ptr<Worker> w;
    try {
      w = std::make_unique<Worker>(targets, timeout, o.out);
      std::lock_guard lock(info_mu);
      if (infos.empty()) infos = w->infos();
    } catch (const std::exception& e) {
      std::lock_guard lock(info_mu);
      harness_failed = true;
      harness_message = e.what();
      return;
    }
    while (!g_interrupted.load() && !harness_failed.load()) {
      auto i = next.fetch_add(1);
      if (i >= total_jobs) break;
      const auto& [c, rep] = queue[i];
      auto judged = w->run(*c, baseline, rep);
      // A case cut short by Ctrl-C is not a result: the targets died with the signal.
      if (g_interrupted.load()) break;
      for (auto& j : judged) {
        progress.add(std::string(oracle::verdict_name(j.verdict)));
        sink->add(j.record);
      }
    }
  };
  std::vector<std::thread> pool;
  for (int k = 0; k < jobs; ++k) pool.emplace_back(work);
  for (auto& t : pool) t.join();
  progress.finish();
  sigaction(SIGINT, &old_int, nullptr);
  sigaction(SIGTERM, &old_term, nullptr);

  const double wall_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  for (const auto& i : infos) run["targets"].push_back(i.to_json());
  run["finished"] = utc_now();
  run["wall_ms"] = std::round(wall_ms);
  run["interrupted"] = g_interrupted.load();
  write_json_file(o.out / "run.json", run);

  if (harness_failed) {
    std::fprintf(stderr, "ipconform: cannot start a worker: %s\n", harness_message.c_str());
    return kHarness;
  }

  reports::ReportInput input{run, sink->take(), {}};
  for (const auto& c : loaded.claims) input.claims.push_back({c.id, c.kind, c.title, c.text});
  try {
    reports::write_all(input, o.out);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ipconform: writing reports: %s\n", e.what());
    return kHarness;
  }

  // Verdicts over everything the result file holds (kept by --resume and new).
  std::map<std::string, std::size_t> counts;
  bool unexpected = false;
  for (const auto& r : input.results) {
    auto v = r.value("verdict", std::string("error"));
    ++counts[v];
    unexpected = unexpected || oracle::is_unexpected_name(v);
  }
  std::string tally;
  for (const auto& [v, n] : counts) tally += fmt::format("{}{} {}", tally.empty() ? "" : ", ", v, n);
  std::printf("%zu case instances x %zu target(s) in %.1f s: %s\n", selected.size() * o.repeat, targets.size(),
              wall_ms / 1000, tally.c_str());
  if (!loaded.cases.diagnostics.empty())
    std::printf("%zu problem(s) in case files (see above); those cases did not run\n",
                loaded.cases.diagnostics.size());
  std::printf("results: %s\nreport: %s\n", (o.out / "results.jsonl").c_str(),
              fs::absolute(o.out / "report" / "index.html").lexically_normal().c_str());

  if (g_interrupted.load()) {
    std::fprintf(stderr, "ipconform: interrupted; results so far are in %s\n", (o.out / "results.jsonl").c_str());
    if (!o.update_baseline.empty())
      std::fprintf(stderr, "ipconform: %s left as it was (the run is incomplete)\n", o.update_baseline.c_str());
    return kInterrupted;
  }
  if (!o.update_baseline.empty()) {
    std::vector<std::string> ids;
    for (const auto& c : loaded.cases.cases) ids.push_back(c.id);
    try {
      auto up = update_baseline(baseline.entries(), input.results, ids);
      write_text_file(o.update_baseline, baseline_toml(up.entries));
      const auto rewritten = oracle::Baseline::load(o.update_baseline);
      unexpected = std::any_of(input.results.begin(), input.results.end(),
                               [&](const json& r) { return unexpected_against(r, rewritten); });
      std::printf("baseline: %s rewritten: %zu entries (%zu new, %zu dropped)\n", o.update_baseline.c_str(),
                  up.entries.size(), up.added, up.dropped);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "ipconform: --update-baseline: %s\n", e.what());
      return kHarness;
    }
  }
  if (unexpected || !loaded.cases.diagnostics.empty()) return kUnexpected;
  return kOk;
}

}  // namespace ipc::runner
