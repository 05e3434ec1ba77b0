#include "stack/sysctl/sysctl_text.hpp"

#include <cctype>
#include <cerrno>
#include <limits>

namespace ipc::stack::sysctl {
namespace {

bool is_space(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }
// proc_wspace_sep: the characters allowed right after a number.
bool is_separator(char c) { return c == ' ' || c == '\t' || c == '\n'; }

int digit_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return 99;
}

// proc_get_long (kernel/sysctl.c) on text[pos...]: returns false for EINVAL.
bool read_number(std::string_view text, std::size_t& pos, ParsedNumber& out) {
  // TMPBUFLEN is 22: at most 21 characters are looked at, and a number that
  // fills all of them is refused because its end cannot be seen.
  constexpr std::size_t kWindow = 21;
  const std::string_view window = text.substr(pos, kWindow);
  std::size_t i = 0;
  out = {};
  if (window.size() > 1 && window[0] == '-') {
    out.negative = true;
    i = 1;
  }
  if (i >= window.size() || !std::isdigit(static_cast<unsigned char>(window[i]))) return false;
  // strtoul_lenient with base 0: "0x" selects hex (and needs a hex digit
  // after it), a leading 0 octal.
  unsigned base = 10;
  if (window[i] == '0') {
    if (i + 1 < window.size() && (window[i + 1] == 'x' || window[i + 1] == 'X')) {
      base = 16;
      i += 2;
    } else {
      base = 8;
    }
  }
  std::size_t digits = 0;
  std::uint64_t value = 0;
  while (i < window.size() && digit_value(window[i]) < static_cast<int>(base)) {
    const auto d = static_cast<std::uint64_t>(digit_value(window[i]));
    if (value > (std::numeric_limits<std::uint64_t>::max() - d) / base) return false;  // -ERANGE
    value = value * base + d;
    ++i;
    ++digits;
  }
  if (digits == 0) return false;  // "0x" with nothing after it
  if (i == kWindow) return false;
  if (i < window.size() && !is_separator(window[i])) return false;
  out.magnitude = value;
  pos += i;
  return true;
}

}  // namespace

ParsedWrite parse_numbers(std::string_view text, std::size_t max_count) {
  ParsedWrite r;
  // proc_sys_call_handler: a zero-length write never reaches the handler.
  if (text.empty()) return r;
  std::size_t pos = 0;
  while (r.numbers.size() < max_count) {
    while (pos < text.size() && is_space(text[pos])) ++pos;
    if (pos == text.size()) break;
    ParsedNumber n;
    // A bad number after good ones also fails the write; the entries this
    // table emulates then keep their old values (they validate a copy).
    if (!read_number(text, pos, n)) return {EINVAL, {}};
    r.numbers.push_back(n);
  }
  // "if (write && first) return err ? : -EINVAL": only whitespace.
  if (r.numbers.empty()) r.err = EINVAL;
  return r;
}

std::string format_numbers(const std::vector<long long>& values) {
  std::string out;
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i != 0) out += '\t';
    out += std::to_string(values[i]);
  }
  return out;
}

long long ms_to_jiffies(long long ms) { return (ms * kHz + 999) / 1000; }
long long jiffies_to_ms(long long jiffies) { return jiffies * 1000 / kHz; }
long long userhz_to_jiffies(long long ticks) { return ticks * kHz / kUserHz; }
long long jiffies_to_userhz(long long jiffies) { return jiffies * kUserHz / kHz; }

}  // namespace ipc::stack::sysctl
