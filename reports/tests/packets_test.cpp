// Captured frames in the reports: the HTML "Packets" blocks, frames and
// ancillary data in observations, and packet context in junit failures.
#include <regex>

#include <gtest/gtest.h>

#include "fixtures.hpp"
#include "reports/html.hpp"
#include "reports/record.hpp"

namespace ipc::reports::testing {
namespace {

std::string fmt_summary(const std::string& src, const std::string& dst) {
  return "IP " + src + " > " + dst + " udp 40000 > 9";
}

// A dissected UDP frame as the wire agent reports it.
json frame(int index, double time, const std::string& dir, int ttl = 64, bool barrier = false) {
  bool in = dir == "in";
  std::string dut = "192.0.2.1", tester = "192.0.2.2";
  return json{
      {"index", index},
      {"time", time},
      {"dir", dir},
      {"barrier", barrier},
      {"hex", "0200000002020200deadbeefcafe" + std::to_string(index)},
      {"summary", fmt_summary(in ? dut : tester, in ? tester : dut)},
      {"layers", json::array({"Ether", "IP", "UDP", "Raw"})},
      {"Ether", {{"dst", "02:00:00:00:02:02"}, {"src", "02:00:00:00:01:01"}, {"type", 2048}}},
      {"IP",
       {{"version", 4}, {"ihl", 5}, {"tos", 0}, {"len", 33}, {"id", 4660 + index}, {"flags", 2}, {"frag", 0},
        {"ttl", ttl}, {"proto", 17}, {"chksum", 9029 + index}, {"chksum_ok", true}, {"src", in ? dut : tester},
        {"dst", in ? tester : dut}, {"options", json::array()}}},
      {"UDP", {{"sport", 40000}, {"dport", 9}, {"len", 13}, {"chksum", 1234}, {"chksum_ok", true}}},
      {"Raw", {{"load", "68656c6c6f"}}},
  };
}

// An ICMP echo barrier and its reply.
json barrier_frame(int index, double time, const std::string& dir) {
  json f = frame(index, time, dir, 64, true);
  f["summary"] = dir == "out" ? "IP 192.0.2.2 > 192.0.2.1 icmp echo-request" : "IP 192.0.2.1 > 192.0.2.2 icmp echo-reply";
  return f;
}

// A UDP send case whose capture holds: tester frame, DUT frame, barrier pair.
json with_packets(const std::string& target) {
  auto r = record("wire.udp.send", target, "pass");
  r["pcap"] = "pcap/wire.udp.send." + target + ".pcap";
  r["packets"] = json::array(
      {frame(0, 0.0001, "out"), frame(1, 0.000412, "in"), barrier_frame(2, 0.0011, "out"), barrier_frame(3, 0.0012, "in")});
  return r;
}

std::string html_of(const ReportInput& in) {
  auto dir = temp_dir() / "report";
  write_html(in, dir);
  return slurp(dir / "index.html");
}

// The case's <details> (up to the steps table's end and the packets blocks).
std::string case_of(const std::string& html, const std::string& anchor) {
  auto start = html.find("<details class=\"case\" id=\"" + anchor + "\"");
  if (start == std::string::npos) return "(no case " + anchor + ")";
  return html.substr(start, html.find("</details>\n", start) - start);
}

// The packets block of one target.
std::string block_of(const std::string& c, const std::string& target) {
  auto title = c.find("<summary>Packets · <b>" + target + "</b>");
  if (title == std::string::npos) return "(no block " + target + ")";
  auto start = c.rfind("<details class=\"pkts\"", title);
  return c.substr(start, c.find("</tbody></table></details>", start) - start);
}

// The <tr> of frame number `index` in a block.
std::string frame_row(const std::string& block, int index) {
  std::regex row("<tr[^>]*><td>" + std::to_string(index) + "</td>.*?</tr>");
  std::smatch m;
  return std::regex_search(block, m, row) ? m.str() : "(no frame " + std::to_string(index) + ")";
}

TEST(Packets, FramesShowSummaryTimeAndDirection) {
  std::string html = html_of(ReportInput{run_json(), {with_packets("kernel")}, {}});
  std::string b = block_of(case_of(html, "wire.udp.send"), "kernel");
  EXPECT_NE(b.find("<summary>Packets · <b>kernel</b> · 2 frames <span class=\"nr\">+ 2 barrier</span>"),
            std::string::npos)
      << b;
  std::string sent = frame_row(b, 1);
  EXPECT_EQ(sent.find("<tr><td>1</td><td>0.412</td><td class=\"i\">DUT→tester</td>"), 0u) << sent;
  EXPECT_NE(sent.find("<td><details><summary><code>IP 192.0.2.1 &gt; 192.0.2.2 udp 40000 &gt; 9</code></summary>"),
            std::string::npos)
      << sent;
  std::string injected = frame_row(b, 0);
  EXPECT_EQ(injected.find("<tr><td>0</td><td>0.100</td><td class=\"o\">tester→DUT</td>"), 0u) << injected;
  EXPECT_NE(b.find("<th title=\"DUT→tester: sent by the DUT; tester→DUT: injected by the tester\">dir</th>"),
            std::string::npos);
  // The field tree: layers in order, fields as key=value.
  EXPECT_NE(sent.find("<div class=\"ft\"><div><b>Ether</b> dst=02:00:00:00:02:02 src=02:00:00:00:01:01 type=2048</div>"),
            std::string::npos)
      << sent;
  EXPECT_LT(sent.find("<b>Ether</b>"), sent.find("<b>IP</b>"));
  EXPECT_LT(sent.find("<b>IP</b>"), sent.find("<b>UDP</b>"));
  EXPECT_LT(sent.find("<b>UDP</b>"), sent.find("<b>Raw</b>"));
  EXPECT_NE(sent.find(" ttl=64 "), std::string::npos) << sent;
  EXPECT_NE(sent.find(" options=[] "), std::string::npos) << sent;
  EXPECT_NE(sent.find("<b>Raw</b> load=68656c6c6f</div>"), std::string::npos) << sent;
  EXPECT_NE(sent.find(" chksum_ok=true "), std::string::npos) << sent;
  EXPECT_EQ(sent.find("id=4661"), sent.rfind("id=4661"));  // once: in the tree only
  // A small capture opens with the case; the frames themselves stay closed.
  EXPECT_NE(b.find("<details class=\"pkts\" open>"), std::string::npos) << b;
  EXPECT_EQ(count(b, "<details open"), 0u);
}

TEST(Packets, NoHexInThePage) {
  std::string html = html_of(ReportInput{run_json(), {with_packets("kernel")}, {}});
  EXPECT_EQ(html.find("deadbeef"), std::string::npos);
  EXPECT_EQ(html.find("hex="), std::string::npos);
}

TEST(Packets, BarrierFramesAreMarkedAndHiddenBehindAToggle) {
  std::string html = html_of(ReportInput{run_json(), {with_packets("kernel")}, {}});
  std::string b = block_of(case_of(html, "wire.udp.send"), "kernel");
  EXPECT_EQ(count(b, "<tr class=\"bar\">"), 2u) << b;
  EXPECT_EQ(frame_row(b, 2).rfind("<tr class=\"bar\">", 0), 0u);
  EXPECT_EQ(frame_row(b, 1).rfind("<tr>", 0), 0u);
  EXPECT_NE(frame_row(b, 3).find("<td class=\"i\">DUT→tester</td><td><span class=\"bt\">barrier</span> <code>IP "
                                 "192.0.2.1 &gt; 192.0.2.2 icmp echo-reply</code></td></tr>"),
            std::string::npos)
      << frame_row(b, 3);
  EXPECT_NE(b.find("<input type=\"checkbox\" class=\"sbt\"> show 2 barrier frames"), std::string::npos) << b;
  // Hidden by the stylesheet until the toggle is checked.
  EXPECT_NE(html.find("table.pk tr.bar{display:none"), std::string::npos);
  EXPECT_NE(html.find(".pkts.sb table.pk tr.bar{display:table-row}"), std::string::npos);
  EXPECT_NE(html.find("contains(\"sbt\")"), std::string::npos);
}

TEST(Packets, BadChecksumIsHighlighted) {
  auto r = with_packets("kernel");
  r["packets"][1]["UDP"]["chksum_ok"] = false;
  std::string html = html_of(ReportInput{run_json(), {r}, {}});
  std::string b = block_of(case_of(html, "wire.udp.send"), "kernel");
  std::string bad = frame_row(b, 1);
  EXPECT_NE(bad.find("<span class=\"ckb\">chksum_ok=false</span>"), std::string::npos) << bad;
  EXPECT_NE(bad.find("</code> <span class=\"ckb\">bad checksum</span></summary>"), std::string::npos) << bad;
  EXPECT_EQ(count(bad, "class=\"ckb\""), 2u) << bad;  // the IP checksum (true) is not highlighted
  EXPECT_EQ(frame_row(b, 0).find("ckb"), std::string::npos);
  EXPECT_NE(html.find(".ckb{color:var(--badf)"), std::string::npos);
}

TEST(Packets, PcapLinkIsRelativeAndCountsFrames) {
  std::string html = html_of(ReportInput{run_json(), {with_packets("kernel")}, {}});
  std::string c = case_of(html, "wire.udp.send");
  // In the target notes and in the packets block.
  EXPECT_EQ(count(c, "<a href=\"../pcap/wire.udp.send.kernel.pcap\">pcap (4 frames)</a>"), 2u) << c;
  EXPECT_NE(block_of(c, "kernel").find("<p class=\"pkh\"><a href=\"../pcap/wire.udp.send.kernel.pcap\">"),
            std::string::npos);

  auto r = with_packets("kernel");
  r["pcap"] = "/tmp/elsewhere/x.pcap";  // not relative: the conventional name instead
  r["packets"] = json::array({frame(0, 0, "in")});
  html = html_of(ReportInput{run_json(), {r}, {}});
  EXPECT_EQ(count(html, "<a href=\"../pcap/wire.udp.send.kernel.pcap\">pcap (1 frame)</a>"), 2u);
  EXPECT_EQ(html.find("/tmp/elsewhere"), std::string::npos);

  // Packets without a pcap: the block, no link.
  r.erase("pcap");
  html = html_of(ReportInput{run_json(), {r}, {}});
  EXPECT_NE(html.find("<details class=\"pkts\""), std::string::npos);
  EXPECT_EQ(html.find(".pcap"), std::string::npos);
}

TEST(Packets, LongFieldValuesAreCut) {
  auto r = with_packets("kernel");
  std::string load;
  for (int i = 0; i < 200; ++i) load += "ab";
  r["packets"][1]["Raw"]["load"] = load;
  std::string html = html_of(ReportInput{run_json(), {r}, {}});
  EXPECT_NE(html.find("<b>Raw</b> load=" + load.substr(0, 64) + "…<span class=\"nr\">(400 chars)</span></div>"),
            std::string::npos);
  EXPECT_EQ(html.find(load.substr(0, 66)), std::string::npos);
}

TEST(Packets, NoPacketsFieldNoBlock) {
  std::string html = html_of(ReportInput{run_json(), {record("a.b", "kernel", "pass")}, {}});
  EXPECT_EQ(html.find("<details class=\"pkts\""), std::string::npos);
  EXPECT_EQ(html.find("<div class=\"pkset"), std::string::npos);
}

TEST(Packets, LargeCapturesStartCollapsed) {
  auto r = with_packets("kernel");
  for (int i = 4; i < 9; ++i) r["packets"].push_back(frame(i, 0.002 + i / 1e4, i % 2 ? "in" : "out"));
  std::string html = html_of(ReportInput{run_json(), {r}, {}});
  std::string b = block_of(case_of(html, "wire.udp.send"), "kernel");
  EXPECT_EQ(b.rfind("<details class=\"pkts\"><summary>Packets · <b>kernel</b> · 7 frames", 0), 0u) << b;
  EXPECT_EQ(count(b, "<tr"), 10u);  // header + 9 frames, all rendered
}

TEST(Packets, SideBySideMarksDifferingFrames) {
  auto k = with_packets("kernel");
  auto s = with_packets("stack");
  // Noise that must not count: times, indexes, hex, IP id, checksum values.
  for (auto& f : s["packets"]) {
    f["time"] = f["time"].get<double>() * 3;
    f["index"] = f["index"].get<int>() + 1;
    f["hex"] = "00";
    f["IP"]["id"] = 1;
    f["IP"]["chksum"] = 7;
    f["UDP"]["chksum"] = 8;
  }
  s["packets"][1]["IP"]["ttl"] = 1;                // the DUT's frame differs
  s["packets"][3]["IP"]["ttl"] = 2;                // a barrier: not compared
  s["packets"].push_back(frame(9, 0.005, "in"));   // a frame the kernel did not send
  s["packets"][4]["UDP"]["chksum_ok"] = false;
  ReportInput in{run_json(), {k, s}, {}};
  std::string c = case_of(html_of(in), "wire.udp.send");
  ASSERT_NE(c.find("<div class=\"pkset two\">"), std::string::npos) << c;
  std::string kb = block_of(c, "kernel"), sb = block_of(c, "stack");
  EXPECT_LT(c.find("<b>kernel</b>"), c.find("<b>stack</b>"));

  EXPECT_EQ(frame_row(sb, 1).find("class=\"pd\""), std::string::npos) << frame_row(sb, 1);  // same as kernel's #0
  std::string differs = frame_row(sb, 2);
  EXPECT_EQ(differs.rfind("<tr class=\"pd\">", 0), 0u) << differs;
  EXPECT_NE(differs.find("<div class=\"pdn\">≠ kernel #1: IP.ttl</div>"), std::string::npos) << differs;
  EXPECT_NE(differs.find("<span class=\"fdf\">ttl=1</span>"), std::string::npos) << differs;
  std::string kernel_side = frame_row(kb, 1);
  EXPECT_EQ(kernel_side.rfind("<tr class=\"pd\">", 0), 0u) << kernel_side;
  EXPECT_NE(kernel_side.find("<div class=\"pdn\">≠ stack #2: IP.ttl</div>"), std::string::npos) << kernel_side;
  EXPECT_NE(kernel_side.find("<span class=\"fdf\">ttl=64</span>"), std::string::npos) << kernel_side;

  EXPECT_EQ(frame_row(sb, 4).rfind("<tr class=\"bar\">", 0), 0u) << frame_row(sb, 4);  // barrier: not marked
  std::string extra = frame_row(sb, 9);
  EXPECT_NE(extra.find("<div class=\"pdn\">≠ not in kernel's capture</div>"), std::string::npos) << extra;
  EXPECT_EQ(count(sb, "class=\"pdn\""), 2u) << sb;
  EXPECT_EQ(count(kb, "class=\"pdn\""), 1u) << kb;
  EXPECT_NE(sb.find("<span class=\"dfn\">2 differ</span>"), std::string::npos) << sb;
  EXPECT_NE(kb.find("<span class=\"dfn\">1 differs</span>"), std::string::npos) << kb;

  // chksum_ok is compared even though checksum values are not.
  in.results[1]["packets"].erase(in.results[1]["packets"].size() - 1);
  in.results[1]["packets"][0]["IP"]["chksum_ok"] = false;
  c = case_of(html_of(in), "wire.udp.send");
  EXPECT_NE(frame_row(block_of(c, "stack"), 1).find("≠ kernel #0: IP.chksum_ok"), std::string::npos) << c;
}

TEST(Packets, FrameDifferencesIgnoreNoiseOnly) {
  using detail::frame_differences;
  json a = frame(0, 0.1, "in"), b = frame(5, 0.9, "in");
  b["hex"] = "ff";
  b["IP"]["id"] = 1;
  b["IP"]["chksum"] = 1;
  b["UDP"]["chksum"] = 1;
  b["summary"] = "different text";
  EXPECT_TRUE(frame_differences(a, b).empty());
  b["dir"] = "out";
  b["UDP"]["chksum_ok"] = false;
  b["Raw"].erase("load");
  b["layers"] = json::array({"Ether", "IP", "UDP", "Raw", "Padding"});
  EXPECT_EQ(frame_differences(a, b), (std::vector<std::string>{"dir", "layers", "UDP.chksum_ok", "Raw.load"}));
}

TEST(Packets, SummariesAndFieldsAreEscaped) {
  auto r = with_packets("kernel");
  r["packets"][1]["summary"] = "<script>alert(1)</script> & \"q\"";
  r["packets"][1]["layers"] = json::array({"Ether", "<img>"});
  r["packets"][1]["<img>"] = {{"<k>", "</td></tr>"}};
  r["packets"][1]["dir"] = "<b>sideways</b>";
  std::string html = html_of(ReportInput{run_json(), {r}, {}});
  EXPECT_EQ(count(html, "<script>"), 1u);  // the page's own
  EXPECT_EQ(html.find("<img>"), std::string::npos);
  EXPECT_EQ(html.find("<k>"), std::string::npos);
  EXPECT_EQ(html.find("<b>sideways"), std::string::npos);
  EXPECT_NE(html.find("<code>&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;q&quot;</code>"), std::string::npos);
  EXPECT_NE(html.find("<b>&lt;img&gt;</b> &lt;k&gt;=&quot;&lt;/td&gt;&lt;/tr&gt;&quot;</div>"),
            std::string::npos);
}

TEST(Packets, ObservationWithFrameAndCmsgsStaysReadable) {
  auto r = with_packets("kernel");
  r["steps"].push_back({{"op", "expect_packet"}, {"text", "expect_packet(IP/UDP dport=9)"}, {"expect", nullptr},
                        {"doc", nullptr}});
  r["steps"].push_back({{"op", "recvmsg"}, {"text", "recvmsg(s, 64, IP_TTL|IP_PKTINFO)"}, {"expect", nullptr},
                        {"doc", nullptr}});
  r["observations"].push_back({{"ret", 0}, {"errno", nullptr}, {"packet", frame(1, 0.000412, "in")}});
  r["observations"].push_back(
      {{"ret", 5},
       {"errno", nullptr},
       {"cmsg",
        {{"IP_TTL", 64}, {"IP_PKTINFO", {{"ifindex", 2}, {"spec_dst", "192.0.2.1"}, {"addr", "192.0.2.1"}}}}}});
  std::string html = html_of(ReportInput{run_json(), {r}, {}});
  std::string c = case_of(html, "wire.udp.send");
  EXPECT_NE(c.find("<td><code>ret=0</code><details class=\"fr\"><summary>packet <code>IP 192.0.2.1 &gt; 192.0.2.2 "
                   "udp 40000 &gt; 9</code></summary><div class=\"ft\"><div><b>Ether</b>"),
            std::string::npos)
      << c;
  EXPECT_NE(c.find("<code>ret=5 cmsg=[IP_PKTINFO{addr=192.0.2.1,ifindex=2,spec_dst=192.0.2.1}, IP_TTL=64]</code>"),
            std::string::npos)
      << c;
  EXPECT_EQ(html.find("&quot;layers&quot;"), std::string::npos);  // no raw JSON of the frame
  EXPECT_EQ(html.find("deadbeef"), std::string::npos);
}

TEST(Packets, CompactRenderingOfFramesAndCmsgs) {
  using namespace detail;
  EXPECT_EQ(compact(frame(0, 0, "in")), "frame(IP 192.0.2.1 > 192.0.2.2 udp 40000 > 9)");
  EXPECT_EQ(cmsg_text(json{{"IP_TTL", 64}, {"IP_TOS", "0x10"}}), "IP_TOS=0x10, IP_TTL=64");
  EXPECT_EQ(cmsg_text(json::array({{{"type", "IP_TTL"}, {"value", 1}},
                                   {{"type", "IP_RECVERR"}, {"value", {{"ee_errno", "EHOSTUNREACH"}, {"ee_type", 3}}}}})),
            "IP_TTL=1, IP_RECVERR{ee_errno=EHOSTUNREACH,ee_type=3}");
  EXPECT_EQ(compact_table(json{{"ret", 0}, {"errno", nullptr}, {"cmsgs", {{"IP_TTL", 64}}}}, true),
            "ret=0 cmsgs=[IP_TTL=64]");
  EXPECT_EQ(compact_table(json{{"ret", 0}, {"packet", frame(0, 0, "out")}}, true),
            "ret=0 packet=frame(IP 192.0.2.2 > 192.0.2.1 udp 40000 > 9)");
  EXPECT_EQ(braced(json{{"type", "RR"}, {"routers", {"0.0.0.0", "0.0.0.0"}}}), "{routers=[0.0.0.0, 0.0.0.0],type=RR}");
}

TEST(Packets, DeterministicWithPackets) {
  ReportInput in{run_json(), {with_packets("kernel"), with_packets("stack"), record("a.b", "kernel", "pass")}, {}};
  in.results[1]["packets"][1]["IP"]["ttl"] = 3;
  std::string a = html_of(in);
  std::reverse(in.results.begin(), in.results.end());
  EXPECT_EQ(a, html_of(in));
}

std::string junit_case(const ReportInput& in, const std::string& name) {
  auto file = temp_dir() / "junit.xml";
  write_junit(in, file);
  std::string xml = slurp(file);
  auto start = xml.rfind("<testcase ", xml.find("name=\"" + name + "\""));
  return xml.substr(start, xml.find("</testcase>", start) - start);
}

json expect_packet_case(const std::string& id) {
  auto r = with_packets("stack");
  r["case"] = id;
  r["verdict"] = "fail";
  r["steps"].push_back({{"op", "expect_packet"}, {"text", "expect_packet(IP ttl=64)"},
                        {"expect", json::array({{{"layer", "IP"}, {"ttl", 64}}})}, {"doc", nullptr}});
  return r;
}

TEST(Packets, JunitFailureNamesTheFrame) {
  // Matched, with a wrong field.
  auto matched = expect_packet_case("wire.a");
  json f = frame(1, 0.000412, "in", 1);
  matched["observations"].push_back({{"ret", 0}, {"packet", f}});
  matched["failures"] = json::array({failure(2, "packet.IP.ttl", 64, 1)});
  // Nothing matched: the DUT's frames are listed (not the tester's, not barriers).
  auto unmatched = expect_packet_case("wire.b");
  unmatched["observations"].push_back({{"ret", -1}, {"errno", "ETIMEDOUT"}});
  unmatched["failures"] = json::array({failure(2, "packet", "a frame", nullptr)});
  // The entry carries the frame itself.
  auto got = expect_packet_case("wire.c");
  got["failures"] = json::array({failure(2, "packet", "a frame", f)});
  // Unrelated failure: no frame text.
  auto other = record("wire.d", "stack", "fail");
  other["failures"] = json::array({failure(1, "errno", "EINVAL", nullptr)});
  other["packets"] = with_packets("stack")["packets"];
  ReportInput in{run_json(), {matched, unmatched, got, other}, {}};

  std::string a = junit_case(in, "wire.a");
  EXPECT_NE(a.find("step 3 (expect_packet(IP ttl=64)) packet.IP.ttl: expected 64, got 1\n"
                   "    matched frame: IP 192.0.2.1 &gt; 192.0.2.2 udp 40000 &gt; 9\n"),
            std::string::npos)
      << a;
  std::string b = junit_case(in, "wire.b");
  EXPECT_NE(b.find("    no frame matched; frames the DUT sent:\n      #1 IP 192.0.2.1 &gt; 192.0.2.2 udp 40000 &gt; 9\n"),
            std::string::npos)
      << b;
  EXPECT_EQ(b.find("echo-reply"), std::string::npos) << b;
  EXPECT_EQ(b.find("#0"), std::string::npos) << b;
  std::string c = junit_case(in, "wire.c");
  EXPECT_NE(c.find("message=\"step 3 (expect_packet(IP ttl=64)) packet: expected &quot;a frame&quot;, got "
                   "frame(IP 192.0.2.1 &gt; 192.0.2.2 udp 40000 &gt; 9)\""),
            std::string::npos)
      << c;
  EXPECT_NE(c.find("\n    got frame: IP 192.0.2.1 &gt; 192.0.2.2 udp 40000 &gt; 9\n"), std::string::npos) << c;
  EXPECT_EQ(c.find("deadbeef"), std::string::npos) << c;
  std::string d = junit_case(in, "wire.d");
  EXPECT_EQ(d.find("frame"), std::string::npos) << d;
}

TEST(Packets, SummaryStillWrites) {
  auto r = expect_packet_case("wire.c");
  r["failures"] = json::array({failure(2, "packet", "a frame", frame(1, 0, "in"))});
  auto file = temp_dir() / "summary.md";
  write_summary(ReportInput{run_json(), {r}, {}}, file);
  std::string md = slurp(file);
  EXPECT_NE(md.find("`frame(IP 192.0.2.1 > 192.0.2.2 udp 40000 > 9)`"), std::string::npos) << md;
  EXPECT_EQ(md.find("deadbeef"), std::string::npos) << md;
}

}  // namespace
}  // namespace ipc::reports::testing
