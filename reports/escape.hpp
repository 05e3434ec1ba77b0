// Escaping for each output format. Record strings are untrusted: they may
// hold markup characters, control characters (illegal in XML 1.0) or, if a
// record was produced by something other than nlohmann::json, invalid UTF-8.
// Every escaper first cleans the text: invalid UTF-8 becomes U+FFFD and
// control characters other than tab/newline/CR become a visible "\xNN".
#pragma once

#include <string>
#include <string_view>

namespace ipc::reports::detail {

// Valid UTF-8 with no control characters except \t \n \r.
std::string clean_text(std::string_view);

// XML 1.0 character data or attribute value (attribute=true also escapes
// quotes and keeps \t \n \r as character references so they survive
// attribute-value normalisation).
std::string xml_escape(std::string_view, bool attribute = false);

// HTML text or double/single-quoted attribute value.
std::string html_escape(std::string_view);

// A Markdown code span that shows the text literally on one line; in_table
// escapes '|' so the span can sit in a GFM table cell.
std::string md_code(std::string_view, bool in_table = false);

// Markdown prose that shows the text literally on one line (punctuation that
// Markdown or inline HTML could interpret is backslash-escaped).
std::string md_text(std::string_view, bool in_table = false);

// Percent-encodes a relative path for use in an href (keeps '/').
std::string url_path_escape(std::string_view);

}  // namespace ipc::reports::detail
