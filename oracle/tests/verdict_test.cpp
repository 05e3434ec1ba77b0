#include "oracle/verdict.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <unistd.h>

#include "oracle/baseline.hpp"

namespace ipc::oracle {
namespace {

namespace fs = std::filesystem;

// ---- decide --------------------------------------------------------------------

VerdictInputs in(bool skipped, bool error, bool expect_failed, bool differs,
                 std::optional<std::string> baseline = std::nullopt) {
  VerdictInputs v;
  v.skipped = skipped;
  v.harness_error = error;
  v.expect_failed = expect_failed;
  v.kernel_differs = differs;
  v.baseline = std::move(baseline);
  return v;
}

TEST(Decide, PassWhenNothingIsWrong) { EXPECT_EQ(decide(in(false, false, false, false)), Verdict::Pass); }

TEST(Decide, SkipBeatsEverything) {
  EXPECT_EQ(decide(in(true, false, false, false)), Verdict::Skip);
  EXPECT_EQ(decide(in(true, true, true, true, "known")), Verdict::Skip);
}

TEST(Decide, ErrorBeatsResultsAndBaseline) {
  EXPECT_EQ(decide(in(false, true, false, false)), Verdict::Error);
  EXPECT_EQ(decide(in(false, true, true, true)), Verdict::Error);
  EXPECT_EQ(decide(in(false, true, false, false, "known")), Verdict::Error);
}

TEST(Decide, FailBeatsDiverge) {
  EXPECT_EQ(decide(in(false, false, true, false)), Verdict::Fail);
  EXPECT_EQ(decide(in(false, false, true, true)), Verdict::Fail);
}

TEST(Decide, DivergeWhenOnlyTheKernelDiffers) {
  EXPECT_EQ(decide(in(false, false, false, true)), Verdict::Diverge);
}

TEST(Decide, BaselineTurnsFailAndDivergeIntoXfailAndPassIntoXpass) {
  EXPECT_EQ(decide(in(false, false, true, false, "r")), Verdict::XFail);
  EXPECT_EQ(decide(in(false, false, false, true, "r")), Verdict::XFail);
  EXPECT_EQ(decide(in(false, false, true, true, "r")), Verdict::XFail);
  EXPECT_EQ(decide(in(false, false, false, false, "r")), Verdict::XPass);
  EXPECT_EQ(decide(in(false, false, false, false, "")), Verdict::XPass);  // listed, even with an empty reason
}

TEST(Verdicts, NamesAndUnexpected) {
  EXPECT_EQ(verdict_name(Verdict::Pass), "pass");
  EXPECT_EQ(verdict_name(Verdict::Fail), "fail");
  EXPECT_EQ(verdict_name(Verdict::Diverge), "diverge");
  EXPECT_EQ(verdict_name(Verdict::XFail), "xfail");
  EXPECT_EQ(verdict_name(Verdict::XPass), "xpass");
  EXPECT_EQ(verdict_name(Verdict::Skip), "skip");
  EXPECT_EQ(verdict_name(Verdict::Error), "error");

  EXPECT_TRUE(is_unexpected(Verdict::Fail));
  EXPECT_TRUE(is_unexpected(Verdict::Diverge));
  EXPECT_TRUE(is_unexpected(Verdict::XPass));
  EXPECT_TRUE(is_unexpected(Verdict::Error));
  EXPECT_FALSE(is_unexpected(Verdict::Pass));
  EXPECT_FALSE(is_unexpected(Verdict::XFail));
  EXPECT_FALSE(is_unexpected(Verdict::Skip));
}

// ---- Baseline -------------------------------------------------------------------

class TempFile {
 public:
  explicit TempFile(const std::string& text) {
    static std::atomic<int> n{0};
    path_ = fs::temp_directory_path() /
            ("ipconform-baseline-" + std::to_string(::getpid()) + "-" + std::to_string(n++) + ".toml");
    std::ofstream(path_) << text;
  }
  ~TempFile() {
    std::error_code ec;
    fs::remove(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

std::string load_error(const std::string& text) {
  TempFile f(text);
  try {
    Baseline::load(f.path());
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "<no error>";
}

TEST(Baseline, EmptyFileAndDefaultHaveNoEntries) {
  TempFile f("");
  EXPECT_TRUE(Baseline::load(f.path()).entries().empty());
  EXPECT_FALSE(Baseline().find("stack", "a.b").has_value());
}

TEST(Baseline, LoadsEntriesInOrder) {
  TempFile f(R"([[known]]
target = "stack"
case = "sockopt.ip_options.*"
reason = "IP options are not implemented"

[[known]]
target = "other"
case = "bind.*"
reason = "no bind"
)");
  auto b = Baseline::load(f.path());
  ASSERT_EQ(b.entries().size(), 2u);
  EXPECT_EQ(b.entries()[0].target, "stack");
  EXPECT_EQ(b.entries()[0].pattern, "sockopt.ip_options.*");
  EXPECT_EQ(b.entries()[0].reason, "IP options are not implemented");
  EXPECT_EQ(b.entries()[1].target, "other");
}

TEST(Baseline, GlobMatchingIsPerTarget) {
  TempFile f(R"([[known]]
target = "stack"
case = "sockopt.ip_options.*"
reason = "options"

[[known]]
target = "stack"
case = "sockopt.ip_ttl.range[[]v=-?]"
reason = "negative ttl"

[[known]]
target = "other"
case = "*"
reason = "everything"
)");
  auto b = Baseline::load(f.path());
  EXPECT_EQ(b.find("stack", "sockopt.ip_options.set[len=4]"), "options");
  EXPECT_EQ(b.find("stack", "sockopt.ip_options.get"), "options");
  EXPECT_FALSE(b.find("stack", "sockopt.ip_optionsx").has_value());
  EXPECT_FALSE(b.find("stack", "sockopt.ip_ttl.default[sock=udp]").has_value());
  EXPECT_EQ(b.find("stack", "sockopt.ip_ttl.range[v=-1]"), "negative ttl");
  EXPECT_FALSE(b.find("stack", "sockopt.ip_ttl.range[v=1]").has_value());
  // Another target's entries do not apply; the kernel has none here.
  EXPECT_EQ(b.find("other", "sockopt.ip_ttl.range[v=1]"), "everything");
  EXPECT_FALSE(b.find("kernel", "sockopt.ip_options.get").has_value());
}

TEST(Baseline, FirstMatchingEntryGivesTheReason) {
  TempFile f(R"([[known]]
target = "stack"
case = "a.b.*"
reason = "first"

[[known]]
target = "stack"
case = "a.*"
reason = "second"
)");
  auto b = Baseline::load(f.path());
  EXPECT_EQ(b.find("stack", "a.b.c"), "first");
  EXPECT_EQ(b.find("stack", "a.x"), "second");
}

TEST(Baseline, AnExactInstanceIdMatchesItself) {
  // Results name instances "base[axis=label]"; copying such an id into the
  // baseline must list that instance (fnmatch reads "[v=0]" as a character class).
  TempFile f(R"([[known]]
target = "stack"
case = "sockopt.ip_ttl.range[v=0]"
reason = "ttl 0 accepted"
)");
  auto b = Baseline::load(f.path());
  EXPECT_EQ(b.find("stack", "sockopt.ip_ttl.range[v=0]"), "ttl 0 accepted");
}

TEST(Baseline, SyntaxErrorNamesFileAndLine) {
  auto msg = load_error("[[known]]\ntarget = \"stack\"\ncase = \"x\nreason = \"r\"\n");
  EXPECT_NE(msg.find("ipconform-baseline-"), std::string::npos) << msg;
  EXPECT_NE(msg.find(".toml:3:"), std::string::npos) << msg;
}

TEST(Baseline, IncompleteEntryNamesItsLine) {
  auto msg = load_error(R"([[known]]
target = "stack"
case = "a"
reason = "r"

[[known]]
target = "stack"
case = "b"
)");
  EXPECT_NE(msg.find(".toml:6:"), std::string::npos) << msg;
  EXPECT_NE(msg.find("target, case and reason"), std::string::npos) << msg;

  EXPECT_NE(load_error("[[known]]\ncase = \"a\"\nreason = \"r\"\n").find(".toml:1:"), std::string::npos);
  EXPECT_NE(load_error("[[known]]\ntarget = \"s\"\nreason = \"r\"\n").find(".toml:1:"), std::string::npos);
  EXPECT_NE(load_error("[[known]]\ntarget = \"s\"\ncase = \"\"\nreason = \"r\"\n").find(".toml:1:"),
            std::string::npos);
}

TEST(Baseline, MissingFileIsAnError) {
  EXPECT_THROW(Baseline::load(fs::temp_directory_path() / "ipconform-no-such-baseline-file.toml"),
               std::runtime_error);
}

}  // namespace
}  // namespace ipc::oracle
