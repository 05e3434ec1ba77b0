// Internals of the static HTML report, split by section: html_page.cpp
// (skeleton, header, write_html), html_matrix.cpp (claims matrix),
// html_cases.cpp (per-case sections), html_packets.cpp (captured frames),
// html_assets.cpp (inline CSS and JS).
#pragma once

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "reports/report.hpp"
#include "reports/tally.hpp"

namespace ipc::reports::detail {

// Element ids, unique in the page. Sanitised ids can collide ("a=b" and
// "a-b"); later ones get a numeric suffix, assigned in sorted order so the
// result does not depend on input order.
class Anchors {
 public:
  Anchors(const Tally&, const std::vector<std::string>& claim_ids);
  const std::string& case_anchor(const std::string& case_id) const;
  // "" for a claim that has no matrix row.
  std::string claim_anchor(const std::string& claim_id) const;

 private:
  std::string unique(std::string wanted);
  std::set<std::string> used_;
  std::map<std::string, std::string> cases_, claims_;
};

// Claim ids in matrix row order are computed by the matrix and shared with
// the anchors; this is the list of every id that gets a row.
std::vector<std::string> matrix_claim_ids(const ReportInput&, const Tally&);

std::string html_header(const ReportInput&, const Tally&);
std::string html_matrix(const ReportInput&, const Tally&, const Anchors&);
std::string html_cases(const ReportInput&, const Tally&, const Anchors&);

extern const std::string_view kCss;
extern const std::string_view kJs;

inline constexpr std::string_view kMatrixId = "ipc-matrix";
inline constexpr std::string_view kCasesId = "ipc-cases";

// <span class="b v-fail">fail</span>, with an optional prefix ("kernel fail").
std::string badge(Verdict, std::string_view prefix = {});
// Text that may be long, shown in full only on demand.
std::string long_text(const std::string& text, std::size_t limit = 200);

// The href of a record's pcap, relative to report/index.html: its "pcap"
// field when that is a relative path, else the conventional
// pcap/<sanitised id>.<target>.pcap.
std::string pcap_href(const nlohmann::json& record, const std::string& case_id, const std::string& target);
// The pcap link's text: "pcap", or "pcap (N frames)" when the record has "packets".
std::string pcap_label(const nlohmann::json& record);

// Captured frames (html_packets.cpp).
// An observation: its fields compactly, and a matched `packet` as its summary
// with a collapsible field tree.
std::string observation_html(const nlohmann::json& observation);
// A dissected frame's layers in order, fields as key=value (no hex); fields
// named in `marked` ("IP.ttl") are highlighted.
std::string frame_tree(const nlohmann::json& frame, const std::set<std::string>& marked = {});
// Where two frames' field trees differ ("dir", "layers", "IP.ttl"), ignoring
// time, index, hex, summary, barrier, checksum values and the IP id.
std::vector<std::string> frame_differences(const nlohmann::json& a, const nlohmann::json& b);
// The "Packets" blocks of a case: one per target whose shown record has
// "packets" (in target order, side by side when there are several), frames
// compared with the first such target's (the kernel's when it has some).
std::string packets_section(const std::vector<const Instance*>& instances, const std::string& case_id);

}  // namespace ipc::reports::detail
