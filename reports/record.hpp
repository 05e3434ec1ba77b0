// Tolerant access to result records. Records come from files that may have
// been written by an older or newer runner, or merged from several runs, so
// every field is read defensively: a missing or mistyped field reads as
// empty instead of throwing.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace ipc::reports::detail {

using json = nlohmann::json;

// The field as a string ("" if absent; non-strings are dumped compactly).
std::string str(const json& obj, std::string_view key);
// The field if present and of the given kind, else a shared empty value.
const json& arr(const json& obj, std::string_view key);
const json& obj_field(const json& obj, std::string_view key);
double num(const json& obj, std::string_view key, double fallback = 0);
bool flag(const json& obj, std::string_view key);  // true only for a boolean true

// The case's base id: the "base" field, else the case id without its
// bracketed parameters.
std::string base_of(const json& record);
// The first two dot-separated components ("opt.IP_TTL.default" -> "opt.IP_TTL").
std::string top_level(std::string_view id);
// The record's claim ids (strings only, in record order).
std::vector<std::string> claims_of(const json& record);

// A value as a reader wants it: bare for simple strings, numbers, booleans and
// null; JSON for anything else. Never throws on invalid UTF-8.
std::string compact(const json& value);
// An expect/doc table or an observation as "k=v k=v" (ret and errno first,
// errno omitted when null in observations). A dissected frame (`packet`)
// shows as frame(<summary>); ancillary data (`cmsg`, `cmsgs`) as
// [IP_TTL=64, IP_PKTINFO{ifindex=2,...}]. `skip` names fields to leave out.
std::string compact_table(const json& table, bool observation = false,
                          std::initializer_list<std::string_view> skip = {});

// Dissected frames (docs/wire-agent.md, "Dissected frames").
// An object with a string "summary" and an array "layers".
bool is_frame(const json&);
// The frame's summary, "" if it is not a frame.
std::string frame_summary(const json&);
// A nested value in brace notation: objects as {k=v,k=v}, arrays as [a, b],
// simple strings bare, other strings JSON-quoted.
std::string braced(const json&);
// Decoded ancillary data: {"IP_TTL": 64, "IP_PKTINFO": {...}} as
// "IP_TTL=64, IP_PKTINFO{ifindex=2,spec_dst=192.0.2.1,addr=192.0.2.1}" (an
// array of such objects or of {"type"/"name": ..., "value"/"data": ...}
// entries is flattened in order).
std::string cmsg_text(const json&);

// One mismatch (an entry of failures, doc_failures or diffs), rendered
// without markup; each writer formats it for its own output.
struct Mismatch {
  long step = -1;         // 0-based index into steps, -1 when absent
  std::string step_text;  // the step's readable text, if known
  std::string field;
  std::string left_label, left, right_label, right;  // "expected" X, "got" Y
};
enum class MismatchKind { failure, doc_failure, diff };
Mismatch describe(const json& record, const json& entry, MismatchKind);
// "step 2 (setsockopt(...)) errno: expected EINVAL, got null" (steps 1-based).
std::string plain(const Mismatch&);

}  // namespace ipc::reports::detail
