#include <cstdio>
#include <regex>

#include <gtest/gtest.h>

#include "fixtures.hpp"

namespace ipc::reports::testing {
namespace {

// The attribute of the first element named `tag` that has name="..." (or the
// first such element when name is empty).
std::string attribute(const std::string& xml, const std::string& tag, const std::string& name, const std::string& key) {
  std::regex element("<" + tag + "\\b[^>]*>");
  for (std::sregex_iterator it(xml.begin(), xml.end(), element), end; it != end; ++it) {
    std::string e = it->str();
    if (!name.empty() && e.find("name=\"" + name + "\"") == std::string::npos) continue;
    std::smatch m;
    if (std::regex_search(e, m, std::regex("\\s" + key + "=\"([^\"]*)\""))) return m[1];
    return "(no " + key + ")";
  }
  return "(no element)";
}

ReportInput every_verdict() {
  ReportInput in{run_json(), {}, {}};
  for (const char* v : {"pass", "fail", "diverge", "xfail", "xpass", "skip", "error"}) {
    auto r = record(std::string("sockopt.ip_ttl.") + v + "[value=0]", "kernel", v);
    r["duration_ms"] = 1.5;
    in.results.push_back(r);
  }
  in.results[1]["failures"] = json::array({failure(1, "errno", "EINVAL", nullptr)});
  in.results[2]["diffs"] = json::array({diff(1, "errno", "EINVAL", "ENOPROTOOPT")});
  in.results[3]["failures"] = json::array({failure(1, "errno", "EINVAL", "EPERM")});
  in.results[3]["reason"] = "issue 12";
  in.results[4]["reason"] = "issue 13";
  in.results[5]["reason"] = "needs CAP_NET_RAW";
  in.results[6]["reason"] = "probe timed out after 5 s";
  in.results.push_back(record("sockopt.ip_ttl.pass[value=0]", "stack", "pass"));
  in.results.push_back(record("sockopt.ip_ttl.fail[value=0]", "stack", "fail"));
  return in;
}

TEST(Junit, CountsPerSuiteAndTotal) {
  auto file = temp_dir() / "junit.xml";
  write_junit(every_verdict(), file);
  std::string xml = slurp(file);
  EXPECT_EQ(xml.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites", 0), 0u);
  EXPECT_EQ(attribute(xml, "testsuites", "", "tests"), "9");
  EXPECT_EQ(attribute(xml, "testsuites", "", "failures"), "4");
  EXPECT_EQ(attribute(xml, "testsuites", "", "errors"), "1");
  EXPECT_EQ(attribute(xml, "testsuites", "", "skipped"), "1");
  EXPECT_EQ(attribute(xml, "testsuites", "", "time"), "62.000000");  // wall time from run.json
  EXPECT_EQ(attribute(xml, "testsuite", "ipconform.kernel", "tests"), "7");
  EXPECT_EQ(attribute(xml, "testsuite", "ipconform.kernel", "failures"), "3");
  EXPECT_EQ(attribute(xml, "testsuite", "ipconform.kernel", "time"), "0.010500");
  EXPECT_EQ(attribute(xml, "testsuite", "ipconform.stack", "tests"), "2");
  EXPECT_EQ(attribute(xml, "testsuite", "ipconform.stack", "failures"), "1");
  EXPECT_EQ(attribute(xml, "testsuite", "ipconform.stack", "errors"), "0");
  EXPECT_EQ(count(xml, "<testcase "), 9u);
  EXPECT_LT(xml.find("ipconform.kernel"), xml.find("ipconform.stack"));
  EXPECT_NE(xml.find("<property name=\"release\" value=\"6.1.0-18-amd64\"/>"), std::string::npos);
}

TEST(Junit, VerdictMapping) {
  auto file = temp_dir() / "junit.xml";
  write_junit(every_verdict(), file);
  std::string xml = slurp(file);
  auto testcase = [&](const std::string& verdict) {
    std::string name = "name=\"sockopt.ip_ttl." + verdict + "[value=0]\"";
    auto start = xml.rfind("<testcase ", xml.find(name));
    auto self_closing = xml.find("/>\n", start), open_end = xml.find(">\n", start);
    if (self_closing <= open_end) return xml.substr(start, self_closing + 2 - start);
    return xml.substr(start, xml.find("</testcase>", start) + 11 - start);
  };
  std::string pass = testcase("pass");
  EXPECT_NE(pass.find("classname=\"kernel.sockopt.ip_ttl\""), std::string::npos) << pass;
  EXPECT_NE(pass.find("time=\"0.001500\"/>"), std::string::npos) << pass;

  std::string fail = testcase("fail");
  EXPECT_NE(fail.find("<failure message=\"step 2 (setsockopt(s, IPPROTO_IP, IP_TTL, int 0, 4)) errno: expected "
                      "EINVAL, got null\" type=\"fail\">"),
            std::string::npos)
      << fail;
  EXPECT_NE(fail.find("failures (observed vs expect):\n  step 2"), std::string::npos) << fail;

  std::string diverge = testcase("diverge");
  EXPECT_NE(diverge.find("type=\"diverge\""), std::string::npos) << diverge;
  EXPECT_NE(diverge.find("errno: kernel EINVAL, kernel ENOPROTOOPT"), std::string::npos) << diverge;

  std::string xfail = testcase("xfail");
  EXPECT_EQ(xfail.find("<failure"), std::string::npos) << xfail;
  EXPECT_NE(xfail.find("<system-out>expected failure (listed in the baseline): issue 12"), std::string::npos) << xfail;

  std::string xpass = testcase("xpass");
  EXPECT_NE(xpass.find("<failure message=\"passed, but the baseline lists it as failing: issue 13\" type=\"xpass\">"),
            std::string::npos)
      << xpass;

  std::string skip = testcase("skip");
  EXPECT_NE(skip.find("<skipped message=\"needs CAP_NET_RAW\"/>"), std::string::npos) << skip;

  std::string error = testcase("error");
  EXPECT_NE(error.find("<error message=\"probe timed out after 5 s\" type=\"error\">"), std::string::npos) << error;
}

TEST(Junit, UnknownVerdictIsAnError) {
  ReportInput in{run_json(), {record("a", "kernel", "maybe")}, {}};
  auto file = temp_dir() / "junit.xml";
  write_junit(in, file);
  std::string xml = slurp(file);
  EXPECT_NE(xml.find("<error message=\"unknown verdict &quot;maybe&quot;\""), std::string::npos) << xml;
  EXPECT_EQ(attribute(xml, "testsuites", "", "errors"), "1");
}

TEST(Junit, EscapesIdsAndDropsControlCharacters) {
  std::string id = std::string("odd<&\"'>") + '\x01' + "id[v=\x7f]";
  auto r = record(id, "kernel", "fail");
  r["failures"] = json::array({failure(0, "data", "a<b", std::string("\x02]]>"))});
  ReportInput in{run_json(), {r}, {}};
  auto file = temp_dir() / "junit.xml";
  write_junit(in, file);
  std::string xml = slurp(file);
  EXPECT_NE(xml.find("name=\"odd&lt;&amp;&quot;&apos;&gt;\\x01id[v=\\x7f]\""), std::string::npos) << xml;
  EXPECT_NE(xml.find("classname=\"kernel.odd&lt;&amp;&quot;&apos;&gt;\\x01id\""), std::string::npos) << xml;
  EXPECT_NE(xml.find("data: expected \"a&lt;b\", got \"\\u0002]]&gt;\""), std::string::npos) << xml;
  for (unsigned char c : xml) EXPECT_TRUE(c >= 0x20 || c == '\n' || c == '\t') << int(c);
}

TEST(Junit, DeterministicRegardlessOfInstanceOrder) {
  auto in = every_verdict();
  auto dir = temp_dir();
  write_junit(in, dir / "a.xml");
  std::reverse(in.results.begin(), in.results.end());
  write_junit(in, dir / "b.xml");
  EXPECT_EQ(slurp(dir / "a.xml"), slurp(dir / "b.xml"));
}

int run(const std::string& command, std::string* out = nullptr) {
  FILE* p = popen(command.c_str(), "r");
  if (!p) return -1;
  char buf[4096];
  std::size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0)
    if (out) out->append(buf, n);
  return pclose(p);
}

TEST(Junit, XmllintAcceptsIt) {
  if (!std::filesystem::exists("/usr/bin/xmllint")) GTEST_SKIP() << "xmllint is not installed";
  auto in = every_verdict();
  auto odd = record(std::string("odd<&\"'>") + '\x01' + "\xff" + "id", "kernel", "error");
  odd["reason"] = std::string("broke \x1b[31m red & <bold>\r\n");
  in.results.push_back(odd);
  auto file = temp_dir() / "junit.xml";
  write_junit(in, file);
  EXPECT_EQ(run("/usr/bin/xmllint --noout " + file.string() + " 2>&1"), 0);
  std::string schema = std::string(REPORTS_TEST_DATA) + "/junit.xsd";
  std::string log;
  EXPECT_EQ(run("/usr/bin/xmllint --noout --schema " + schema + " " + file.string() + " 2>&1", &log), 0) << log;
  std::string n;
  run("/usr/bin/xmllint --xpath 'count(//testsuite[@name=\"ipconform.kernel\"]/testcase)' " + file.string(), &n);
  EXPECT_EQ(n, "8\n");
  n.clear();
  run("/usr/bin/xmllint --xpath 'count(//testcase/failure)' " + file.string(), &n);
  EXPECT_EQ(n, "4\n");
}

TEST(Junit, EmptyInputIsValid) {
  auto file = temp_dir() / "junit.xml";
  write_junit(ReportInput{}, file);
  std::string xml = slurp(file);
  EXPECT_NE(xml.find("<testsuites name=\"ipconform\" tests=\"0\""), std::string::npos) << xml;
  if (std::filesystem::exists("/usr/bin/xmllint")) {
    EXPECT_EQ(run("/usr/bin/xmllint --noout " + file.string() + " 2>&1"), 0);
  }
}

}  // namespace
}  // namespace ipc::reports::testing
