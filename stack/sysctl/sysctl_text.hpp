// How /proc/sys integer entries parse what is written and print what is read
// (kernel/sysctl.c: proc_get_long, __do_proc_dointvec, proc_put_long), and
// the jiffies conversions of the time-valued entries at the reference
// kernel's HZ.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ipc::stack::sysctl {

// The reference kernel's tick rate and the userspace clock_t rate: a
// millisecond entry written as 1001 reads back as 1004 (whole 4 ms ticks).
inline constexpr long long kHz = 250;
inline constexpr long long kUserHz = 100;

struct ParsedNumber {
  bool negative = false;
  std::uint64_t magnitude = 0;
};

struct ParsedWrite {
  int err = 0;                        // EINVAL on malformed input
  std::vector<ParsedNumber> numbers;  // at most `max_count`; empty: nothing written
};

// __do_proc_dointvec's write side: leading whitespace is skipped, each
// number is read by proc_get_long (an optional '-', then strtoul with base 0,
// so "0x10" is 16 and "010" is 8; "+5", "-", "0x" and "100x" are EINVAL; a
// number must be followed by whitespace or the end), numbers are separated by
// whitespace, and whatever follows the first `max_count` numbers is ignored.
// Input that is empty is a successful no-op; only whitespace is EINVAL
// ("if (!first && ...)" after a failed read of the first number).
ParsedWrite parse_numbers(std::string_view text, std::size_t max_count);

// proc_put_long: values joined by a tab (the trailing newline is not part of
// what the probe protocol returns).
std::string format_numbers(const std::vector<long long>& values);

// msecs_to_jiffies rounds up; jiffies_to_msecs is exact at HZ 250.
long long ms_to_jiffies(long long ms);
long long jiffies_to_ms(long long jiffies);
// clock_t_to_jiffies and jiffies_to_clock_t both round toward zero.
long long userhz_to_jiffies(long long ticks);
long long jiffies_to_userhz(long long jiffies);

}  // namespace ipc::stack::sysctl
