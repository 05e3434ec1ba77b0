#include <regex>

#include <gtest/gtest.h>

#include "fixtures.hpp"

namespace ipc::reports::testing {
namespace {

std::vector<Claim> catalogue() {
  return {
      {"opt.IP_TTL", "option", "IP_TTL", "Set or retrieve the current time-to-live field."},
      {"opt.IP_TTL.default", "option", "IP_TTL default", "The default is 64 <per> route."},
      {"opt.IP_TOS", "option", "IP_TOS", "Set or receive the Type-Of-Service field."},
      {"sock.create", "socket", "socket()", "An IPv4 socket is created with socket(2)."},
  };
}

ReportInput sample() {
  ReportInput in{run_json(), {}, catalogue()};
  auto k = record("sockopt.ip_ttl.set[type=SOCK_DGRAM,value=0]", "kernel", "pass");
  k["doc"] = "divergent";
  k["doc_failures"] = json::array({failure(1, "errno", "EPERM", "EINVAL")});
  auto s = record("sockopt.ip_ttl.set[type=SOCK_DGRAM,value=0]", "stack", "fail");
  s["observations"][1] = {{"ret", -1}, {"errno", "ENOPROTOOPT"}};
  s["failures"] = json::array({failure(1, "errno", "EINVAL", "ENOPROTOOPT")});
  s["diffs"] = json::array({diff(1, "errno", "EINVAL", "ENOPROTOOPT")});
  auto d = record("sockopt.ip_ttl.default", "kernel", "pass");
  d["claims"] = json::array({"opt.IP_TTL.default"});
  d["params"] = json::object();
  d["pcap"] = "pcap/sockopt.ip_ttl.default.kernel.pcap";
  auto u = record("misc.thing", "kernel", "pass");
  u["claims"] = json::array({"misc.undocumented.case"});
  in.results = {k, s, d, u};
  return in;
}

std::string html_of(const ReportInput& in) {
  auto dir = temp_dir() / "report";
  write_html(in, dir);
  return slurp(dir / "index.html");
}

// The <tr> with the given id.
std::string row(const std::string& html, const std::string& id) {
  auto start = html.find("<tr id=\"" + id + "\"");
  if (start == std::string::npos) return "(no row " + id + ")";
  return html.substr(start, html.find("</tr>", start) - start);
}

TEST(Html, SelfContainedPage) {
  std::string html = html_of(sample());
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_EQ(html.find("http://"), std::string::npos);
  EXPECT_EQ(html.find("https://"), std::string::npos);
  EXPECT_EQ(html.find("src="), std::string::npos);
  EXPECT_EQ(html.find("fetch("), std::string::npos);
  EXPECT_NE(html.find("<style>"), std::string::npos);
  EXPECT_NE(html.find("<script>"), std::string::npos);
  EXPECT_NE(html.find("default-src 'none'"), std::string::npos);
}

TEST(Html, HeaderNamesKernelReleaseAndTargets) {
  std::string html = html_of(sample());
  auto header = html.substr(0, html.find("</header>"));
  EXPECT_NE(header.find("<dd>ipconform 0.1.0</dd>"), std::string::npos);
  EXPECT_NE(header.find("<dd>2026-11-23T04:30:00Z → 2026-11-23T04:31:02Z</dd>"), std::string::npos) << header;
  EXPECT_NE(header.find("<dt>kernel</dt><dd>6.1.0-18-amd64</dd>"), std::string::npos) << header;
  EXPECT_NE(header.find("<b>kernel</b> (Linux 6.1.0-18-amd64), <b>stack</b> (ipconform-stack)"), std::string::npos)
      << header;
  EXPECT_NE(header.find("<tr><th>kernel (6.1.0-18-amd64)</th><td>3</td>"), std::string::npos) << header;
}

TEST(Html, MatrixHasARowPerClaimAndMarksUncovered) {
  std::string html = html_of(sample());
  for (const auto& c : catalogue()) EXPECT_NE(html.find("<tr id=\"claim-" + c.id + "\""), std::string::npos) << c.id;
  // Groups come by kind in catalogue order: option (IP_TTL, IP_TOS), then socket.
  EXPECT_LT(html.find("id=\"claim-opt.IP_TTL\""), html.find("id=\"claim-opt.IP_TTL.default\""));
  EXPECT_LT(html.find("id=\"claim-opt.IP_TTL.default\""), html.find("id=\"claim-opt.IP_TOS\""));
  EXPECT_LT(html.find("id=\"claim-opt.IP_TOS\""), html.find("id=\"claim-sock.create\""));

  std::string tos = row(html, "claim-opt.IP_TOS");
  EXPECT_NE(tos.find("<td class=\"c-none\" colspan=\"3\">not covered</td>"), std::string::npos) << tos;
  EXPECT_NE(row(html, "claim-sock.create").find("not covered"), std::string::npos);
  EXPECT_NE(html.find("Coverage: <b>2 of 4</b> catalogued claims"), std::string::npos);
  EXPECT_NE(html.find("1 claim named by cases is not in the catalogue"), std::string::npos);
  EXPECT_NE(html.find("option <small>2 / 3 covered</small>"), std::string::npos);
}

TEST(Html, MatrixCountsChildClaimsInGroupRow) {
  std::string html = html_of(sample());
  std::string group = row(html, "claim-opt.IP_TTL");
  // kernel: the set case (claims opt.IP_TTL) and the default case (claims opt.IP_TTL.default).
  EXPECT_NE(group.find("<td class=\"c-ok\"><span class=\"v-pass\">2 pass</span></td>"), std::string::npos) << group;
  EXPECT_NE(group.find("<td class=\"c-bad\"><span class=\"v-fail\">1 fail</span></td>"), std::string::npos) << group;
  EXPECT_NE(group.find("<td class=\"c-doc\"><span class=\"v-pass\">1 conformant</span> <span class=\"docd\">1 "
                       "divergent</span></td>"),
            std::string::npos)
      << group;
  EXPECT_NE(group.find(">2 cases</a>"), std::string::npos) << group;
  std::string child = row(html, "claim-opt.IP_TTL.default");
  EXPECT_NE(child.find("1 pass"), std::string::npos) << child;
  EXPECT_NE(child.find("<td class=\"c-none\">—</td>"), std::string::npos) << child;  // stack ran nothing for it
  EXPECT_NE(child.find("The default is 64 &lt;per&gt; route."), std::string::npos) << child;
  EXPECT_NE(html.find("<tr id=\"claim-misc.undocumented.case\" class=\"sub unc\">"), std::string::npos);
}

TEST(Html, CaseSectionShowsStepsObservationsAndMarks) {
  std::string html = html_of(sample());
  auto start = html.find("<details class=\"case\" id=\"sockopt.ip_ttl.set_type-SOCK_DGRAM_value-0\"");
  ASSERT_NE(start, std::string::npos);
  std::string c = html.substr(start, html.find("</details>", start) - start);
  EXPECT_NE(c.find(" data-u"), std::string::npos);
  EXPECT_NE(c.find(" data-d"), std::string::npos);
  EXPECT_NE(c.find("<span class=\"b v-pass\">kernel pass</span>"), std::string::npos) << c;
  EXPECT_NE(c.find("<span class=\"b v-fail\">stack fail</span>"), std::string::npos) << c;
  EXPECT_NE(c.find("<a href=\"#claim-opt.IP_TTL\"><code>opt.IP_TTL</code></a>"), std::string::npos) << c;
  EXPECT_NE(c.find("params: <code>type=SOCK_DGRAM value=0</code>"), std::string::npos) << c;
  EXPECT_NE(c.find("<td><code>setsockopt(s, IPPROTO_IP, IP_TTL, int 0, 4)</code></td><td><code>errno=EINVAL</code>"),
            std::string::npos)
      << c;
  EXPECT_NE(c.find("<div class=\"dn\">kernel: errno: ip(7) says <code>EPERM</code>, got <code>EINVAL</code></div>"),
            std::string::npos)
      << c;
  EXPECT_NE(c.find("<td class=\"fl df\"><code>ret=-1 errno=ENOPROTOOPT</code><div class=\"fn\">✗ errno: expected "
                   "<code>EINVAL</code>, got <code>ENOPROTOOPT</code></div><div class=\"dfn\">≠ errno: kernel "
                   "<code>EINVAL</code>, stack <code>ENOPROTOOPT</code></div></td>"),
            std::string::npos)
      << c;
  EXPECT_NE(c.find("<td><code>ret=0</code></td>"), std::string::npos) << c;  // errno null is left out
  EXPECT_EQ(c.find("pcap"), std::string::npos);  // no pcap field, no link
}

TEST(Html, PcapLinkOnlyWithField) {
  std::string html = html_of(sample());
  EXPECT_EQ(count(html, ">pcap</a>"), 1u);
  EXPECT_NE(html.find("<a href=\"../pcap/sockopt.ip_ttl.default.kernel.pcap\">pcap</a>"), std::string::npos);
  auto in = sample();
  in.results[2]["pcap"] = "https://example.invalid/x.pcap";  // not a relative path: use the conventional name
  html = html_of(in);
  EXPECT_NE(html.find("<a href=\"../pcap/sockopt.ip_ttl.default.kernel.pcap\">pcap</a>"), std::string::npos);
  EXPECT_EQ(html.find("example.invalid"), std::string::npos);
}

TEST(Html, EscapesEverything) {
  auto in = sample();
  auto r = record("evil.<script>alert(1)</script>[x=\"'&]", "kernel", "error");
  r["title"] = "<b>bold</b> & \x01";
  r["reason"] = "</details><script>";
  r["claims"] = json::array({"x\"><img>"});
  r["observations"][0] = {{"ret", 0}, {"data", "<i>"}};
  in.results.push_back(r);
  in.claims.push_back({"evil.<claim>", "<kind>", "<title>", "<text>"});
  std::string html = html_of(in);
  EXPECT_EQ(html.find("<script>alert"), std::string::npos);
  EXPECT_EQ(html.find("<b>bold"), std::string::npos);
  EXPECT_EQ(html.find("<img>"), std::string::npos);
  EXPECT_EQ(html.find("<i>"), std::string::npos);
  EXPECT_EQ(html.find("<claim>"), std::string::npos);
  EXPECT_EQ(html.find("<kind>"), std::string::npos);
  EXPECT_EQ(html.find('\x01'), std::string::npos);
  EXPECT_EQ(count(html, "<script>"), 1u);  // only the page's own
  EXPECT_NE(html.find("<code>evil.&lt;script&gt;alert(1)&lt;/script&gt;[x=&quot;&#39;&amp;]</code>"), std::string::npos);
  EXPECT_NE(html.find("&lt;b&gt;bold&lt;/b&gt; &amp; \\x01"), std::string::npos);
  EXPECT_NE(html.find("id=\"evil._script_alert_1___script__x-___\""), std::string::npos);
  // Every id is unique.
  std::regex id_attr(" id=\"([^\"]*)\"");
  std::set<std::string> ids;
  for (std::sregex_iterator it(html.begin(), html.end(), id_attr), end; it != end; ++it)
    EXPECT_TRUE(ids.insert((*it)[1]).second) << (*it)[1];
}

TEST(Html, CollidingAnchorsAreMadeUnique) {
  ReportInput in{run_json(), {record("a.b[x=1]", "kernel", "pass"), record("a.b[x-1]", "kernel", "pass")}, {}};
  std::string html = html_of(in);
  EXPECT_NE(html.find("id=\"a.b_x-1\""), std::string::npos);
  EXPECT_NE(html.find("id=\"a.b_x-1-2\""), std::string::npos);
}

TEST(Html, CasesAreCollapsedAndGroupedByBase) {
  ReportInput in{run_json(), {}, {}};
  for (int i = 0; i < 3; ++i) in.results.push_back(record("g.one[v=" + std::to_string(i) + "]", "kernel", "pass"));
  in.results.push_back(record("g.two", "kernel", "pass"));
  std::string html = html_of(in);
  EXPECT_EQ(count(html, "<details class=\"case\""), 4u);
  EXPECT_EQ(count(html, "<details class=\"case\" open"), 0u);
  EXPECT_EQ(count(html, "<div class=\"base\">"), 2u);
  EXPECT_NE(html.find("<h3><code>g.one</code> IP_TTL rejects values outside 1..255 <span "
                      "class=\"loc\">cases/sockopt/ip_ttl.toml:12</span></h3>"),
            std::string::npos);
}

TEST(Html, DeterministicAndIndependentOfInputOrder) {
  auto in = sample();
  std::string a = html_of(in);
  std::reverse(in.results.begin(), in.results.end());
  EXPECT_EQ(a, html_of(in));
}

TEST(Html, EmptyInput) {
  std::string html = html_of(ReportInput{});
  EXPECT_NE(html.find("No results."), std::string::npos);
  EXPECT_NE(html.find("</html>"), std::string::npos);
}

TEST(WriteAll, WritesTheThreeReports) {
  auto dir = temp_dir() / "out";
  write_all(sample(), dir);
  EXPECT_TRUE(std::filesystem::exists(dir / "junit.xml"));
  EXPECT_TRUE(std::filesystem::exists(dir / "summary.md"));
  EXPECT_TRUE(std::filesystem::exists(dir / "report" / "index.html"));
  EXPECT_FALSE(std::filesystem::exists(dir / "junit.xml.tmp"));
}

}  // namespace
}  // namespace ipc::reports::testing
