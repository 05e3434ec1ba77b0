#include <gtest/gtest.h>

#include "reports/escape.hpp"
#include "reports/report.hpp"

namespace ipc::reports::detail {
namespace {

TEST(Escape, XmlTextAndAttribute) {
  EXPECT_EQ(xml_escape("a<b>&\"'"), "a&lt;b&gt;&amp;\"'");
  EXPECT_EQ(xml_escape("a<b>&\"'", true), "a&lt;b&gt;&amp;&quot;&apos;");
  EXPECT_EQ(xml_escape("x\ty\nz", true), "x&#9;y&#10;z");
  EXPECT_EQ(xml_escape("x\ty\nz"), "x\ty\nz");
  EXPECT_EQ(xml_escape("a\rb"), "a&#13;b");
}

TEST(Escape, ControlCharactersAreMadeVisible) {
  std::string raw = std::string("a") + '\x01' + "b" + '\0' + "c" + '\x1b' + "\x7f";
  std::string out = xml_escape(raw, true);
  EXPECT_EQ(out, "a\\x01b\\x00c\\x1b\\x7f");
  for (char c : out) EXPECT_FALSE(static_cast<unsigned char>(c) < 0x20) << int(c);
  EXPECT_EQ(html_escape(raw), out);
}

TEST(Escape, InvalidUtf8BecomesReplacementCharacter) {
  EXPECT_EQ(clean_text("ok\xff"), "ok\xEF\xBF\xBD");
  EXPECT_EQ(clean_text("\xC0\xAF"), "\xEF\xBF\xBD\xEF\xBF\xBD");            // overlong '/'
  EXPECT_EQ(clean_text("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // surrogate
  EXPECT_EQ(clean_text("\xEF\xBF\xBE"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // U+FFFE
  EXPECT_EQ(clean_text("caf\xC3\xA9 \xF0\x9F\x98\x80"), "caf\xC3\xA9 \xF0\x9F\x98\x80");
  EXPECT_EQ(clean_text("\xE2\x82"), "\xEF\xBF\xBD\xEF\xBF\xBD");  // truncated sequence
}

TEST(Escape, Html) {
  EXPECT_EQ(html_escape("<script>alert('x&y')</script>"),
            "&lt;script&gt;alert(&#39;x&amp;y&#39;)&lt;/script&gt;");
}

TEST(Escape, MarkdownCodeSpanFence) {
  EXPECT_EQ(md_code("abc"), "`abc`");
  EXPECT_EQ(md_code("a`b"), "``a`b``");
  EXPECT_EQ(md_code("`x"), "`` `x ``");
  EXPECT_EQ(md_code("a|b", true), "`a\\|b`");
  EXPECT_EQ(md_code("a\nb"), "`a b`");
}

TEST(Escape, MarkdownText) {
  EXPECT_EQ(md_text("<b>*x*</b> [l](u)"), "\\<b\\>\\*x\\*\\</b\\> \\[l\\](u)");
  EXPECT_EQ(md_text("a|b"), "a|b");
  EXPECT_EQ(md_text("a|b", true), "a\\|b");
}

TEST(Escape, UrlPath) { EXPECT_EQ(url_path_escape("pcap/a b[1].pcap"), "pcap/a%20b%5B1%5D.pcap"); }

TEST(SanitiseId, KeepsIdsReadableAndSafe) {
  EXPECT_EQ(sanitise_id("sockopt.ip_ttl.set[type=SOCK_DGRAM,value=0]"), "sockopt.ip_ttl.set_type-SOCK_DGRAM_value-0");
  EXPECT_EQ(sanitise_id("a<&\"'>b"), "a_____b");
  EXPECT_EQ(sanitise_id(""), "_");
  EXPECT_EQ(sanitise_id("caf\xC3\xA9"), "caf_");
}

}  // namespace
}  // namespace ipc::reports::detail
