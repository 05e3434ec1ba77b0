#include "oracle/case_loader.hpp"
#include "oracle/substitute.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <stdexcept>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <unistd.h>
#include <vector>

namespace ipc::oracle {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

// A fresh directory under the system temp dir, removed with everything in it.
class CaseLoaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    static std::atomic<int> n{0};
    dir_ = fs::temp_directory_path() /
           ("ipconform-case-loader-" + std::to_string(::getpid()) + "-" + std::to_string(n++));
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  fs::path write(const std::string& name, const std::string& text) {
    auto p = dir_ / name;
    fs::create_directories(p.parent_path());
    std::ofstream(p) << text;
    return p;
  }

  LoadResult load(const std::string& text, const LoadOptions& opts = {}) {
    return load_paths({write("cases.toml", text)}, opts);
  }

  // The single diagnostic of loading `text`; fails the test if there is not exactly one.
  Diagnostic only_diag(const std::string& text, const LoadOptions& opts = {}) {
    auto r = load(text, opts);
    EXPECT_EQ(r.diagnostics.size(), 1u) << dump(r);
    if (r.diagnostics.empty()) return {};
    return r.diagnostics[0];
  }

  static std::string dump(const LoadResult& r) {
    std::string s;
    for (const auto& d : r.diagnostics) s += d.str() + "\n";
    return s;
  }

  static std::vector<std::string> ids(const LoadResult& r) {
    std::vector<std::string> out;
    for (const auto& c : r.cases) out.push_back(c.id);
    return out;
  }

  fs::path dir_;
};

bool has(const std::string& s, const std::string& needle) { return s.find(needle) != std::string::npos; }

// A minimal valid case; tests replace one line to break it.
const char* kSocketStep = R"(  { op = "socket", type = "SOCK_DGRAM" },)";

// ---- a valid file --------------------------------------------------------------------

TEST_F(CaseLoaderTest, MatrixExpandsIntoSortedSubstitutedInstances) {
  auto r = load(R"([[case]]
id = "sockopt.ip_ttl.range"
title = "IP_TTL ${v.name} on ${type}"
claims = ["opt.IP_TTL"]
notes = "do_ip_setsockopt"
matrix.type = ["SOCK_RAW", "SOCK_DGRAM"]
matrix.v = [
  { name = "64", value = 64, expect = { ok = true } },
  { name = "0", value = 0, expect = { errno = "EINVAL" } },
]
steps = [
  { op = "socket", type = "${type}", protocol = "IPPROTO_UDP" },
  { op = "setsockopt", name = "IP_TTL", value = "${v.value}", expect = "${v.expect}", doc = { ok = true } },
  { op = "bind", addr = "${dut_addr}", volatile = ["addr.port"] },
]
)");
  ASSERT_TRUE(r.diagnostics.empty()) << dump(r);
  EXPECT_EQ(r.files, 1u);
  EXPECT_EQ(ids(r), (std::vector<std::string>{
                        "sockopt.ip_ttl.range[type=SOCK_DGRAM,v=0]",
                        "sockopt.ip_ttl.range[type=SOCK_DGRAM,v=64]",
                        "sockopt.ip_ttl.range[type=SOCK_RAW,v=0]",
                        "sockopt.ip_ttl.range[type=SOCK_RAW,v=64]",
                    }));

  const Case& c = r.cases[0];
  EXPECT_EQ(c.base, "sockopt.ip_ttl.range");
  EXPECT_EQ(c.title, "IP_TTL 0 on SOCK_DGRAM");
  EXPECT_EQ(c.file, (dir_ / "cases.toml").lexically_normal().string());
  EXPECT_EQ(c.line, 1);
  EXPECT_EQ(c.claims, (std::vector<std::string>{"opt.IP_TTL"}));
  EXPECT_EQ(c.params, (json{{"type", "SOCK_DGRAM"}, {"v", "0"}}));
  ASSERT_EQ(c.steps.size(), 3u);

  EXPECT_EQ(c.steps[0].line, 12);
  EXPECT_EQ(c.steps[0].call, (json{{"op", "socket"}, {"type", "SOCK_DGRAM"}, {"protocol", "IPPROTO_UDP"}}));
  EXPECT_FALSE(c.steps[0].expect.has_value());
  EXPECT_FALSE(c.steps[0].doc.has_value());

  // A whole-string reference keeps the value's type: an int, a table.
  EXPECT_EQ(c.steps[1].line, 13);
  EXPECT_EQ(c.steps[1].call, (json{{"op", "setsockopt"}, {"name", "IP_TTL"}, {"value", 0}}));
  ASSERT_TRUE(c.steps[1].expect.has_value());
  EXPECT_EQ(*c.steps[1].expect, (json{{"errno", "EINVAL"}}));
  ASSERT_TRUE(c.steps[1].doc.has_value());
  EXPECT_EQ(*c.steps[1].doc, (json{{"ok", true}}));

  // Topology variables are resolved when the step runs, not at load.
  EXPECT_EQ(c.steps[2].call, (json{{"op", "bind"}, {"addr", "${dut_addr}"}}));
  EXPECT_EQ(c.steps[2].volatile_fields, (std::vector<std::string>{"addr.port"}));

  EXPECT_EQ(r.cases[3].title, "IP_TTL 64 on SOCK_RAW");
  EXPECT_EQ(r.cases[3].steps[1].call["value"], 64);
  EXPECT_EQ(*r.cases[3].steps[1].expect, (json{{"ok", true}}));
}

TEST_F(CaseLoaderTest, CaseWithoutMatrixKeepsItsId) {
  auto r = load(R"([[case]]
id = "bind.any"
title = "bind to INADDR_ANY"
claims = ["sock.bind"]
steps = [
  { op = "socket", type = "SOCK_DGRAM" },
  { op = "bind", addr = "INADDR_ANY", note = "any address" },
]
)");
  ASSERT_TRUE(r.diagnostics.empty()) << dump(r);
  ASSERT_EQ(ids(r), (std::vector<std::string>{"bind.any"}));
  EXPECT_EQ(r.cases[0].base, "bind.any");
  EXPECT_EQ(r.cases[0].params, json::object());
  EXPECT_EQ(r.cases[0].steps[1].call["note"], "any address");
}

TEST_F(CaseLoaderTest, CasesAreSortedAcrossTheFile) {
  auto r = load(std::string(R"([[case]]
id = "z.last"
title = "t"
claims = ["c"]
steps = [
)") + kSocketStep + R"(
]

[[case]]
id = "a.first"
title = "t"
claims = ["c"]
steps = [
)" + kSocketStep + R"(
]
)");
  ASSERT_TRUE(r.diagnostics.empty()) << dump(r);
  EXPECT_EQ(ids(r), (std::vector<std::string>{"a.first", "z.last"}));
  EXPECT_EQ(r.cases[0].line, 9);
  EXPECT_EQ(r.cases[1].line, 1);
}

TEST_F(CaseLoaderTest, DiagnosticText) {
  Diagnostic d{"cases/x.toml", 12, "unknown op 'sockt'"};
  EXPECT_EQ(d.str(), "cases/x.toml:12: unknown op 'sockt'");
}

// ---- file-level errors ------------------------------------------------------------------

TEST_F(CaseLoaderTest, TomlSyntaxError) {
  auto d = only_diag(R"([[case]]
id = "a.b"
title = "unterminated
claims = ["c"]
)");
  EXPECT_EQ(d.line, 3);
  EXPECT_EQ(d.file, (dir_ / "cases.toml").lexically_normal().string());
  EXPECT_FALSE(d.message.empty());
}

TEST_F(CaseLoaderTest, SyntaxErrorLoadsNothingFromThatFile) {
  auto r = load("[[case]]\nid = \"a.b\"\ntitle = \"t\"\nclaims = [\"c\"\n");
  EXPECT_TRUE(r.cases.empty());
  EXPECT_EQ(r.files, 0u);
  ASSERT_EQ(r.diagnostics.size(), 1u);
  EXPECT_EQ(r.diagnostics[0].line, 4);  // the array that is never closed
}

TEST_F(CaseLoaderTest, UnknownTopLevelKey) {
  auto d = only_diag(R"([defaults]
claims = ["c"]

[settings]
x = 1
)");
  EXPECT_EQ(d.line, 4);
  EXPECT_TRUE(has(d.message, "unknown key 'settings'")) << d.message;
}

TEST_F(CaseLoaderTest, UnknownKeyInDefaults) {
  auto d = only_diag(R"([defaults]
claims = ["c"]
title = "no"
)");
  EXPECT_EQ(d.line, 3);
  EXPECT_TRUE(has(d.message, "unknown key 'title' in defaults")) << d.message;
}

TEST_F(CaseLoaderTest, FileWithoutCases) {
  auto d = only_diag("[defaults]\nclaims = [\"c\"]\n");
  EXPECT_TRUE(has(d.message, "no [[case]]")) << d.message;
}

TEST_F(CaseLoaderTest, MissingPath) {
  auto r = load_paths({dir_ / "nope.toml"}, {});
  ASSERT_EQ(r.diagnostics.size(), 1u);
  EXPECT_EQ(r.diagnostics[0].line, 0);
  EXPECT_TRUE(has(r.diagnostics[0].message, "no such file")) << r.diagnostics[0].message;
}

// ---- case-level errors ----------------------------------------------------------------

TEST_F(CaseLoaderTest, UnknownKeyInCase) {
  auto d = only_diag(R"([[case]]
id = "a.b"
title = "t"
claims = ["c"]
step = []
steps = [{ op = "socket", type = "SOCK_DGRAM" }]
)");
  EXPECT_EQ(d.line, 5);
  EXPECT_TRUE(has(d.message, "unknown key 'step' in a case")) << d.message;
}

TEST_F(CaseLoaderTest, MissingId) {
  auto d = only_diag(R"(
[[case]]
title = "t"
claims = ["c"]
steps = [{ op = "socket", type = "SOCK_DGRAM" }]
)");
  EXPECT_EQ(d.line, 2);
  EXPECT_TRUE(has(d.message, "'id'")) << d.message;
}

TEST_F(CaseLoaderTest, NonStringIdIsMissing) {
  auto d = only_diag(R"([[case]]
id = 7
title = "t"
claims = ["c"]
steps = [{ op = "socket", type = "SOCK_DGRAM" }]
)");
  EXPECT_EQ(d.line, 1);
  EXPECT_TRUE(has(d.message, "'id'")) << d.message;
}

TEST_F(CaseLoaderTest, MissingTitle) {
  auto d = only_diag(R"([[case]]
id = "a.b"
claims = ["c"]
steps = [{ op = "socket", type = "SOCK_DGRAM" }]
)");
  EXPECT_EQ(d.line, 1);
  EXPECT_TRUE(has(d.message, "'a.b'") && has(d.message, "'title'")) << d.message;
}

TEST_F(CaseLoaderTest, MissingClaims) {
  auto d = only_diag(R"([[case]]
id = "a.b"
title = "t"
steps = [{ op = "socket", type = "SOCK_DGRAM" }]
)");
  EXPECT_EQ(d.line, 1);
  EXPECT_TRUE(has(d.message, "no claims")) << d.message;
}

TEST_F(CaseLoaderTest, EmptyClaimsAndNonArrayClaims) {
  auto e = only_diag(R"([[case]]
id = "a.b"
title = "t"
claims = []
steps = [{ op = "socket", type = "SOCK_DGRAM" }]
)");
  EXPECT_TRUE(has(e.message, "no claims")) << e.message;
  auto s = only_diag(R"([[case]]
id = "a.b"
title = "t"
claims = "opt.IP_TTL"
steps = [{ op = "socket", type = "SOCK_DGRAM" }]
)");
  EXPECT_EQ(s.line, 4);
  EXPECT_TRUE(has(s.message, "'claims'")) << s.message;
}

TEST_F(CaseLoaderTest, MissingOrEmptySteps) {
  auto d = only_diag(R"([[case]]
id = "a.b"
title = "t"
claims = ["c"]
)");
  EXPECT_EQ(d.line, 1);
  EXPECT_TRUE(has(d.message, "'steps'")) << d.message;
  auto e = only_diag(R"([[case]]
id = "a.b"
title = "t"
claims = ["c"]
steps = []
)");
  EXPECT_TRUE(has(e.message, "'steps'")) << e.message;
}

TEST_F(CaseLoaderTest, BadIdCharacters) {
  for (const char* bad : {"bad id", "a/b", "a.b[x]", ".hidden", "ümlaut"}) {
    auto d = only_diag(std::string("[[case]]\ntitle = \"t\"\nid = \"") + bad +
                       "\"\nclaims = [\"c\"]\nsteps = [{ op = \"socket\", type = \"SOCK_DGRAM\" }]\n");
    EXPECT_EQ(d.line, 3) << bad;
    EXPECT_TRUE(has(d.message, "bad case id")) << d.message;
  }
}

TEST_F(CaseLoaderTest, UnknownOp) {
  auto d = only_diag(R"([[case]]
id = "a.b"
title = "t"
claims = ["c"]
steps = [
  { op = "socket", type = "SOCK_DGRAM" },
  { op = "sendmmsg", data = "00" },
]
)");
  EXPECT_EQ(d.line, 7);
  EXPECT_TRUE(has(d.message, "unknown op 'sendmmsg'")) << d.message;
}

TEST_F(CaseLoaderTest, StepWithoutOpOrNotATable) {
  auto d = only_diag(R"([[case]]
id = "a.b"
title = "t"
claims = ["c"]
steps = [
  { type = "SOCK_DGRAM" },
]
)");
  EXPECT_EQ(d.line, 6);
  EXPECT_TRUE(has(d.message, "'op'")) << d.message;
  auto t = only_diag(R"([[case]]
id = "a.b"
title = "t"
claims = ["c"]
steps = [
  "socket",
]
)");
  EXPECT_EQ(t.line, 6);
  EXPECT_TRUE(has(t.message, "table")) << t.message;
}

TEST_F(CaseLoaderTest, UnknownKeyForOp) {
  auto d = only_diag(R"([[case]]
id = "a.b"
title = "t"
claims = ["c"]
steps = [
  { op = "socket", type = "SOCK_DGRAM" },
  { op = "getsockopt", name = "IP_TTL", value = 64 },
]
)");
  EXPECT_EQ(d.line, 7);
  EXPECT_TRUE(has(d.message, "op 'getsockopt' takes no key 'value'")) << d.message;
}

TEST_F(CaseLoaderTest, UnknownOptionName) {
  auto d = only_diag(R"([[case]]
id = "a.b"
title = "t"
claims = ["c"]
steps = [
  { op = "socket", type = "SOCK_DGRAM" },

  { op = "setsockopt", name = "IP_TTTL", value = 1 },
]
)");
  EXPECT_EQ(d.line, 8);
  EXPECT_TRUE(has(d.message, "unknown option 'IP_TTTL'")) << d.message;
}

TEST_F(CaseLoaderTest, UnknownErrnoInExpectAndDoc) {
  auto d = only_diag(R"([[case]]
id = "a.b"
title = "t"
claims = ["c"]
steps = [
  { op = "socket", type = "SOCK_DGRAM" },
  { op = "setsockopt", name = "IP_TTL", value = 0, expect = { errno = "EINVALID" } },
]
)");
  EXPECT_EQ(d.line, 7);
  EXPECT_TRUE(has(d.message, "unknown errno") && has(d.message, "EINVALID")) << d.message;

  auto o = only_diag(R"([[case]]
id = "a.b"
title = "t"
claims = ["c"]
steps = [
  { op = "socket", type = "SOCK_DGRAM" },
  { op = "setsockopt", name = "IP_TTL", value = 0, expect = { errno = { one_of = ["EINVAL", "EBOGUS"] } } },
]
)");
  EXPECT_EQ(o.line, 7);
  EXPECT_TRUE(has(o.message, "EBOGUS")) << o.message;

  auto doc = only_diag(R"([[case]]
id = "a.b"
title = "t"
claims = ["c"]
steps = [
  { op = "socket", type = "SOCK_DGRAM" },
  { op = "setsockopt", name = "IP_TTL", value = 0, expect = { errno = "EINVAL" }, doc = { errno = "ENOPE" } },
]
)");
  EXPECT_EQ(doc.line, 7);
  EXPECT_TRUE(has(doc.message, "doc") && has(doc.message, "ENOPE")) << doc.message;
}

TEST_F(CaseLoaderTest, KnownErrnoAliasesAreAccepted) {
  auto r = load(R"([[case]]
id = "a.b"
title = "t"
claims = ["c"]
steps = [
  { op = "socket", type = "SOCK_DGRAM|SOCK_NONBLOCK" },
  { op = "recvfrom", expect = { errno = { one_of = ["EAGAIN", "EWOULDBLOCK"] } } },
]
)");
  EXPECT_TRUE(r.diagnostics.empty()) << dump(r);
}

TEST_F(CaseLoaderTest, UnknownExpectationKey) {
  auto d = only_diag(R"([[case]]
id = "a.b"
title = "t"
claims = ["c"]
steps = [
  { op = "socket", type = "SOCK_DGRAM" },
  { op = "getsockopt", name = "IP_TTL", expect = { vaule = 64 } },
]
)");
  EXPECT_EQ(d.line, 7);
  EXPECT_TRUE(has(d.message, "'vaule'")) << d.message;
}

TEST_F(CaseLoaderTest, UndefinedVariable) {
  auto d = only_diag(R"([[case]]
id = "a.b"
title = "t"
claims = ["c"]
matrix.v = [1, 2]
steps = [
  { op = "socket", type = "SOCK_DGRAM" },
  { op = "setsockopt", name = "IP_TTL", value = "${w}" },
]
)");
  EXPECT_EQ(d.line, 8);
  EXPECT_TRUE(has(d.message, "undefined variable '${w}'")) << d.message;
}

TEST_F(CaseLoaderTest, UndefinedVariableInExpect) {
  auto d = only_diag(R"([[case]]
id = "a.b"
title = "t"
claims = ["c"]
steps = [
  { op = "socket", type = "SOCK_DGRAM" },
  { op = "getsockname", expect = { addr = { addr = "${dut_adr}" } } },
]
)");
  EXPECT_EQ(d.line, 7);
  EXPECT_TRUE(has(d.message, "undefined variable '${dut_adr}'")) << d.message;
}

TEST_F(CaseLoaderTest, HandleUsedBeforeSocket) {
  auto d = only_diag(R"([[case]]
id = "a.b"
title = "t"
claims = ["c"]
steps = [
  { op = "socket", type = "SOCK_STREAM", handle = "l" },
  { op = "listen", handle = "l" },
  { op = "getsockname", handle = "c" },
]
)");
  EXPECT_EQ(d.line, 8);
  EXPECT_TRUE(has(d.message, "handle 'c'")) << d.message;
}

TEST_F(CaseLoaderTest, DefaultHandleNeedsASocketToo) {
  auto d = only_diag(R"([[case]]
id = "a.b"
title = "t"
claims = ["c"]
steps = [
  { op = "socket", type = "SOCK_DGRAM", handle = "u" },
  { op = "close" },
]
)");
  EXPECT_EQ(d.line, 7);
  EXPECT_TRUE(has(d.message, "handle 's'")) << d.message;
}

TEST_F(CaseLoaderTest, AcceptCreatesItsNewHandle) {
  auto r = load(R"([[case]]
id = "a.b"
title = "t"
claims = ["c"]
steps = [
  { op = "socket", type = "SOCK_STREAM", handle = "l" },
  { op = "listen", handle = "l" },
  { op = "accept", handle = "l", new = "conn", expect = { errno = "EAGAIN" } },
  { op = "close", handle = "conn" },
  { op = "sysctl", path = "net.ipv4.ip_default_ttl" },
]
)");
  EXPECT_TRUE(r.diagnostics.empty()) << dump(r);
  EXPECT_EQ(r.cases.size(), 1u);
}

TEST_F(CaseLoaderTest, AcceptOnAnUnknownHandle) {
  auto d = only_diag(R"([[case]]
id = "a.b"
title = "t"
claims = ["c"]
steps = [
  { op = "accept", handle = "l" },
]
)");
  EXPECT_EQ(d.line, 6);
  EXPECT_TRUE(has(d.message, "handle 'l'")) << d.message;
}

TEST_F(CaseLoaderTest, UnknownClaimWhenCatalogueIsGiven) {
  const std::string text = R"([[case]]
id = "a.b"
title = "t"
claims = ["opt.IP_TTL", "opt.IP_TTTL"]
steps = [{ op = "socket", type = "SOCK_DGRAM" }]
)";
  LoadOptions opts;
  opts.known_claims = {"opt.IP_TTL", "opt.IP_TOS"};
  auto d = only_diag(text, opts);
  EXPECT_EQ(d.line, 1);
  EXPECT_TRUE(has(d.message, "unknown claim 'opt.IP_TTTL'")) << d.message;
  // Without a catalogue, claims are not checked.
  auto r = load(text);
  EXPECT_TRUE(r.diagnostics.empty()) << dump(r);
  EXPECT_EQ(r.cases.size(), 1u);
}

TEST_F(CaseLoaderTest, KnownClaimsPass) {
  LoadOptions opts;
  opts.known_claims = {"opt.IP_TTL"};
  auto r = load(R"([[case]]
id = "a.b"
title = "t"
claims = ["opt.IP_TTL"]
steps = [{ op = "socket", type = "SOCK_DGRAM" }]
)", opts);
  EXPECT_TRUE(r.diagnostics.empty()) << dump(r);
}

TEST_F(CaseLoaderTest, DuplicateIdAcrossTwoFiles) {
  write("a.toml", R"([[case]]
id = "dup.case"
title = "first"
claims = ["c"]
steps = [{ op = "socket", type = "SOCK_DGRAM" }]
)");
  write("b.toml", R"([[case]]
id = "other.case"
title = "other"
claims = ["c"]
steps = [{ op = "socket", type = "SOCK_DGRAM" }]

[[case]]
id = "dup.case"
title = "second"
claims = ["c"]
steps = [{ op = "socket", type = "SOCK_DGRAM" }]
)");
  auto r = load_paths({dir_}, {});
  EXPECT_EQ(r.files, 2u);
  EXPECT_EQ(ids(r), (std::vector<std::string>{"dup.case", "other.case"}));
  EXPECT_EQ(r.cases[0].title, "first");  // the first one loaded is kept
  ASSERT_EQ(r.diagnostics.size(), 1u) << dump(r);
  const auto& d = r.diagnostics[0];
  EXPECT_EQ(d.file, (dir_ / "b.toml").lexically_normal().string());
  EXPECT_EQ(d.line, 7);
  EXPECT_TRUE(has(d.message, "duplicate case id 'dup.case'")) << d.message;
  EXPECT_TRUE(has(d.message, "a.toml:1")) << d.message;
}

TEST_F(CaseLoaderTest, DirectoriesAreLoadedRecursivelyTomlOnly) {
  const std::string one = R"([[case]]
id = "ID"
title = "t"
claims = ["c"]
steps = [{ op = "socket", type = "SOCK_DGRAM" }]
)";
  auto with_id = [&](const std::string& id) {
    auto s = one;
    s.replace(s.find("ID"), 2, id);
    return s;
  };
  write("top.toml", with_id("x.top"));
  write("sub/deeper/inner.toml", with_id("x.inner"));
  write("notes.txt", "not toml at all [[[");
  write("sub/readme.md", "# nothing");
  auto r = load_paths({dir_}, {});
  EXPECT_TRUE(r.diagnostics.empty()) << dump(r);
  EXPECT_EQ(r.files, 2u);
  EXPECT_EQ(ids(r), (std::vector<std::string>{"x.inner", "x.top"}));
}

TEST_F(CaseLoaderTest, BadCaseDoesNotStopTheFilesOtherCases) {
  auto r = load(R"([[case]]
id = "good.one"
title = "t"
claims = ["c"]
steps = [{ op = "socket", type = "SOCK_DGRAM" }]

[[case]]
id = "bad.one"
title = "t"
claims = ["c"]
steps = [{ op = "sockit", type = "SOCK_DGRAM" }]

[[case]]
id = "bad.two"
title = "t"
claims = ["c"]
colour = "red"
steps = [{ op = "socket", type = "SOCK_DGRAM" }]

[[case]]
id = "good.two"
title = "t"
claims = ["c"]
steps = [{ op = "socket", type = "SOCK_DGRAM" }]
)");
  EXPECT_EQ(ids(r), (std::vector<std::string>{"good.one", "good.two"}));
  ASSERT_EQ(r.diagnostics.size(), 2u) << dump(r);
  EXPECT_EQ(r.diagnostics[0].line, 11);
  EXPECT_TRUE(has(r.diagnostics[0].message, "unknown op 'sockit'")) << r.diagnostics[0].message;
  EXPECT_EQ(r.diagnostics[1].line, 17);
  EXPECT_TRUE(has(r.diagnostics[1].message, "'colour'")) << r.diagnostics[1].message;
}

TEST_F(CaseLoaderTest, AProblemInEveryInstanceIsReportedOnce) {
  auto r = load(R"([[case]]
id = "a.b"
title = "t"
claims = ["c"]
matrix.v = [1, 2, 3]
steps = [
  { op = "socket", type = "SOCK_DGRAM" },
  { op = "setsockopt", name = "IP_NOPE", value = "${v}" },
]
)");
  EXPECT_TRUE(r.cases.empty());
  ASSERT_EQ(r.diagnostics.size(), 1u) << dump(r);
  EXPECT_EQ(r.diagnostics[0].line, 8);
}

TEST_F(CaseLoaderTest, AProblemInOneInstanceDropsOnlyThatInstance) {
  auto r = load(R"([[case]]
id = "a.b"
title = "t"
claims = ["c"]
matrix.opt = ["IP_TTL", "IP_TLT", "IP_TOS"]
steps = [
  { op = "socket", type = "SOCK_DGRAM" },
  { op = "setsockopt", name = "${opt}", value = 1 },
]
)");
  EXPECT_EQ(ids(r), (std::vector<std::string>{"a.b[opt=IP_TOS]", "a.b[opt=IP_TTL]"}));
  ASSERT_EQ(r.diagnostics.size(), 1u) << dump(r);
  EXPECT_EQ(r.diagnostics[0].line, 8);
  EXPECT_TRUE(has(r.diagnostics[0].message, "[opt=IP_TLT]")) << r.diagnostics[0].message;
  EXPECT_TRUE(has(r.diagnostics[0].message, "IP_TLT")) << r.diagnostics[0].message;
}

// ---- defaults and requirements ----------------------------------------------------------

TEST_F(CaseLoaderTest, DefaultClaimsMerge) {
  auto r = load(R"([defaults]
claims = ["opt.IP_TTL"]

[[case]]
id = "a.with"
title = "t"
claims = ["proc.ip_default_ttl"]
steps = [{ op = "socket", type = "SOCK_DGRAM" }]

[[case]]
id = "a.without"
title = "t"
steps = [{ op = "socket", type = "SOCK_DGRAM" }]
)");
  ASSERT_TRUE(r.diagnostics.empty()) << dump(r);
  ASSERT_EQ(r.cases.size(), 2u);
  EXPECT_EQ(r.cases[0].claims, (std::vector<std::string>{"opt.IP_TTL", "proc.ip_default_ttl"}));
  EXPECT_EQ(r.cases[1].claims, (std::vector<std::string>{"opt.IP_TTL"}));
}

TEST_F(CaseLoaderTest, ClaimInBothDefaultsAndCaseIsListedOnce) {
  // docs/case-format.md's own example cites opt.IP_TTL in [defaults] and in the case.
  auto r = load(R"([defaults]
claims = ["opt.IP_TTL"]

[[case]]
id = "a.b"
title = "t"
claims = ["opt.IP_TTL"]
steps = [{ op = "socket", type = "SOCK_DGRAM" }]
)");
  ASSERT_TRUE(r.diagnostics.empty()) << dump(r);
  ASSERT_EQ(r.cases.size(), 1u);
  EXPECT_EQ(r.cases[0].claims, (std::vector<std::string>{"opt.IP_TTL"}));
}

TEST_F(CaseLoaderTest, DefaultCatalogueCheckCoversDefaultClaims) {
  LoadOptions opts;
  opts.known_claims = {"opt.IP_TTL"};
  auto d = only_diag(R"([defaults]
claims = ["opt.IP_TLL"]

[[case]]
id = "a.b"
title = "t"
claims = ["opt.IP_TTL"]
steps = [{ op = "socket", type = "SOCK_DGRAM" }]
)", opts);
  EXPECT_TRUE(has(d.message, "unknown claim 'opt.IP_TLL'")) << d.message;
}

TEST_F(CaseLoaderTest, RequiresParsing) {
  auto r = load(R"([[case]]
id = "a.b"
title = "t"
claims = ["c"]
requires = { features = ["udplite"], caps_drop = ["CAP_NET_BIND_SERVICE", "CAP_NET_RAW"], kernel = "5.10", sysctl = { "net.ipv4.ip_default_ttl" = "100", "net/ipv4/conf/all/forwarding" = 1 } }
steps = [{ op = "socket", type = "SOCK_DGRAM" }]
)");
  ASSERT_TRUE(r.diagnostics.empty()) << dump(r);
  const auto& n = r.cases.at(0).needs;
  EXPECT_EQ(n.features, (std::vector<std::string>{"udplite"}));
  EXPECT_EQ(n.caps_drop, (std::vector<std::string>{"CAP_NET_BIND_SERVICE", "CAP_NET_RAW"}));
  EXPECT_EQ(n.min_kernel, "5.10");
  ASSERT_EQ(n.sysctls.size(), 2u);
  std::map<std::string, std::string> s(n.sysctls.begin(), n.sysctls.end());
  EXPECT_EQ(s.at("net/ipv4/ip_default_ttl"), "100");   // dotted -> slashed
  EXPECT_EQ(s.at("net/ipv4/conf/all/forwarding"), "1");  // a number is written as its text
}

TEST_F(CaseLoaderTest, NoRequirementsByDefault) {
  auto r = load(R"([[case]]
id = "a.b"
title = "t"
claims = ["c"]
steps = [{ op = "socket", type = "SOCK_DGRAM" }]
)");
  ASSERT_EQ(r.cases.size(), 1u);
  const auto& n = r.cases[0].needs;
  EXPECT_TRUE(n.features.empty());
  EXPECT_TRUE(n.caps_drop.empty());
  EXPECT_TRUE(n.min_kernel.empty());
  EXPECT_TRUE(n.sysctls.empty());
}

TEST_F(CaseLoaderTest, RequiresErrors) {
  auto caps = only_diag(R"([[case]]
id = "a.b"
title = "t"
claims = ["c"]
requires = { caps_drop = ["CAP_NET_BIND"] }
steps = [{ op = "socket", type = "SOCK_DGRAM" }]
)");
  EXPECT_TRUE(has(caps.message, "unknown capability 'CAP_NET_BIND'")) << caps.message;

  auto kernel = only_diag(R"([[case]]
id = "a.b"
title = "t"
claims = ["c"]
requires = { kernel = "5.x" }
steps = [{ op = "socket", type = "SOCK_DGRAM" }]
)");
  EXPECT_TRUE(has(kernel.message, "requires.kernel '5.x'")) << kernel.message;

  auto sysctl = only_diag(R"([[case]]
id = "a.b"
title = "t"
claims = ["c"]
requires = { sysctl = { "kernel.hostname" = "x" } }
steps = [{ op = "socket", type = "SOCK_DGRAM" }]
)");
  EXPECT_TRUE(has(sysctl.message, "kernel.hostname") && has(sysctl.message, "net/")) << sysctl.message;

  auto key = only_diag(R"([[case]]
id = "a.b"
title = "t"
claims = ["c"]
requires = { kernels = "5.10" }
steps = [{ op = "socket", type = "SOCK_DGRAM" }]
)");
  EXPECT_EQ(key.line, 5);
  EXPECT_TRUE(has(key.message, "unknown key 'kernels' in requires")) << key.message;
}

TEST_F(CaseLoaderTest, KernelVersionFormats) {
  for (const char* ok : {"5", "5.10", "6.1.0"}) {
    auto r = load(std::string("[[case]]\nid = \"a.b\"\ntitle = \"t\"\nclaims = [\"c\"]\nrequires = { kernel = \"") +
                  ok + "\" }\nsteps = [{ op = \"socket\", type = \"SOCK_DGRAM\" }]\n");
    EXPECT_TRUE(r.diagnostics.empty()) << ok << ": " << dump(r);
  }
  for (const char* bad : {"", "v5.10", "5.10-rc1", "5.", ".5", "5..10"}) {
    auto r = load(std::string("[[case]]\nid = \"a.b\"\ntitle = \"t\"\nclaims = [\"c\"]\nrequires = { kernel = \"") +
                  bad + "\" }\nsteps = [{ op = \"socket\", type = \"SOCK_DGRAM\" }]\n");
    EXPECT_EQ(r.diagnostics.size(), 1u) << bad;
    EXPECT_TRUE(r.cases.empty()) << bad;
  }
}

TEST_F(CaseLoaderTest, SysctlRequirementCannotEscapeNet) {
  auto d = only_diag(R"([[case]]
id = "a.b"
title = "t"
claims = ["c"]
requires = { sysctl = { "net/../kernel/core_pattern" = "x" } }
steps = [{ op = "socket", type = "SOCK_DGRAM" }]
)");
  EXPECT_TRUE(has(d.message, "net/")) << d.message;
}

TEST_F(CaseLoaderTest, DefaultRequiresMerge) {
  auto r = load(R"([defaults]
claims = ["c"]
requires = { features = ["sctp"], kernel = "5.4", sysctl = { "net.ipv4.ip_default_ttl" = "10", "net.ipv4.ip_forward" = "0" } }

[[case]]
id = "a.b"
title = "t"
requires = { features = ["udplite"], kernel = "6.1", sysctl = { "net.ipv4.ip_default_ttl" = "20" } }
steps = [{ op = "socket", type = "SOCK_DGRAM" }]

[[case]]
id = "a.c"
title = "t"
steps = [{ op = "socket", type = "SOCK_DGRAM" }]
)");
  ASSERT_TRUE(r.diagnostics.empty()) << dump(r);
  ASSERT_EQ(r.cases.size(), 2u);
  const auto& b = r.cases[0].needs;
  EXPECT_EQ(b.features, (std::vector<std::string>{"sctp", "udplite"}));
  EXPECT_EQ(b.min_kernel, "6.1");
  std::map<std::string, std::string> s(b.sysctls.begin(), b.sysctls.end());
  EXPECT_EQ(s, (std::map<std::string, std::string>{{"net/ipv4/ip_default_ttl", "20"}, {"net/ipv4/ip_forward", "0"}}));
  const auto& c = r.cases[1].needs;
  EXPECT_EQ(c.features, (std::vector<std::string>{"sctp"}));
  EXPECT_EQ(c.min_kernel, "5.4");
}

TEST_F(CaseLoaderTest, RequiresMayUseMatrixVariables) {
  auto r = load(R"([[case]]
id = "a.b"
title = "t"
claims = ["c"]
matrix.ttl = ["1", "255"]
requires = { sysctl = { "net.ipv4.ip_default_ttl" = "${ttl}" } }
steps = [{ op = "socket", type = "SOCK_DGRAM" }]
)");
  ASSERT_TRUE(r.diagnostics.empty()) << dump(r);
  ASSERT_EQ(r.cases.size(), 2u);
  EXPECT_EQ(r.cases[0].needs.sysctls.at(0).second, "1");
  EXPECT_EQ(r.cases[1].needs.sysctls.at(0).second, "255");
}

// ---- matrix and exclude ------------------------------------------------------------------

TEST_F(CaseLoaderTest, ExcludeDropsInstances) {
  auto r = load(R"([[case]]
id = "a.b"
title = "${type} ${len}"
claims = ["c"]
matrix.type = ["SOCK_DGRAM", "SOCK_RAW"]
matrix.len = [0, 4]
exclude = [{ type = "SOCK_RAW", len = 0 }]
steps = [{ op = "socket", type = "${type}" }]
)");
  ASSERT_TRUE(r.diagnostics.empty()) << dump(r);
  EXPECT_EQ(ids(r), (std::vector<std::string>{"a.b[len=0,type=SOCK_DGRAM]", "a.b[len=4,type=SOCK_DGRAM]",
                                              "a.b[len=4,type=SOCK_RAW]"}));
  EXPECT_EQ(r.cases[2].title, "SOCK_RAW 4");
  EXPECT_EQ(r.cases[2].params, (json{{"len", 4}, {"type", "SOCK_RAW"}}));
}

TEST_F(CaseLoaderTest, ExcludeUnknownAxisIsRejected) {
  auto d = only_diag(R"([[case]]
id = "a.b"
title = "t"
claims = ["c"]
matrix.type = ["SOCK_DGRAM", "SOCK_RAW"]
exclude = [{ typ = "SOCK_RAW" }]
steps = [{ op = "socket", type = "${type}" }]
)");
  EXPECT_EQ(d.line, 1);
  EXPECT_TRUE(has(d.message, "'a.b'") && has(d.message, "'typ'")) << d.message;
}

TEST_F(CaseLoaderTest, MalformedMatrixIsRejected) {
  auto d = only_diag(R"([[case]]
id = "a.b"
title = "t"
claims = ["c"]
matrix.sock = [{ type = "SOCK_DGRAM" }]
steps = [{ op = "socket", type = "${sock.type}" }]
)");
  EXPECT_TRUE(has(d.message, "'sock'") && has(d.message, "name")) << d.message;
  auto e = only_diag(R"([[case]]
id = "a.b"
title = "t"
claims = ["c"]
matrix.v = []
steps = [{ op = "socket", type = "SOCK_DGRAM" }]
)");
  EXPECT_TRUE(has(e.message, "'v'")) << e.message;
  auto m = only_diag(R"([[case]]
id = "a.b"
title = "t"
claims = ["c"]
matrix = ["SOCK_DGRAM"]
steps = [{ op = "socket", type = "SOCK_DGRAM" }]
)");
  EXPECT_EQ(m.line, 5);
  EXPECT_TRUE(has(m.message, "'matrix'")) << m.message;
}

TEST_F(CaseLoaderTest, TableAxisFieldsAreReachable) {
  auto r = load(R"([[case]]
id = "a.b"
title = "${sock.name}: ${sock.type}"
claims = ["c"]
matrix.sock = [
  { name = "udp", type = "SOCK_DGRAM", protocol = 0 },
  { name = "raw", type = "SOCK_RAW", protocol = "IPPROTO_UDP" },
]
steps = [{ op = "socket", type = "${sock.type}", protocol = "${sock.protocol}" }]
)");
  ASSERT_TRUE(r.diagnostics.empty()) << dump(r);
  ASSERT_EQ(ids(r), (std::vector<std::string>{"a.b[sock=raw]", "a.b[sock=udp]"}));
  EXPECT_EQ(r.cases[0].title, "raw: SOCK_RAW");
  EXPECT_EQ(r.cases[0].steps[0].call["protocol"], "IPPROTO_UDP");
  EXPECT_EQ(r.cases[1].steps[0].call["protocol"], 0);
  EXPECT_EQ(r.cases[1].params, (json{{"sock", "udp"}}));
}

// ---- save ----------------------------------------------------------------------------

TEST_F(CaseLoaderTest, SavedVariableIsUsableInLaterSteps) {
  auto r = load(R"([[case]]
id = "a.b"
title = "t"
claims = ["c"]
steps = [
  { op = "socket", type = "SOCK_DGRAM" },
  { op = "bind", addr = "${dut_addr}" },
  { op = "getsockname", save = { port = "addr.port" }, volatile = ["addr.port"] },
  { op = "socket", type = "SOCK_DGRAM", handle = "t" },
  { op = "bind", handle = "t", addr = "${dut_addr}", port = "${port}", expect = { errno = "EADDRINUSE" } },
]
)");
  ASSERT_TRUE(r.diagnostics.empty()) << dump(r);
  ASSERT_EQ(r.cases.size(), 1u);
  const auto& steps = r.cases[0].steps;
  ASSERT_EQ(steps.size(), 5u);
  EXPECT_EQ(steps[2].save, (std::map<std::string, Save>{{"port", Save{"addr.port", 0, false}}}));
  EXPECT_FALSE(steps[2].call.contains("save"));
  EXPECT_FALSE(steps[2].call.contains("volatile"));
  EXPECT_EQ(steps[4].call["port"], "${port}");  // resolved at run time
}

TEST_F(CaseLoaderTest, SaveWithAnOffsetFeedsInjectedFieldsAndLaterMatches) {
  auto r = load(R"([[case]]
id = "a.b"
title = "t"
claims = ["c"]
steps = [
  { op = "inject", frame = [{ layer = "Ether" }, { layer = "IP" }, { layer = "TCP", sport = 20000, dport = 5000, flags = "S", seq = 1000 }] },
  { op = "expect_packet", match = { TCP = { flags = 18, ack = 1001 } }, save = { isn = "packet.TCP.seq", isn1 = { from = "packet.TCP.seq", add = 1 }, back = { from = "packet.TCP.seq", add = -1 } } },
  { op = "inject", frame = [{ layer = "Ether" }, { layer = "IP" }, { layer = "TCP", sport = 20000, dport = 5000, flags = "A", seq = 1001, ack = "${isn1}" }] },
  { op = "expect_packet", match = { TCP = { seq = "${isn1}", ack = "${isn}" } }, expect = { packet = { TCP = { seq = "${isn1}" } } } },
]
)");
  ASSERT_TRUE(r.diagnostics.empty()) << dump(r);
  ASSERT_EQ(r.cases.size(), 1u);
  const auto& steps = r.cases[0].steps;
  EXPECT_EQ(steps[1].save.at("isn"), (Save{"packet.TCP.seq", 0, false}));
  EXPECT_EQ(steps[1].save.at("isn1"), (Save{"packet.TCP.seq", 1, true}));
  EXPECT_EQ(steps[1].save.at("back"), (Save{"packet.TCP.seq", -1, true}));
  EXPECT_FALSE(steps[1].call.contains("save"));
  // Resolved at run time, to the saved value with its type.
  const json vars = {{"isn", 4294967295LL}, {"isn1", 0}};
  const auto inject = substitute(steps[2].call, vars);
  EXPECT_EQ(inject["frame"][2]["ack"], 0);
  const auto match = substitute(steps[3].call, vars);
  EXPECT_EQ(match["match"]["TCP"]["seq"], 0);
  EXPECT_EQ(match["match"]["TCP"]["ack"], 4294967295LL);
  EXPECT_EQ(substitute(*steps[3].expect, vars)["packet"]["TCP"]["seq"], 0);
}

TEST_F(CaseLoaderTest, FieldsOfASavedTableOrArrayAreResolvedAtRunTime) {
  auto r = load(R"([[case]]
id = "a.b"
title = "t"
claims = ["c"]
steps = [
  { op = "expect_packet", match = { TCP = { flags = 18 } }, save = { opts = "packet.TCP.options" } },
  { op = "inject", frame = [{ layer = "Ether" }, { layer = "IP" }, { layer = "TCP", flags = "A", options = [{ type = "Timestamp", value = [1, "${opts.3.value.0}"] }] }] },
]
)");
  ASSERT_TRUE(r.diagnostics.empty()) << dump(r);
  const json vars = {{"opts", json::array({json::object(), json::object(), json::object(),
                                           {{"type", "Timestamp"}, {"value", {77, 1}}}})}};
  EXPECT_EQ(substitute(r.cases[0].steps[1].call, vars)["frame"][2]["options"][0]["value"], (json{1, 77}));
  // A name no step saves is still undefined.
  auto d = only_diag(R"([[case]]
id = "a.b"
title = "t"
claims = ["c"]
steps = [
  { op = "expect_packet", match = { TCP = { flags = 18 } }, save = { opts = "packet.TCP.options" } },
  { op = "inject", frame = [{ layer = "TCP", ack = "${other.3}" }] },
]
)");
  EXPECT_TRUE(has(d.message, "undefined variable '${other.3}'")) << d.message;
}

TEST_F(CaseLoaderTest, MalformedSaveOffsets) {
  for (const char* bad : {R"({ isn = { from = "packet.TCP.seq", add = "1" } })",
                          R"({ isn = { from = "packet.TCP.seq", add = 1.5 } })",
                          R"({ isn = { from = "packet.TCP.seq" } })",
                          R"({ isn = { add = 1 } })",
                          R"({ isn = { from = "packet.TCP.seq", add = 1, times = 2 } })",
                          R"({ isn = 7 })"}) {
    SCOPED_TRACE(bad);
    auto d = only_diag(std::string(R"([[case]]
id = "a.b"
title = "t"
claims = ["c"]
steps = [
  { op = "expect_packet", match = { TCP = { flags = 18 } }, save = )") + bad + R"( },
]
)");
    EXPECT_EQ(d.line, 6);
    EXPECT_TRUE(has(d.message, "save.isn")) << d.message;
  }
}

TEST(SavedValue, FieldsAndOffsetsModulo2To32) {
  const json obs = {{"ret", 0},
                    {"addr", {{"port", 40000}}},
                    {"packet", {{"TCP", {{"seq", 4294967295LL}, {"ack", 0}, {"flags", 18}}}, {"IP", {{"src", "192.0.2.1"}}}}}};
  EXPECT_EQ(saved_value(obs, {"addr.port", 0, false}), 40000);
  EXPECT_EQ(saved_value(obs, {"packet.IP", 0, false}), (json{{"src", "192.0.2.1"}}));  // a table stays one
  EXPECT_EQ(saved_value(obs, {"packet.TCP.seq", 1, true}), 0);
  EXPECT_EQ(saved_value(obs, {"packet.TCP.seq", 0, true}), 4294967295LL);
  EXPECT_EQ(saved_value(obs, {"packet.TCP.ack", -1, true}), 4294967295LL);
  EXPECT_EQ(saved_value(obs, {"packet.TCP.ack", 1460, true}), 1460);
  EXPECT_EQ(saved_value(obs, {"packet.TCP.ack", (std::int64_t{1} << 32) + 5, true}), 5);
  EXPECT_EQ(saved_value(obs, {"packet.TCP.ack", -(std::int64_t{3} << 32) - 1, true}), 4294967295LL);
  EXPECT_EQ(saved_value(obs, {"packet.TCP.seq", INT64_MAX, true}), (4294967295LL + INT64_MAX % (1LL << 32)) % (1LL << 32));
  // An unsigned value, as the decoder may store it.
  EXPECT_EQ(saved_value(json{{"v", 4294967290ULL}}, {"v", 10, true}), 4);
  EXPECT_THROW(saved_value(obs, {"packet.TCP.urgptr", 1, true}), std::invalid_argument);  // absent
  EXPECT_THROW(saved_value(obs, {"packet.IP.src", 1, true}), std::invalid_argument);      // not an integer
  EXPECT_THROW(saved_value(json{{"v", -1}}, {"v", 1, true}), std::invalid_argument);
  EXPECT_THROW(saved_value(json{{"v", 1LL << 32}}, {"v", 1, true}), std::invalid_argument);
  EXPECT_THROW(saved_value(json{{"v", 1.5}}, {"v", 1, true}), std::invalid_argument);
  EXPECT_THROW(saved_value(obs, {"nothing", 0, false}), std::invalid_argument);
}

TEST(SavedValue, PathsIndexArrays) {
  // The TSval of a SYN-ACK, to echo: options[2] is the Timestamp.
  const json obs = {{"packet",
                     {{"TCP",
                       {{"options",
                         {{{"type", "MSS"}, {"value", 1460}},
                          {{"type", "SAckOK"}, {"value", ""}},
                          {{"type", "Timestamp"}, {"value", {4294967295LL, 100}}}}}}}}}};
  EXPECT_EQ(saved_value(obs, {"packet.TCP.options.2.value.0", 0, false}), 4294967295LL);
  EXPECT_EQ(saved_value(obs, {"packet.TCP.options.2.value.0", 1, true}), 0);
  EXPECT_EQ(saved_value(obs, {"packet.TCP.options.0", 0, false}), (json{{"type", "MSS"}, {"value", 1460}}));
  EXPECT_THROW(saved_value(obs, {"packet.TCP.options.3.value", 0, false}), std::invalid_argument);
  EXPECT_THROW(saved_value(obs, {"packet.TCP.options.x", 0, false}), std::invalid_argument);
  EXPECT_THROW(saved_value(obs, {"packet.TCP.options.-1", 0, false}), std::invalid_argument);
  // Substitution reaches into arrays the same way.
  EXPECT_EQ(substitute(json("${v.1}"), json{{"v", {7, 8}}}), 8);
}

TEST_F(CaseLoaderTest, SavedVariableIsNotUsableBeforeItsStep) {
  auto d = only_diag(R"([[case]]
id = "a.b"
title = "t"
claims = ["c"]
steps = [
  { op = "socket", type = "SOCK_DGRAM" },
  { op = "connect", addr = "${peer_addr}", port = "${port}" },
  { op = "getsockname", save = { port = "addr.port" } },
]
)");
  EXPECT_EQ(d.line, 7);
  EXPECT_TRUE(has(d.message, "undefined variable '${port}'")) << d.message;
}

TEST_F(CaseLoaderTest, MalformedSaveAndVolatile) {
  auto s = only_diag(R"([[case]]
id = "a.b"
title = "t"
claims = ["c"]
steps = [
  { op = "socket", type = "SOCK_DGRAM" },
  { op = "getsockname", save = "addr.port" },
]
)");
  EXPECT_EQ(s.line, 7);
  EXPECT_TRUE(has(s.message, "'save'")) << s.message;
  auto v = only_diag(R"([[case]]
id = "a.b"
title = "t"
claims = ["c"]
steps = [
  { op = "socket", type = "SOCK_DGRAM" },
  { op = "getsockname", volatile = "addr.port" },
]
)");
  EXPECT_EQ(v.line, 7);
  EXPECT_TRUE(has(v.message, "'volatile'")) << v.message;
}

}  // namespace
}  // namespace ipc::oracle
