// Captured frames in the HTML report: the per-target "Packets" blocks of a
// case, the field tree of a dissected frame (docs/wire-agent.md, "Dissected
// frames") and observations that carry a matched frame. Frames are rendered
// into the case's closed <details> like the rest of the case, and their `hex`
// is never copied into the page: the pcap has the bytes.
#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "reports/escape.hpp"
#include "reports/html.hpp"
#include "reports/record.hpp"

namespace ipc::reports::detail {
namespace {

// A block opens by default when no target has more frames than this
// (barrier frames not counted).
constexpr std::size_t kOpenMax = 6;
// Field values longer than this are cut in the tree (a Raw load can be
// kilobytes of hex; the pcap has it).
constexpr std::size_t kValueMax = 96;
// Differing fields named per frame before "…".
constexpr std::size_t kDiffNamesMax = 6;

bool barrier(const json& f) { return flag(f, "barrier"); }

// Ignored by comparisons: they differ between any two runs.
bool ignored_field(const std::string& layer, const std::string& key) {
  if (key == "hex" || key == "chksum") return true;
  return key == "id" && (layer == "IP" || layer == "IPerror");
}

std::vector<std::string> layer_names(const json& f) {
  std::vector<std::string> out;
  for (const json& l : arr(f, "layers"))
    if (l.is_string()) out.push_back(l.get<std::string>());
  return out;
}

// Hex payloads, addresses and names need no quotes.
bool bare(const std::string& s) {
  if (s.empty()) return false;
  for (unsigned char c : s)
    if (!(std::isalnum(c) || std::string_view("_.:/+-@").find(static_cast<char>(c)) != std::string_view::npos))
      return false;
  return s != "null" && s != "true" && s != "false";
}

std::string value_text(const json& v) {
  std::string s = v.is_string() && bare(v.get<std::string>()) ? v.get<std::string>() : braced(v);
  if (s.size() <= kValueMax) return html_escape(s);
  std::size_t cut = kValueMax * 2 / 3;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  return fmt::format("{}…<span class=\"nr\">({} chars)</span>", html_escape(s.substr(0, cut)), s.size());
}

// Any layer with chksum_ok false.
bool bad_checksum(const json& f) {
  for (const auto& name : layer_names(f)) {
    const json& layer = obj_field(f, name);
    if (auto it = layer.find("chksum_ok"); it != layer.end() && it->is_boolean() && !it->get<bool>()) return true;
  }
  return false;
}

std::string direction(const json& f) {
  std::string dir = str(f, "dir");
  if (dir == "in") return "<td class=\"i\">DUT→tester</td>";
  if (dir == "out") return "<td class=\"o\">tester→DUT</td>";
  return "<td>" + html_escape(dir) + "</td>";
}

std::string frame_label(const json& f) {
  std::string out;
  if (barrier(f)) out += "<span class=\"bt\">barrier</span> ";
  std::string summary = str(f, "summary");
  out += summary.empty() ? "<i>(no summary)</i>" : "<code>" + html_escape(summary) + "</code>";
  if (bad_checksum(f)) out += " <span class=\"ckb\">bad checksum</span>";
  return out;
}

std::string plural(std::size_t n, std::string_view word) {
  return fmt::format("{} {}{}", n, word, n == 1 ? "" : "s");
}

// One target's frames and how they line up with the reference's.
struct Block {
  const Instance* inst;
  const json* frames;
  std::vector<std::size_t> shown;  // indexes of non-barrier frames, in order
  std::map<std::size_t, std::vector<std::string>> notes;  // frame index -> difference notes
  std::map<std::size_t, std::set<std::string>> marked;    // frame index -> differing fields
};

std::string diff_note(const std::vector<std::string>& fields) {
  std::string out;
  for (std::size_t i = 0; i < fields.size() && i < kDiffNamesMax; ++i) out += (i ? ", " : "") + fields[i];
  if (fields.size() > kDiffNamesMax) out += fmt::format(", … ({} fields)", fields.size());
  return out;
}

// Compares `other` with `ref` frame by frame, barrier frames left out.
void compare(Block& ref, Block& other) {
  const std::string& rname = ref.inst->target;
  const std::string& oname = other.inst->target;
  std::size_t n = std::max(ref.shown.size(), other.shown.size());
  for (std::size_t pos = 0; pos < n; ++pos) {
    bool in_ref = pos < ref.shown.size(), in_other = pos < other.shown.size();
    if (in_ref && in_other) {
      std::size_t ri = ref.shown[pos], oi = other.shown[pos];
      const json &rf = (*ref.frames)[ri], &of = (*other.frames)[oi];
      std::vector<std::string> d = frame_differences(rf, of);
      if (d.empty()) continue;
      std::string fields = html_escape(diff_note(d));
      other.notes[oi].push_back(fmt::format("≠ {} #{}: {}", html_escape(rname), static_cast<long>(num(rf, "index", -1)), fields));
      ref.notes[ri].push_back(fmt::format("≠ {} #{}: {}", html_escape(oname), static_cast<long>(num(of, "index", -1)), fields));
      for (const auto& f : d) other.marked[oi].insert(f), ref.marked[ri].insert(f);
    } else if (in_other) {
      other.notes[other.shown[pos]].push_back("≠ not in " + html_escape(rname) + "'s capture");
    } else {
      ref.notes[ref.shown[pos]].push_back("≠ not in " + html_escape(oname) + "'s capture");
    }
  }
}

std::string frame_row(const json& f, std::size_t i, const Block& b) {
  auto notes = b.notes.find(i);
  auto marked = b.marked.find(i);
  std::string cls = barrier(f) ? "bar" : "";
  if (notes != b.notes.end()) cls += cls.empty() ? "pd" : " pd";
  double index = num(f, "index", -1), time = num(f, "time", -1);
  std::string out = cls.empty() ? "<tr>" : "<tr class=\"" + cls + "\">";
  out += index >= 0 ? fmt::format("<td>{}</td>", static_cast<long>(index)) : "<td>—</td>";
  out += time >= 0 ? fmt::format("<td>{:.3f}</td>", time * 1000) : "<td>—</td>";
  out += direction(f);
  // Barrier frames are the harness's pings: their summary says all there is.
  if (barrier(f))
    out += "<td>" + frame_label(f);
  else
    out += "<td><details><summary>" + frame_label(f) + "</summary>" +
           frame_tree(f, marked == b.marked.end() ? std::set<std::string>{} : marked->second) + "</details>";
  if (notes != b.notes.end())
    for (const auto& n : notes->second) out += "<div class=\"pdn\">" + n + "</div>";
  return out + "</td></tr>";
}

std::string block_html(const Block& b, const std::string& case_id, bool open) {
  const json& r = *b.inst->shown;
  const json& frames = *b.frames;
  std::size_t barriers = frames.size() - b.shown.size();
  std::size_t differing = 0;
  for (const auto& [i, n] : b.notes) differing += barrier(frames[i]) ? 0 : 1;
  std::string out = fmt::format("<details class=\"pkts\"{}><summary>Packets · <b>{}</b> · {}", open ? " open" : "",
                                html_escape(b.inst->target), plural(b.shown.size(), "frame"));
  if (barriers) out += fmt::format(" <span class=\"nr\">+ {} barrier</span>", barriers);
  if (differing) out += fmt::format(" · <span class=\"dfn\">{} differ{}</span>", differing, differing == 1 ? "s" : "");
  out += "</summary><p class=\"pkh\">";
  if (r.contains("pcap"))
    out += fmt::format("<a href=\"{}\">{}</a>", html_escape(pcap_href(r, case_id, b.inst->target)), pcap_label(r));
  if (barriers)
    out += fmt::format(" <label><input type=\"checkbox\" class=\"sbt\"> show {} (harness synchronisation)</label>",
                       plural(barriers, "barrier frame"));
  out += "</p>";
  if (frames.empty()) return out + "<p class=\"nr\">No frames captured.</p></details>";
  out += "<table class=\"pk\"><thead><tr><th>#</th><th>ms</th><th title=\"DUT→tester: sent by the DUT; tester→DUT: injected by the tester\">dir</th><th>frame</th></tr></thead><tbody>";
  for (std::size_t i = 0; i < frames.size(); ++i) out += frame_row(frames[i], i, b);
  return out + "</tbody></table></details>";
}

}  // namespace

std::string pcap_href(const json& r, const std::string& case_id, const std::string& target) {
  std::string path = str(r, "pcap");
  bool relative = !path.empty() && path.front() != '/' && path.find(':') == std::string::npos &&
                  path.find('\\') == std::string::npos;
  if (!relative) path = "pcap/" + sanitise_id(case_id) + "." + sanitise_id(target) + ".pcap";
  return "../" + url_path_escape(path);
}

std::string pcap_label(const json& r) {
  if (!r.is_object() || !r.contains("packets") || !r.at("packets").is_array()) return "pcap";
  return "pcap (" + plural(r.at("packets").size(), "frame") + ")";
}

std::string frame_tree(const json& f, const std::set<std::string>& marked) {
  std::string out = "<div class=\"ft\">";
  for (const auto& name : layer_names(f)) {
    out += "<div><b>" + html_escape(name) + "</b>";
    const json& layer = obj_field(f, name);
    for (auto it = layer.begin(); it != layer.end(); ++it) {
      if (it.key() == "hex") continue;
      bool bad = it.key() == "chksum_ok" && it->is_boolean() && !it->get<bool>();
      bool differs = marked.count(name + "." + it.key()) > 0;
      std::string kv = html_escape(it.key()) + "=" + value_text(it.value());
      if (bad)
        out += " <span class=\"ckb\">" + kv + "</span>";
      else if (differs)
        out += " <span class=\"fdf\">" + kv + "</span>";
      else
        out += " " + kv;
    }
    out += "</div>";
  }
  return out + "</div>";
}

std::vector<std::string> frame_differences(const json& a, const json& b) {
  std::vector<std::string> out;
  if (str(a, "dir") != str(b, "dir")) out.push_back("dir");
  std::vector<std::string> la = layer_names(a), lb = layer_names(b);
  if (la != lb) out.push_back("layers");
  std::vector<std::string> all = la;
  for (const auto& l : lb)
    if (std::find(all.begin(), all.end(), l) == all.end()) all.push_back(l);
  for (const auto& name : all) {
    const json &x = obj_field(a, name), &y = obj_field(b, name);
    std::set<std::string> keys;
    for (auto it = x.begin(); it != x.end(); ++it) keys.insert(it.key());
    for (auto it = y.begin(); it != y.end(); ++it) keys.insert(it.key());
    for (const auto& k : keys) {
      if (ignored_field(name, k)) continue;
      auto xi = x.find(k), yi = y.find(k);
      bool same = xi != x.end() && yi != y.end() ? *xi == *yi : false;
      if (!same) out.push_back(name + "." + k);
    }
  }
  return out;
}

std::string observation_html(const json& obs) {
  bool frame = obs.is_object() && obs.contains("packet") && is_frame(obs.at("packet"));
  std::string text = frame ? compact_table(obs, true, {"packet"}) : compact_table(obs, true);
  std::string out = text.empty() && frame ? "" : "<code>" + long_text(text) + "</code>";
  if (frame) {
    const json& f = obs.at("packet");
    out += "<details class=\"fr\"><summary>packet " + frame_label(f) + "</summary>" + frame_tree(f) + "</details>";
  }
  return out;
}

std::string packets_section(const std::vector<const Instance*>& instances, const std::string& case_id) {
  std::vector<Block> blocks;
  for (const Instance* i : instances) {
    const json& r = *i->shown;
    if (!r.is_object() || !r.contains("packets") || !r.at("packets").is_array()) continue;
    Block b{i, &r.at("packets"), {}, {}, {}};
    for (std::size_t k = 0; k < b.frames->size(); ++k)
      if (!barrier((*b.frames)[k])) b.shown.push_back(k);
    blocks.push_back(std::move(b));
  }
  if (blocks.empty()) return {};
  for (std::size_t k = 1; k < blocks.size(); ++k) compare(blocks.front(), blocks[k]);
  bool open = std::all_of(blocks.begin(), blocks.end(), [](const Block& b) { return b.shown.size() <= kOpenMax; });
  std::string out = blocks.size() > 1 ? "<div class=\"pkset two\">" : "<div class=\"pkset\">";
  for (const Block& b : blocks) out += block_html(b, case_id, open);
  return out + "</div>";
}

}  // namespace ipc::reports::detail
